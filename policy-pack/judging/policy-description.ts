import type { RuleMetadata } from "../rules/rule";
import { complianceTag } from "./messages";

/** What the engine, Pulumi Cloud and every report show about a policy, taken from its rule. */
export interface PolicyDescription {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly enforcementLevel: RuleMetadata["defaultLevel"];
  readonly severity: RuleMetadata["severity"];
  readonly remediationSteps: string;
  readonly tags: string[];
}

export function policyDescription(rule: RuleMetadata): PolicyDescription {
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
