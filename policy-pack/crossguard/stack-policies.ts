/**
 * CrossGuard stack policies that judge the key behind every guarded resource, found by key
 * tracing: at preview through property dependencies, later by ARN or key id. One policy per rule,
 * so that each keeps its own enforcement level and settings in the standard pack config (see the
 * docs/speed.md for why that is affordable).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { failureText, KMS_API_KEY_SOURCE } from "../aws/kms-facts";
import { keyPolicyFacts, kmsKeyPolicyType, kmsKeyType } from "../catalog/kms-types";
import type { GuardedResourceTrace, StackResource, TracedKey } from "../facts/key-tracing";
import { violationMessage } from "../judging/messages";
import type { Rule, RuleMetadata, RuleOutcome } from "../rules/rule";
import { cmkKeyCustomerManaged } from "../rules/cmk-key-customer-managed";
import { cmkKeyVerifiable, type OutsideKeyVerification } from "../rules/cmk-key-verifiable";
import { DEFAULT_LIMITS, type KeyFitnessInput, type KeyFitnessLimits } from "../rules/key-fitness-input";
import { keyApplicability } from "../rules/cmk-applicability";
import { readPath } from "../facts/values";
import { blueprintConfigurationsOf } from "../catalog/workspace-blueprints";
import { consumerRolesOf } from "../facts/role-policies";

/** Properties of guarded resources that name the IAM roles using their key (DataZone domains). */
const CONSUMER_ROLE_PROPERTIES = ["domainExecutionRole", "serviceRole"];
import { evaluateSafely } from "../judging/outcome";
import {
  isOutside,
  type OutsideKeyStatus,
  type OutsideKeyVerifier,
  type OutsideTrace,
} from "../judging/outside-keys";
import type { PackState } from "../settings/pack-state";
import { sharedTraces } from "./stack-traces";
import { policyMetadata } from "./policy-metadata";
import {
  pendingNote,
  reportFindings,
  resourceRef,
  stackResources,
  type Finding,
  type PolicyEvaluator,
  type StackVerdict,
} from "./stack-findings";
import { guardSettings } from "../settings/guard-settings";

/** A stack policy and its evaluation (which the guard-settings policy re-runs for exempted findings). */
export interface GuardPolicy<P> {
  readonly policy: P;
  readonly evaluator: PolicyEvaluator;
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

/** What a key outside the stack is called in findings (never its reference: it may be a secret). */
const OUTSIDE_KEY_LABEL = "its KMS key outside this stack (as AWS KMS reports it)";

/** Why a policy could not judge a key outside the stack (its cmk-key-verifiable finding says more). */
function unverifiedNote(trace: OutsideTrace): string {
  return `${trace.type.displayName} '${trace.resource.name}': its key outside this stack could not be read from AWS KMS (see cmk-key-verifiable)`;
}

/**
 * A key fitness rule over the key of every guarded resource: keys in the stack from their
 * properties, keys outside it from what AWS KMS said (when verifyKeysWithAws is on).
 */
export function keyFitnessStackPolicy(
  rule: Rule<KeyFitnessInput>,
  state: PackState,
  verifier: OutsideKeyVerifier,
  limits: () => KeyFitnessLimits = () => DEFAULT_LIMITS,
): GuardPolicy<StackValidationPolicy> {
  const evaluate = (resources: readonly StackResource[]): StackVerdict => {
    const findings: Finding[] = [];
    const pending: string[] = [];
    const current = limits();
    /** One key of one resource, wherever its facts came from. */
    const judge = (
      trace: GuardedResourceTrace,
      input: Omit<KeyFitnessInput, "limits" | "consumer">,
      key: { label: string; pendingLabel: string; about: readonly StackResource[] },
    ) => {
      const outcome = evaluateSafely(rule, {
        ...input,
        limits: current,
        consumer: {
          family: trace.family,
          props: trace.resource.props,
          blueprintConfigurations: blueprintConfigurationsOf(trace.resource, resources),
          roles: consumerRolesOf(trace.resource, CONSUMER_ROLE_PROPERTIES, resources),
        },
      });
      if (outcome.kind === "non-compliant") {
        findings.push({
          message: violationMessage(
            forFamily(rule, trace),
            subjectOf(trace),
            `${key.label}: ${outcome.problem}`,
            outcome.fix,
          ),
          urn: trace.resource.urn,
          about: [trace.resource, ...key.about].map(resourceRef),
        });
      } else if (outcome.kind === "undetermined") {
        pending.push(
          `${trace.type.displayName} '${trace.resource.name}', ${key.pendingLabel}: ${outcome.reason}`,
        );
      }
    };
    for (const trace of sharedTraces(resources, state)) {
      if (isOutside(trace)) {
        if (keyApplies(trace) !== true) continue;
        const status = verifier.status(trace);
        if (status.kind === "off") continue;
        if (status.kind === "verified") {
          judge(
            trace,
            { facts: status.key.facts, keyType: KMS_API_KEY_SOURCE },
            { label: OUTSIDE_KEY_LABEL, pendingLabel: "key outside the stack", about: [] },
          );
        } else {
          pending.push(unverifiedNote(trace));
        }
        continue;
      }
      if (trace.trace.kind !== "in-stack") continue;
      const applies = keyApplies(trace);
      if (typeof applies === "string")
        pending.push(`${trace.type.displayName} '${trace.resource.name}': ${applies}`);
      if (applies !== true) continue;
      for (const key of trace.trace.keys) {
        const primaryType = key.primary === undefined ? undefined : kmsKeyType(key.primary.type);
        judge(
          trace,
          {
            facts: key.facts,
            keyType: key.keyType,
            ...(primaryType === undefined ? {} : { primaryType }),
            attachedPolicies: attachedPolicies(key),
          },
          {
            label: keyLabel(key),
            pendingLabel: `key '${key.key.name}'`,
            about: [key.key, key.primary, ...key.keyPolicies].filter((r) => r !== undefined),
          },
        );
      }
    }
    return { findings, pending };
  };
  const prepare = verifier.prepare;
  return { policy: stackPolicy(rule, state, evaluate, prepare), evaluator: { stack: evaluate, prepare } };
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

/** The rule's view of a verification (the facts themselves go to the other policies). */
function verificationOf(status: OutsideKeyStatus): OutsideKeyVerification | undefined {
  switch (status.kind) {
    case "off":
      return undefined;
    case "verified":
      return { kind: "verified" };
    case "not-asked":
      return status;
    case "failed":
      return { kind: "failed", failure: status.failure };
  }
}

/**
 * Keys outside the stack: verified with AWS KMS, trusted by config, or reported as not
 * verifiable. Missing credentials are one finding for the run (the same cause for every key).
 * That includes the primary of a replica key of the stack whose primary is not in the stack: the
 * replica shares its usage, spec and rotation, which only the primary's owner can show (it is not
 * verified with AWS KMS: judged by trustedKeys only).
 */
export function outsideKeyStackPolicy(
  state: PackState,
  verifier: OutsideKeyVerifier,
): GuardPolicy<StackValidationPolicy> {
  const rule = cmkKeyVerifiable;
  const evaluate = (resources: readonly StackResource[]): StackVerdict => {
    const findings: Finding[] = [];
    const { trustedKeys } = guardSettings(state);
    const withoutCredentials: { trace: OutsideTrace; text: string }[] = [];
    const report = (trace: GuardedResourceTrace, outcome: RuleOutcome, about: readonly StackResource[]) => {
      if (outcome.kind !== "non-compliant") return;
      findings.push({
        message: violationMessage(forFamily(rule, trace), subjectOf(trace), outcome.problem, outcome.fix),
        urn: trace.resource.urn,
        about: about.map(resourceRef),
      });
    };
    for (const trace of sharedTraces(resources, state)) {
      if (keyApplies(trace) !== true) continue;
      if (isOutside(trace)) {
        const status = verifier.status(trace);
        if (status.kind === "failed" && status.failure.kind === "no-credentials") {
          withoutCredentials.push({ trace, text: failureText(status.failure) });
          continue;
        }
        const verification = verificationOf(status);
        const input = {
          family: trace.family,
          type: trace.type,
          reference: trace.trace.reference,
          trustedKeys,
          ...(verification === undefined ? {} : { verification }),
        };
        report(trace, evaluateSafely(rule, input), [trace.resource]);
        continue;
      }
      if (trace.trace.kind !== "in-stack") continue;
      for (const key of trace.trace.keys) {
        if (key.outsidePrimary === undefined) continue;
        const input = {
          family: trace.family,
          type: trace.type,
          reference: key.outsidePrimary,
          trustedKeys,
          replicaOf: key.key.name,
        };
        report(trace, evaluateSafely(rule, input), [trace.resource, key.key]);
      }
    }
    if (withoutCredentials.length > 0) {
      const names = withoutCredentials.map(({ trace }) => `'${trace.resource.name}'`);
      const listed =
        names.length > PENDING_NAMES
          ? `${names.slice(0, PENDING_NAMES).join(", ")} and ${names.length - PENDING_NAMES} more`
          : names.join(", ");
      findings.push({
        message: violationMessage(
          rule,
          { displayName: "Keys outside this stack", name: "AWS KMS verification" },
          `none of the keys outside this stack could be verified, ${withoutCredentials[0].text} Not verified: the keys of ${listed}.`,
          "Run the preview with AWS credentials allowed kms:DescribeKey, kms:GetKeyRotationStatus, kms:GetKeyPolicy and kms:ListResourceTags on these keys, or turn guard-settings.verifyKeysWithAws off.",
        ),
        // One finding for the run, on the stack rather than on each resource.
        urn: "",
        about: [],
      });
    }
    return { findings, pending: [] };
  };
  const prepare = verifier.prepare;
  return { policy: stackPolicy(rule, state, evaluate, prepare), evaluator: { stack: evaluate, prepare } };
}

/** Resources named in a run-wide finding before "and N more". */
const PENDING_NAMES = 5;

/** `cmk-key-customer-managed`: what AWS KMS says about who manages each key outside the stack. */
export function customerManagedStackPolicy(
  state: PackState,
  verifier: OutsideKeyVerifier,
): GuardPolicy<StackValidationPolicy> {
  const rule = cmkKeyCustomerManaged;
  const evaluate = (resources: readonly StackResource[]): StackVerdict => {
    const findings: Finding[] = [];
    const pending: string[] = [];
    for (const trace of sharedTraces(resources, state)) {
      // A stack can only create customer-managed keys: only keys outside it are in question.
      if (!isOutside(trace) || keyApplies(trace) !== true) continue;
      const status = verifier.status(trace);
      if (status.kind === "off") {
        pending.push(
          `${trace.type.displayName} '${trace.resource.name}': its key is outside this stack and guard-settings.verifyKeysWithAws is off (see cmk-key-verifiable)`,
        );
        continue;
      }
      // DescribeKey alone answers this policy, even when a later call failed.
      const description =
        status.kind === "verified"
          ? status.key.description
          : status.kind === "failed"
            ? status.described
            : undefined;
      if (description === undefined) {
        pending.push(unverifiedNote(trace));
        continue;
      }
      const outcome = evaluateSafely(rule, { keyManager: description.keyManager });
      if (outcome.kind !== "non-compliant") continue;
      findings.push({
        message: violationMessage(
          forFamily(rule, trace),
          subjectOf(trace),
          `${OUTSIDE_KEY_LABEL}: ${outcome.problem}`,
          outcome.fix,
        ),
        urn: trace.resource.urn,
        about: [resourceRef(trace.resource)],
      });
    }
    return { findings, pending };
  };
  const prepare = verifier.prepare;
  return { policy: stackPolicy(rule, state, evaluate, prepare), evaluator: { stack: evaluate, prepare } };
}

function stackPolicy(
  rule: RuleMetadata,
  state: PackState,
  evaluate: (resources: readonly StackResource[]) => StackVerdict,
  prepare: (resources: readonly StackResource[]) => Promise<void>,
): StackValidationPolicy {
  return {
    ...policyMetadata(rule),
    // Async: @pulumi/policy awaits the promise validateStack returns (server.js, AnalyzeStack).
    validateStack: async (args, reportViolation) => {
      const resources = stackResources(args.resources);
      await prepare(resources);
      const verdict = evaluate(resources);
      reportFindings(rule.id, verdict.findings, guardSettings(state).exemptions, reportViolation);
      if (verdict.pending.length > 0) args.notApplicable(pendingNote(verdict.pending));
    },
  };
}
