/**
 * Resource-level KMS hygiene: the key fitness rules on every KMS key (and standalone key policy)
 * of the stack on its own, so that an unfit key is visible before any Bedrock resource uses it.
 * Advisory by default. A replica's shared properties are judged through its primary (stack policies).
 * At Pulumi's `remediate` level, the rules with a safe fix (rotation on, a longer deletion window,
 * the lockout check back) rewrite the key's inputs before the engine creates or updates it.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { exemptionFor } from "../settings/exemptions";
import {
  keyPolicyFacts,
  kmsKeyPolicyType,
  kmsKeyType,
  ON_PRIMARY,
  type KeyFacts,
} from "../catalog/kms-types";
import type { Rule } from "../rules/rule";
import {
  DEFAULT_LIMITS,
  ownProperty,
  type KeyFitnessInput,
  type KeyFitnessLimits,
  type KeyRemediation,
} from "../rules/key-fitness-input";
import { evaluateSafely } from "../judging/outcome";
import type { PackState } from "../settings/pack-state";
import { policyMetadata } from "./policy-metadata";
import { rawProps } from "./props";
import type { GuardPolicy } from "./stack-policies";
import {
  reportFindings,
  resourceRef,
  resourceVerdict,
  type ResourceSubject,
  type ResourceVerdict,
} from "./stack-findings";
import { guardSettings } from "../settings/guard-settings";
import { overTemplates } from "./template-policies";

/** A standalone key policy contributes only its document and lockout flag; nothing else is its to judge. */
const KEY_POLICY_ONLY: Omit<KeyFacts, "policy" | "bypassLockout"> = {
  usage: undefined,
  spec: undefined,
  enabled: undefined,
  rotationEnabled: undefined,
  rotationPeriodDays: undefined,
  deletionWindowDays: undefined,
  tags: { kind: "map", tags: {}, complete: true },
  multiRegion: undefined,
  origin: ON_PRIMARY,
  primaryKeyArn: undefined,
  arn: undefined,
  keyId: undefined,
};

/**
 * `judgesKeyPolicies`: whether the rule also reads `aws:kms/keyPolicy:KeyPolicy` resources (the
 * key policy and lockout rules do; the others only concern keys).
 */
export function kmsHygienePolicy(
  rule: Rule<KeyFitnessInput>,
  state: PackState,
  judgesKeyPolicies: boolean,
  limits: () => KeyFitnessLimits = () => DEFAULT_LIMITS,
  remediation?: KeyRemediation,
): GuardPolicy<ResourceValidationPolicy> {
  const judged = (subject: ResourceSubject): { input: KeyFitnessInput; displayName: string } | undefined => {
    const keyType = kmsKeyType(subject.type);
    if (keyType !== undefined) {
      return {
        input: { facts: keyType.normalise(subject.props), keyType, limits: limits() },
        displayName: keyType.displayName,
      };
    }
    const keyPolicyType = judgesKeyPolicies ? kmsKeyPolicyType(subject.type) : undefined;
    if (keyPolicyType === undefined) return undefined;
    const facts = { ...KEY_POLICY_ONLY, ...keyPolicyFacts(keyPolicyType, subject.props) };
    const factProperties = {
      policy: keyPolicyType.policyProperty,
      bypassLockout: keyPolicyType.bypassLockoutProperty,
    };
    return {
      input: { facts, keyType: { role: "key", factProperties }, limits: limits() },
      displayName: keyPolicyType.displayName,
    };
  };
  // A KMS key declared in a CloudFormation template is judged on its host stack resource.
  const evaluate = overTemplates(state, (subject: ResourceSubject): ResourceVerdict => {
    const subjectInput = judged(subject);
    if (subjectInput === undefined) return { findings: [] };
    return resourceVerdict(rule, subjectInput.displayName, subject, evaluateSafely(rule, subjectInput.input));
  });
  const subjectOf = (args: ResourceValidationArgs): ResourceSubject => ({
    type: args.type,
    name: args.name,
    urn: args.urn,
    props: rawProps(args.props),
  });
  const policy: ResourceValidationPolicy = {
    ...policyMetadata(rule),
    validateResource: (args, reportViolation) => {
      const verdict = evaluate(subjectOf(args));
      reportFindings(rule.id, verdict.findings, guardSettings(state).exemptions, (message) =>
        reportViolation(message),
      );
      if (verdict.skipped !== undefined && verdict.findings.length === 0) args.notApplicable(verdict.skipped);
    },
  };
  if (remediation?.kind === "automatic") {
    policy.remediateResource = (args) => {
      const subject = subjectOf(args);
      const subjectInput = judged(subject);
      if (subjectInput === undefined) return undefined;
      const changes = safeChanges(rule, remediation, subjectInput.input);
      const exempted =
        exemptionFor(guardSettings(state).exemptions, rule.id, [resourceRef(subject)], Date.now()).kind ===
        "active";
      if (changes.length === 0 || exempted) return undefined;
      // Written through @pulumi/policy's proxies, which keep secret values secret.
      const props = args.props as Record<string, unknown>;
      for (const change of changes) props[change.property] = change.value;
      return props;
    };
  }
  return { policy, evaluator: { resource: evaluate } };
}

/** The properties to change on a key the rule finds non-compliant (none when it is not). */
function safeChanges(
  rule: Rule<KeyFitnessInput>,
  remediation: Extract<KeyRemediation, { kind: "automatic" }>,
  input: KeyFitnessInput,
): { property: string; value: boolean | number }[] {
  if (evaluateSafely(rule, input).kind !== "non-compliant") return [];
  return remediation.fixes(input).flatMap((fix) => {
    const property = ownProperty(input, fix.fact);
    return property === undefined ? [] : [{ property, value: fix.value }];
  });
}
