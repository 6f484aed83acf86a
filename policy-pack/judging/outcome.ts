import { nonCompliant, type Rule, type RuleMetadata, type RuleOutcome } from "../rules/rule";
import { violationMessage, type Subject } from "./messages";

/** What an internal error says (a rule that threw, a request the pack could not read): never the exception text. */
export const INTERNAL_ERROR = {
  problem:
    "The guard could not evaluate this resource (internal error); it is treated as a violation so that nothing unverified passes.",
  fix: "Report this to the bedrock-cmk-guard maintainers with the resource's type and the shape (not the values) of its properties.",
} as const;

/**
 * Runs a rule and never lets it throw: an unexpected error becomes a violation (fail closed)
 * whose message carries no exception text, since that text could quote a property value.
 */
export function evaluateSafely<Input>(rule: Rule<Input>, input: Input): RuleOutcome {
  try {
    return rule.evaluate(input);
  } catch {
    return nonCompliant(INTERNAL_ERROR.problem, INTERNAL_ERROR.fix);
  }
}

/** How a front end delivers what a rule decided. */
export interface OutcomeSink {
  violation(message: string): void;
  /** A rule that had nothing to judge, with the reason (shown by the engine as "not applicable"). */
  skipped(reason: string): void;
}

export function deliverOutcome(
  rule: RuleMetadata,
  subject: Subject,
  outcome: RuleOutcome,
  sink: OutcomeSink,
): void {
  switch (outcome.kind) {
    case "compliant":
      return;
    case "non-compliant":
      return sink.violation(violationMessage(rule, subject, outcome.problem, outcome.fix));
    case "not-applicable":
      return sink.skipped(outcome.reason);
    case "undetermined":
      return sink.skipped(`not determinable yet: ${outcome.reason}`);
  }
}
