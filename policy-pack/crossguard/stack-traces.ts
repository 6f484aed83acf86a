/**
 * The key traces of one AnalyzeStack, shared by every stack policy (and the AWS verification that
 * runs before them).
 */
import { traceStack, type GuardedResourceTrace, type StackResource } from "../facts/key-tracing";
import type { PackState } from "../settings/pack-state";

/**
 * @pulumi/policy hands every stack policy its own copy of the stack's resources, but their property
 * objects are the same ones (shared-deserialization.ts): one AnalyzeStack's key traces are computed
 * by the first stack policy and reused by the others, instead of once per policy.
 */
let lastTraces:
  | {
      readonly resources: readonly StackResource[];
      readonly stackConfig: PackState["stackConfig"];
      readonly traces: GuardedResourceTrace[];
    }
  | undefined;

export function sharedTraces(resources: readonly StackResource[], state: PackState): GuardedResourceTrace[] {
  if (
    lastTraces !== undefined &&
    lastTraces.stackConfig === state.stackConfig &&
    sameStack(lastTraces.resources, resources)
  )
    return lastTraces.traces;
  const traces = traceStack(resources, state.stackConfig, state.environmentRegion);
  lastTraces = { resources, stackConfig: state.stackConfig, traces };
  return traces;
}

/** The same resources with the very same property objects: copies of one AnalyzeStack request. */
function sameStack(a: readonly StackResource[], b: readonly StackResource[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x === y) continue;
    if (x.props !== y.props || x.urn !== y.urn || x.providerProps !== y.providerProps) return false;
    if (Object.keys(x.propertyDependencies).length !== Object.keys(y.propertyDependencies).length)
      return false;
  }
  return true;
}
