import type { Policy } from "@pulumi/policy";
import { complianceTag } from "../judging/messages";
import type { RuleMetadata } from "../rules/rule";

/** What the engine and Pulumi Cloud show about a policy, taken from its rule. */
export function policyMetadata(rule: RuleMetadata): Policy {
  return {
    name: rule.id,
    displayName: rule.title,
    description: `${rule.title}.${complianceTag(rule)} ${rule.rationale}`,
    enforcementLevel: rule.defaultLevel,
    severity: rule.severity,
    remediationSteps: rule.fix,
    tags: ["bedrock", "kms", ...(rule.compliance === undefined ? [] : [rule.compliance])],
  };
}
