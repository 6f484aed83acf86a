import { compliant, nonCompliant, undetermined, type Rule } from "./rule";
import { KEY_FITNESS_WHY, type KeyFitnessInput, type KeyRuleScope } from "./key-fitness-input";
import { UNKNOWN } from "../facts/values";
import { ON_PRIMARY } from "../catalog/kms-types";

/**
 * Keys KMS cannot rotate (imported key material, custom key stores) must be rotated by hand.
 * Advisory: nothing in the stack can prove a manual rotation schedule.
 */
export function keyManualRotation(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-manual-rotation`,
    title: `${scope.subject} that KMS cannot rotate must be rotated manually`,
    rationale: `${KEY_FITNESS_WHY} KMS never rotates imported key material or keys in a custom key store automatically; without a manual rotation schedule the same key material protects the data forever.`,
    fix: "Rotate manually: create a new key (with new key material), move the resources to it and retire the old key. A Bedrock Studio workspace cannot change its key in place, so rotating means re-creating the workspace; prefer a KMS-generated key with automatic rotation where you can.",
    severity: "low",
    defaultLevel: "advisory",
    evaluate(input) {
      const origin = input.facts.origin;
      if (origin === UNKNOWN)
        return undetermined(
          "whether the key material is imported (or in a custom key store) is not known yet.",
        );
      if (origin === ON_PRIMARY)
        return undetermined(
          "this replica's key material is its multi-Region primary key's, which is judged on its own (or is not in this stack).",
        );
      if (origin === "aws-kms") return compliant;
      return nonCompliant(
        origin === "external"
          ? "the key uses imported key material, which KMS never rotates automatically: rotation must be manual."
          : "the key lives in a custom key store, where KMS cannot rotate it automatically: rotation must be manual.",
      );
    },
  };
}
