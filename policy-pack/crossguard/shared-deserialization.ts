/**
 * @pulumi/policy turns a resource's protobuf properties (and its provider's) into plain values once
 * per policy: for every resource of an AnalyzeStack request once per stack policy, and for every
 * Analyze request once per resource policy. With the pack's dozens of policies that repetition
 * was most of its time on the resources it guards (measured by `npm run bench`).
 *
 * The plain form is a pure function of the request's Struct, which the request hands out as the
 * same object every time, and policies only read it (the guard's rules are pure; the unknown-
 * checking proxy @pulumi/policy puts in front of it is still made per policy). So it is computed
 * once per Struct, held in a WeakMap that lets it go with the request. Secret-preserving
 * deserialization (used by remediation only) is left alone.
 */
import * as path from "path";

type DeserializeProperties = (struct: unknown, proxySecrets: boolean) => unknown;

/** @pulumi/policy's deserialize module, exactly as its server resolves it. */
function policyDeserializeModule(): { deserializeProperties?: DeserializeProperties } {
  const policyDir = path.dirname(require.resolve("@pulumi/policy"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the very module @pulumi/policy's server calls
  return require(path.join(policyDir, "deserialize.js"));
}

export function shareDeserializedProperties(): void {
  const module = policyDeserializeModule();
  const deserialize = module.deserializeProperties;
  // Another @pulumi/policy layout: leave it as it is (slower, still correct).
  if (typeof deserialize !== "function") return;
  const plainByStruct = new WeakMap<object, unknown>();
  module.deserializeProperties = (struct, proxySecrets) => {
    if (proxySecrets || typeof struct !== "object" || struct === null)
      return deserialize(struct, proxySecrets);
    if (plainByStruct.has(struct)) return plainByStruct.get(struct);
    const plain = deserialize(struct, proxySecrets);
    plainByStruct.set(struct, plain);
    return plain;
  };
}
