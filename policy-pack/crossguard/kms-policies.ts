/**
 * Resource-level KMS hygiene: the key fitness rules on every KMS key (and standalone key policy)
 * of the stack on its own, so that an unfit key is visible before any Bedrock resource uses it.
 * Advisory by default. A replica's shared properties are judged through its primary (stack policies).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { keyPolicyFacts, kmsKeyPolicyType, kmsKeyType, ON_PRIMARY, type KeyFacts } from "../kms-catalog";
import type { Rule } from "../rule";
import { DEFAULT_LIMITS, type KeyFitnessInput, type KeyFitnessLimits } from "../rules/key-fitness-input";
import { evaluateSafely } from "./outcome";
import type { PackState } from "./pack-state";
import { policyMetadata } from "./policy-metadata";
import { rawProps } from "./props";
import type { GuardPolicy } from "./stack-policies";
import {
  reportFindings,
  resourceVerdict,
  type ResourceSubject,
  type ResourceVerdict,
} from "./stack-findings";
import { guardSettings } from "./stack-settings";
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
): GuardPolicy<ResourceValidationPolicy> {
  // A KMS key declared in a CloudFormation template is judged on its host stack resource.
  const evaluate = overTemplates(state, (subject: ResourceSubject): ResourceVerdict => {
    const keyType = kmsKeyType(subject.type);
    const keyPolicyType = judgesKeyPolicies ? kmsKeyPolicyType(subject.type) : undefined;
    let input: KeyFitnessInput;
    let displayName: string;
    if (keyType !== undefined) {
      input = { facts: keyType.normalise(subject.props), keyType, limits: limits() };
      displayName = keyType.displayName;
    } else if (keyPolicyType !== undefined) {
      const facts = { ...KEY_POLICY_ONLY, ...keyPolicyFacts(keyPolicyType, subject.props) };
      const factProperties = {
        policy: keyPolicyType.policyProperty,
        bypassLockout: keyPolicyType.bypassLockoutProperty,
      };
      input = { facts, keyType: { role: "key", factProperties }, limits: limits() };
      displayName = keyPolicyType.displayName;
    } else {
      return { findings: [] };
    }
    return resourceVerdict(rule, displayName, subject, evaluateSafely(rule, input));
  });
  const policy: ResourceValidationPolicy = {
    ...policyMetadata(rule),
    validateResource: (args, reportViolation) => {
      const verdict = evaluate({
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: rawProps(args.props),
      });
      reportFindings(rule.id, verdict.findings, guardSettings(state).exemptions, (message) =>
        reportViolation(message),
      );
      if (verdict.skipped !== undefined && verdict.findings.length === 0) args.notApplicable(verdict.skipped);
    },
  };
  return { policy, evaluator: { resource: evaluate } };
}
