import { compliant, nonCompliant, undetermined, type Rule } from "./rule";
import {
  booleanFact,
  KEY_FITNESS_WHY,
  pendingReason,
  propertyOf,
  type KeyFactFix,
  type KeyFitnessInput,
  type KeyRuleScope,
} from "./key-fitness-input";

/** Bypassing the lockout safety check can leave a key that nobody can manage. */
export function keyLockoutCheck(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-lockout-check`,
    title: `${scope.subject} must keep the key policy lockout safety check`,
    rationale: `${KEY_FITNESS_WHY} With bypassPolicyLockoutSafetyCheck, KMS accepts a key policy that locks every administrator out: the key can then never be managed, rotated or scheduled for deletion again.`,
    fix: "Remove `bypassPolicyLockoutSafetyCheck` (it defaults to false) from the key and from any aws.kms.KeyPolicy attached to it, and give the account root administration of the key in its policy.",
    severity: "high",
    defaultLevel: scope.defaultLevel,
    evaluate(input) {
      const bypass = booleanFact(input.facts.bypassLockout);
      const property = propertyOf(input, "bypassLockout");
      switch (bypass.state) {
        case "known":
          return bypass.value
            ? nonCompliant(`${property} is true on the key or on the key policy attached to it.`)
            : compliant;
        case "absent":
          return compliant;
        case "wrong-type":
          return nonCompliant(`${property} is not a boolean.`);
        default:
          return undetermined(pendingReason(input, "bypassLockout", bypass.state));
      }
    },
  };
}

/**
 * The check back on: KMS then refuses a key policy that would lock the caller out (the update
 * fails) instead of applying it, so a key can only become safer.
 */
export function lockoutFixes(input: KeyFitnessInput): KeyFactFix[] {
  const bypass = booleanFact(input.facts.bypassLockout);
  return bypass.state === "known" && bypass.value ? [{ fact: "bypassLockout", value: false }] : [];
}
