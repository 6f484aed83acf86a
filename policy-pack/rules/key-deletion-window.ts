import { compliant, nonCompliant, notApplicable, undetermined, type Rule } from "./rule";
import {
  KEY_FITNESS_WHY,
  numberFact,
  pendingReason,
  propertyOf,
  type KeyFactFix,
  type KeyFitnessInput,
  type KeyRuleScope,
} from "./key-fitness-input";

/** A long deletion window leaves time to cancel a mistaken or malicious key deletion. */
export function keyDeletionWindow(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-deletion-window`,
    title: `${scope.subject} must keep a deletion waiting period of at least the configured minimum`,
    rationale: `${KEY_FITNESS_WHY} Deleting a key makes every byte it encrypted unreadable forever; the waiting period is the only time in which a deletion can be cancelled.`,
    fix: "Set the deletion waiting period (`deletionWindowInDays`, aws-native `pendingWindowInDays`) to at least the configured minimum, or leave it unset (KMS defaults to 30 days).",
    severity: "medium",
    defaultLevel: scope.defaultLevel,
    evaluate(input) {
      const min = input.limits.minDeletionWindowDays;
      const property = propertyOf(input, "deletionWindowDays");
      const window = numberFact(input.facts.deletionWindowDays);
      switch (window.state) {
        case "known":
          return window.value >= min
            ? compliant
            : nonCompliant(
                `the deletion waiting period (${property}) is shorter than the configured minimum of ${min} days.`,
                `Set ${property} to at least ${min} (KMS accepts 7-30), or remove it (the default is 30).`,
              );
        case "wrong-type":
          return nonCompliant(
            `${property} is not a number of days.`,
            `Set ${property} to at least ${min}, or remove it.`,
          );
        case "absent":
          return input.keyType.deletionWindowWhenScheduled
            ? notApplicable(
                "no deletion is scheduled for this key: its waiting period is chosen when one is.",
              )
            : undetermined("nothing states the deletion waiting period.");
        default:
          return undetermined(pendingReason(input, "deletionWindowDays", window.state));
      }
    },
  };
}

/** A longer waiting period only gives more time to cancel a deletion. */
export function deletionWindowFixes(input: KeyFitnessInput): KeyFactFix[] {
  const window = numberFact(input.facts.deletionWindowDays);
  const min = input.limits.minDeletionWindowDays;
  return window.state === "known" && window.value < min ? [{ fact: "deletionWindowDays", value: min }] : [];
}
