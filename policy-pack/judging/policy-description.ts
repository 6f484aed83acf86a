import { FAMILIES } from "../catalog/bedrock-resources";
import type { RuleMetadata } from "../rules/rule";
import { complianceTag } from "./messages";

/**
 * What the engine, Pulumi Cloud and every report show about a policy, taken from its rule: the
 * fields `@pulumi/policy` (1.18+) defines on a policy (`displayName`, `severity`,
 * `remediationSteps`, `tags`). Tags carry the framework mapping (e.g. `Bedrock-006`) and the
 * resource family the policy judges (`family:<id>`), so that Pulumi Cloud can group and filter by them.
 */
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
  const family = familyOf(rule.id);
  return {
    name: rule.id,
    displayName: rule.title,
    description: `${rule.title}.${complianceTag(rule)} ${rule.rationale}`,
    enforcementLevel: rule.defaultLevel,
    severity: rule.severity,
    remediationSteps: rule.fix,
    tags: [
      "bedrock",
      "kms",
      ...(rule.compliance === undefined ? [] : [rule.compliance]),
      ...(family === undefined ? [] : [`family:${family}`]),
    ],
  };
}

/** The family whose policies are named `<family id>-...` (the longest id wins: `agentcore-memory` over `agent`). */
function familyOf(policyName: string): string | undefined {
  return FAMILIES.map((f) => f.id)
    .filter((id) => policyName.startsWith(`${id}-`))
    .sort((a, b) => b.length - a.length)[0];
}
