/**
 * The contract every rule follows (cdk-nag style): a pure function from plain, normalised
 * properties to one outcome. No Pulumi types here, so every front end (the CrossGuard pack,
 * the offline checker, tests) can run the same rules.
 */

import type { ComplianceId, EnforcementLevel } from "../catalog/compliance";

export type RuleOutcome =
  | { readonly kind: "compliant" }
  /** `fix` overrides the rule's general fix when the problem calls for a more precise one. */
  | { readonly kind: "non-compliant"; readonly problem: string; readonly fix?: string }
  /** The rule does not concern this input (e.g. no key set: another rule reports that). */
  | { readonly kind: "not-applicable"; readonly reason: string }
  /** The value the rule needs is not known yet (unknown during preview). */
  | { readonly kind: "undetermined"; readonly reason: string };

export const compliant: RuleOutcome = { kind: "compliant" };
export const nonCompliant = (problem: string, fix?: string): RuleOutcome =>
  fix === undefined ? { kind: "non-compliant", problem } : { kind: "non-compliant", problem, fix };
export const notApplicable = (reason: string): RuleOutcome => ({ kind: "not-applicable", reason });
export const undetermined = (reason: string): RuleOutcome => ({ kind: "undetermined", reason });

export interface RuleMetadata {
  /** Stable id, also the CrossGuard policy name and the key of its pack config. */
  readonly id: string;
  readonly title: string;
  /** Why the rule exists: shown in policy descriptions and appended to every violation. */
  readonly rationale: string;
  /** The exact remediation, shown with every violation. */
  readonly fix: string;
  readonly compliance?: ComplianceId;
  /** The compliance mapping's risk level, as the catalogue states it. */
  readonly risk?: "High" | "Medium" | "Low";
  readonly severity: "low" | "medium" | "high" | "critical";
  readonly defaultLevel: EnforcementLevel;
}

export interface Rule<Input> extends RuleMetadata {
  evaluate(input: Input): RuleOutcome;
}
