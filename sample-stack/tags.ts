import * as pulumi from "@pulumi/pulumi";

/**
 * A tag map as a resource input that any tag key AWS accepts survives, `toString` and `valueOf`
 * included. @pulumi/pulumi labels every plain input it registers with `${value}` (runtime/rpc.ts,
 * transferProperties, in 3.248 to 3.276): for a map with a `toString` key that is not a function, that
 * throws "Cannot convert object to primitive value" and the program dies in its error handler. An
 * Output is labelled without converting its value, and its value is serialized key by key.
 */
export function tagsInput(
  tags: Readonly<Record<string, string>> | undefined,
): pulumi.Output<Record<string, string>> | undefined {
  return tags === undefined ? undefined : pulumi.output({ ...tags });
}
