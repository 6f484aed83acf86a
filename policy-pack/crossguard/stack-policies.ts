/**
 * CrossGuard stack policies that judge the key behind every guarded resource, found by key
 * tracing: at preview through property dependencies, later by ARN or key id. One policy per rule,
 * so that each keeps its own enforcement level and settings in the standard pack config (see the
 * README, "Cost of the stack policies", for why that is affordable).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { keyPolicyFacts, kmsKeyPolicyType, kmsKeyType } from "../kms-catalog";
import { traceStack, type GuardedResourceTrace, type StackResource, type TracedKey } from "../key-tracing";
import { violationMessage } from "../messages";
import type { Rule, RuleMetadata } from "../rule";
import { cmkKeyVerifiable } from "../rules/key-outside-stack";
import { DEFAULT_LIMITS, type KeyFitnessInput, type KeyFitnessLimits } from "../rules/key-fitness-input";
import { keyApplicability } from "../rules/cmk-applicability";
import { readPath } from "../values";
import { evaluateSafely } from "./outcome";
import type { PackState } from "./pack-state";
import { policyMetadata } from "./policy-metadata";
import {
  pendingNote,
  reportFindings,
  resourceRef,
  stackResource,
  type Finding,
  type PolicyEvaluator,
  type StackVerdict,
} from "./stack-findings";
import { guardSettings } from "./stack-settings";

/** A stack policy and its evaluation (which the guard-settings policy re-runs for exempted findings). */
export interface GuardPolicy<P> {
  readonly policy: P;
  readonly evaluator: PolicyEvaluator;
}

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

function sharedTraces(resources: readonly StackResource[], state: PackState): GuardedResourceTrace[] {
  if (
    lastTraces !== undefined &&
    lastTraces.stackConfig === state.stackConfig &&
    sameStack(lastTraces.resources, resources)
  )
    return lastTraces.traces;
  const traces = traceStack(resources, state.stackConfig);
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

/** The rule's metadata with the compliance mapping of the family whose resource uses the key. */
function forFamily(rule: RuleMetadata, trace: GuardedResourceTrace): RuleMetadata {
  return rule.compliance === undefined
    ? { ...rule, compliance: trace.family.compliance, risk: trace.family.risk }
    : rule;
}

function keyLabel(key: TracedKey): string {
  const names = key.keyPolicies.map((p) => `'${p.name}'`).join(", ");
  const via = names === "" ? "" : `, with key ${key.keyPolicies.length > 1 ? "policies" : "policy"} ${names}`;
  const primary = key.primary === undefined ? "" : `, replica of '${key.primary.name}'`;
  return `its KMS key '${key.key.name}' (${key.keyType.displayName}${primary}${via})`;
}

/**
 * Whether the resource's key applies at all (the catalog's conditions: e.g. only a managed
 * knowledge base has a store to encrypt): true, false, or why that is not known yet.
 */
function keyApplies(trace: GuardedResourceTrace): boolean | string {
  const applicability = keyApplicability({
    family: trace.family,
    type: trace.type,
    key: readPath(trace.resource.props, trace.type.keyProperty),
    props: trace.resource.props,
    region: undefined,
  });
  if (applicability.kind === "applies") return true;
  return applicability.kind === "unknown" ? applicability.reason : false;
}

function subjectOf(trace: GuardedResourceTrace) {
  return { displayName: trace.type.displayName, name: trace.resource.name };
}

/** A key fitness rule over the key of every guarded resource whose key is in the stack. */
export function keyFitnessStackPolicy(
  rule: Rule<KeyFitnessInput>,
  state: PackState,
  limits: () => KeyFitnessLimits = () => DEFAULT_LIMITS,
): GuardPolicy<StackValidationPolicy> {
  const evaluate = (resources: readonly StackResource[]): StackVerdict => {
    const findings: Finding[] = [];
    const pending: string[] = [];
    const current = limits();
    for (const trace of sharedTraces(resources, state)) {
      if (trace.trace.kind !== "in-stack") continue;
      const applies = keyApplies(trace);
      if (typeof applies === "string")
        pending.push(`${trace.type.displayName} '${trace.resource.name}': ${applies}`);
      if (applies !== true) continue;
      for (const key of trace.trace.keys) {
        const primaryType = key.primary === undefined ? undefined : kmsKeyType(key.primary.type);
        const input: KeyFitnessInput = {
          facts: key.facts,
          keyType: key.keyType,
          ...(primaryType === undefined ? {} : { primaryType }),
          limits: current,
          attachedPolicies: attachedPolicies(key),
          consumer: { family: trace.family, props: trace.resource.props },
        };
        const outcome = evaluateSafely(rule, input);
        if (outcome.kind === "non-compliant") {
          const about = [trace.resource, key.key, key.primary, ...key.keyPolicies]
            .filter((r) => r !== undefined)
            .map(resourceRef);
          findings.push({
            message: violationMessage(
              forFamily(rule, trace),
              subjectOf(trace),
              `${keyLabel(key)}: ${outcome.problem}`,
              outcome.fix,
            ),
            urn: trace.resource.urn,
            about,
          });
        } else if (outcome.kind === "undetermined") {
          pending.push(
            `${trace.type.displayName} '${trace.resource.name}', key '${key.key.name}': ${outcome.reason}`,
          );
        }
      }
    }
    return { findings, pending };
  };
  return { policy: stackPolicy(rule, state, evaluate), evaluator: { stack: evaluate } };
}

/** The documents of the key policy resources attached to a key, as the key fitness rules read them. */
function attachedPolicies(key: TracedKey): { name: string; policy: unknown }[] {
  return key.keyPolicies.flatMap((resource) => {
    const type = kmsKeyPolicyType(resource.type);
    return type === undefined
      ? []
      : [{ name: resource.name, policy: keyPolicyFacts(type, resource.props).policy }];
  });
}

/**
 * Keys outside the stack: trusted by config, or reported as not verifiable. That includes the
 * primary of a replica key of the stack whose primary is not in the stack: the replica shares its
 * usage, spec and rotation, which only the primary's owner can show.
 */
export function outsideKeyStackPolicy(state: PackState): GuardPolicy<StackValidationPolicy> {
  const rule = cmkKeyVerifiable;
  const evaluate = (resources: readonly StackResource[]): StackVerdict => {
    const findings: Finding[] = [];
    const { trustedKeys } = guardSettings(state);
    for (const trace of sharedTraces(resources, state)) {
      if (keyApplies(trace) !== true) continue;
      const outside =
        trace.trace.kind === "outside"
          ? [{ reference: trace.trace.reference, about: [trace.resource] }]
          : trace.trace.kind === "in-stack"
            ? trace.trace.keys.flatMap((key) =>
                key.outsidePrimary === undefined
                  ? []
                  : [
                      {
                        reference: key.outsidePrimary,
                        about: [trace.resource, key.key],
                        replica: key.key.name,
                      },
                    ],
              )
            : [];
      for (const { reference, about, ...via } of outside) {
        const outcome = evaluateSafely(rule, {
          family: trace.family,
          type: trace.type,
          reference,
          trustedKeys,
          ...("replica" in via ? { replicaOf: via.replica } : {}),
        });
        if (outcome.kind !== "non-compliant") continue;
        findings.push({
          message: violationMessage(forFamily(rule, trace), subjectOf(trace), outcome.problem, outcome.fix),
          urn: trace.resource.urn,
          about: about.map(resourceRef),
        });
      }
    }
    return { findings, pending: [] };
  };
  return { policy: stackPolicy(rule, state, evaluate), evaluator: { stack: evaluate } };
}

function stackPolicy(
  rule: RuleMetadata,
  state: PackState,
  evaluate: (resources: readonly StackResource[]) => StackVerdict,
): StackValidationPolicy {
  return {
    ...policyMetadata(rule),
    validateStack: (args, reportViolation) => {
      const verdict = evaluate(args.resources.map(stackResource));
      reportFindings(rule.id, verdict.findings, guardSettings(state).exemptions, reportViolation);
      if (verdict.pending.length > 0) args.notApplicable(pendingNote(verdict.pending));
    },
  };
}
