import type { PolicyResource } from "@pulumi/policy";
import type { ResourceSubject } from "../judging/resource";
import { PROXY_TARGET } from "./policy-internals";

/**
 * @pulumi/policy hands policies a proxy that throws on any unknown value it meets. The guard
 * reads the proxy's target instead, in which unknowns are the engine's sentinels: rules then see
 * them as UNKNOWN and can say what they can still judge (or that a stack policy will).
 */
export function rawProps(props: unknown): unknown {
  if (typeof props !== "object" || props === null) return props;
  const target: unknown = (props as Record<string, unknown>)[PROXY_TARGET];
  return target ?? props;
}

/** The resource an Analyze call (or one of AnalyzeStack's) shows, as judging reads it. */
export function subjectOf(
  args: Pick<PolicyResource, "type" | "name" | "urn" | "props" | "provider">,
): ResourceSubject {
  return {
    type: args.type,
    name: args.name,
    urn: args.urn,
    props: rawProps(args.props),
    providerProps: rawProps(args.provider?.props),
  };
}
