/**
 * Every use of @pulumi/policy's internals, in one place, written against the version in
 * PATCHED_POLICY_VERSION (tests/unit/policy-internals.spec.ts fails when another is installed, so
 * that each use below is re-checked against its server.js before the pin moves):
 * - the gRPC server class it serves the analyzer with (the engine gate wraps the service);
 * - its analyzer messages (answers built by the gate must be the classes its server returns);
 * - its AnalyzeStack handler factory, `makeAnalyzeStackRpcFun`, which the gate runs with the
 *   pack's stack policies bound to one judgment per request (see engine-gate.ts);
 * - its property deserialization, shared between policies (see shareDeserializedProperties);
 * - the name under which its unknown-checking proxy hands out its target (props.ts).
 * Each is resolved from @pulumi/policy's own folder, so it is the very module its server uses.
 */
import * as path from "path";

/* eslint-disable @typescript-eslint/no-explicit-any -- these modules are untyped internals. */

/** The @pulumi/policy version whose internals this file was checked against. */
export const PATCHED_POLICY_VERSION = "1.21.0";

/** The property of @pulumi/policy's proxies that returns the proxied object (proxy.js). */
export const PROXY_TARGET = "__getSpecialProxyTarget";

export type Handler = (call: any, callback: (error: unknown, response?: unknown) => void) => void;

let policyFolder: string | undefined;
function policyDir(): string {
  policyFolder ??= path.dirname(require.resolve("@pulumi/policy"));
  return policyFolder;
}

/** Modules already resolved: resolving takes file system lookups, and some are used per resource. */
const resolved = new Map<string, unknown>();

/** A module exactly as @pulumi/policy's own files resolve it. */
function policyRequire<T>(request: string): T {
  let module = resolved.get(request);
  if (module === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @pulumi/policy's folder
    module = require(require.resolve(request, { paths: [policyDir()] }));
    resolved.set(request, module);
  }
  return module as T;
}

/** @grpc/grpc-js exactly as @pulumi/policy resolves it, so that the patched class is the one it uses. */
export function policyGrpc(): {
  Server: { prototype: { addService: (service: any, impl: Record<string, Handler>) => void } };
} {
  return policyRequire("@grpc/grpc-js");
}

/** The analyzer messages exactly as @pulumi/policy resolves them (its response type is built from them). */
export function analyzerMessages(): { AnalyzeDiagnostic: new () => any } {
  return policyRequire("@pulumi/pulumi/proto/analyzer_pb");
}

/**
 * @pulumi/policy's AnalyzeStack handler for the given policies: the loop over stack policies
 * (levels from the pack config it was sent, not-applicable reasons, violations, errors) and the
 * response it builds, exactly as its server runs them. It reads the pack config and stack tags its
 * own Configure and ConfigureStack handlers stored.
 */
export function analyzeStackHandler(
  pack: { name: string; version: string; enforcementLevel: string },
  policies: readonly unknown[],
): Handler {
  const server = policyRequire<{ makeAnalyzeStackRpcFun: (...args: unknown[]) => Handler }>(
    path.join(policyDir(), "server.js"),
  );
  return server.makeAnalyzeStackRpcFun(pack.name, pack.version, pack.enforcementLevel, policies);
}

type DeserializeProperties = (struct: unknown, proxySecrets: boolean) => unknown;

/** @pulumi/policy's deserialize module, exactly as its server resolves it. */
function policyDeserializeModule(): { deserializeProperties?: DeserializeProperties } {
  return policyRequire(path.join(policyDir(), "deserialize.js"));
}

/** A Struct of the engine's properties as @pulumi/policy turns it into plain values for policies. */
export function deserializeProperties(struct: unknown): unknown {
  const deserialize = policyDeserializeModule().deserializeProperties;
  if (typeof deserialize !== "function")
    throw new Error(`@pulumi/policy has no deserializeProperties (written for ${PATCHED_POLICY_VERSION})`);
  return deserialize(struct, false);
}

/**
 * @pulumi/policy turns a resource's protobuf properties (and its provider's) into plain values once
 * per policy: for every Analyze request once per resource policy. With the pack's dozens of
 * policies that repetition was most of its time on the resources it guards (measured by
 * `npm run bench`). (AnalyzeStack deserializes each resource once, in the engine gate.)
 *
 * The plain form is a pure function of the request's Struct, which the request hands out as the
 * same object every time, and policies only read it (the guard's rules are pure; the unknown-
 * checking proxy @pulumi/policy puts in front of it is still made per policy). So it is computed
 * once per Struct, held in a WeakMap that lets it go with the request. Secret-preserving
 * deserialization (used by remediation only) is left alone.
 */
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
