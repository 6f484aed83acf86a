import type { RuleMetadata } from "../rules/rule";

/** Who the finding is about, as a person at the terminal recognises it. */
export interface Subject {
  readonly displayName: string;
  readonly name: string;
}

export function complianceTag(rule: RuleMetadata): string {
  if (rule.compliance === undefined) return "";
  return rule.risk === undefined ? ` [${rule.compliance}]` : ` [${rule.compliance}, risk ${rule.risk}]`;
}

/**
 * The one format of every violation: which resource, what is wrong, why it matters, the fix.
 * Never interpolate a property value here: secrets are indistinguishable once unwrapped.
 */
export function violationMessage(
  rule: RuleMetadata,
  subject: Subject,
  problem: string,
  fix = rule.fix,
): string {
  return `${subject.displayName} '${subject.name}': ${problem}\nWhy: ${rule.rationale}${complianceTag(rule)}\nFix: ${fix}`;
}
