/**
 * The judging layer's verdicts, computed once per engine request and shared by every policy of
 * the pack. AnalyzeStack: the engine gate judges the request's resources once and every stack
 * policy reports its share (engine-gate.ts). Analyze: @pulumi/policy calls each policy on its own,
 * with the same property objects (policy-internals.ts, shareDeserializedProperties), so the first
 * policy judges the resource and the others read their share. A stack policy called by
 * @pulumi/policy itself (the gate not installed) judges its resources here too, once per request.
 */
import type { PolicyResource } from "@pulumi/policy";
import { withTemplateResources } from "../facts/cloudformation/template-resources";
import type { StackResource } from "../facts/key-tracing";
import type { IndexedJudgment } from "../judging/judgment";
import type { OutsideKeyVerifier } from "../judging/outside-keys";
import { judgeResource, type ResourceSubject } from "../judging/resource";
import { judgeStack, traceResources } from "../judging/stack";
import type { PackState } from "../settings/pack-state";
import { rawProps } from "./props";

/** The configuration a judgment was made under: a Configure or ConfigureStack call changes it. */
function configurationOf(state: PackState): readonly unknown[] {
  return [state.settings, state.levels, state.mode, state.stackConfig];
}

function sameConfiguration(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.every((value, i) => value === b[i]);
}

export interface PackJudgments {
  /** Every resource-level verdict on the resource an Analyze call (or a stack policy) shows. */
  resource(subject: ResourceSubject): IndexedJudgment;
  /** Every stack-level verdict on an AnalyzeStack request (keys outside the stack read first). */
  stack(resources: readonly StackResource[]): Promise<IndexedJudgment>;
  /** The same, from the resources @pulumi/policy hands a stack policy. */
  policyStack(resources: readonly PolicyResource[]): Promise<IndexedJudgment>;
}

export function packJudgments(state: PackState, verifier: OutsideKeyVerifier): PackJudgments {
  const byProps = new WeakMap<
    object,
    { subject: ResourceSubject; configuration: readonly unknown[]; judgment: IndexedJudgment }
  >();
  let lastStack:
    | { resources: readonly StackResource[]; configuration: readonly unknown[]; judgment: IndexedJudgment }
    | undefined;
  return {
    resource(subject) {
      const configuration = configurationOf(state);
      const props = subject.props;
      const known = typeof props === "object" && props !== null ? byProps.get(props) : undefined;
      if (
        known !== undefined &&
        known.subject.urn === subject.urn &&
        known.subject.providerProps === subject.providerProps &&
        sameConfiguration(known.configuration, configuration)
      )
        return known.judgment;
      const judgment = judgeResource(subject, state);
      if (typeof props === "object" && props !== null)
        byProps.set(props, { subject, configuration, judgment });
      return judgment;
    },
    policyStack(policyResources) {
      return this.stack(policyResources.map(stackResource));
    },
    async stack(resources) {
      const configuration = configurationOf(state);
      if (
        lastStack !== undefined &&
        sameConfiguration(lastStack.configuration, configuration) &&
        sameStack(lastStack.resources, resources)
      )
        return lastStack.judgment;
      const traced = traceResources(withTemplateResources(resources, state), state);
      await verifier.prepare(traced.traces);
      const judgment = judgeStack(traced, state, verifier);
      lastStack = { resources, configuration, judgment };
      return judgment;
    },
  };
}

/** The plain form of a resource as @pulumi/policy hands it to stack policies. */
function stackResource(resource: PolicyResource): StackResource {
  const propertyDependencies: Record<string, string[]> = {};
  for (const [property, sources] of Object.entries(resource.propertyDependencies ?? {})) {
    propertyDependencies[property] = sources.map((s) => s.urn);
  }
  const providerProps = resource.provider === undefined ? undefined : rawProps(resource.provider.props);
  return {
    type: resource.type,
    urn: resource.urn,
    name: resource.name,
    props: rawProps(resource.props),
    propertyDependencies,
    ...(providerProps === undefined ? {} : { providerProps }),
  };
}

/** The same resources with the very same property objects: copies of one AnalyzeStack request. */
function sameStack(a: readonly StackResource[], b: readonly StackResource[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x.props !== y.props || x.urn !== y.urn || x.providerProps !== y.providerProps) return false;
    if (Object.keys(x.propertyDependencies).length !== Object.keys(y.propertyDependencies).length)
      return false;
  }
  return true;
}
