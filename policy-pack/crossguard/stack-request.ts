/**
 * The resources of an AnalyzeStack request in the plain form judging reads, built once per request
 * (the engine gate's job; see engine-gate.ts). It is what the stack policies read from the
 * resources @pulumi/policy would build for each of them (server.js, makeAnalyzeStackRpcFun):
 * properties and the provider's properties deserialized as its server deserializes them, and
 * property dependencies that keep only the URNs of resources in the request, as it keeps them.
 */
import type { StackResource } from "../facts/key-tracing";
import { deserializeProperties } from "./policy-internals";

/* eslint-disable @typescript-eslint/no-explicit-any -- AnalyzerResource messages are untyped here. */

/** @pulumi/policy's words for a request without resource options (an engine older than it supports). */
const OPTIONS_REQUIRED =
  "A more recent version of the Pulumi CLI is required. To upgrade, see https://www.pulumi.com/docs/get-started/install/";

export function stackResourcesOf(resources: readonly any[]): StackResource[] {
  const inRequest = new Set<string>(resources.map((r) => r.getUrn()));
  return resources.map((resource): StackResource => {
    if (!resource.getOptions()) throw new Error(OPTIONS_REQUIRED);
    const propertyDependencies: Record<string, string[]> = {};
    for (const [property, dependencies] of resource.getPropertydependenciesMap().entries() as Iterable<
      [string, any]
    >) {
      propertyDependencies[property] = (dependencies.getUrnsList() as string[]).filter((urn) =>
        inRequest.has(urn),
      );
    }
    const provider = resource.getProvider();
    const providerProps: unknown = provider ? deserializeProperties(provider.getProperties()) : undefined;
    return {
      type: resource.getType(),
      urn: resource.getUrn(),
      name: resource.getName(),
      props: deserializeProperties(resource.getProperties()),
      propertyDependencies,
      ...(providerProps === undefined ? {} : { providerProps }),
    };
  });
}
