import { compliant, nonCompliant, undetermined, type Rule } from "./rule";
import {
  booleanFact,
  KEY_FITNESS_WHY,
  pendingReason,
  propertyOf,
  type KeyFitnessInput,
  type KeyRuleScope,
} from "./key-fitness-input";

/** A disabled key cannot encrypt or decrypt: the resource's data becomes unreadable. */
export function keyEnabled(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-enabled`,
    title: `${scope.subject} must be enabled`,
    rationale: `${KEY_FITNESS_WHY} A disabled key cannot encrypt or decrypt: the resource fails to create, or its data becomes unreadable until the key is enabled again.`,
    fix: "Enable the key: remove the enabled flag (keys are enabled by default) or set it to true. An imported-material key (aws.kms.ExternalKey) also needs its key material.",
    severity: "high",
    defaultLevel: scope.defaultLevel,
    evaluate(input) {
      const enabled = booleanFact(input.facts.enabled);
      const property = propertyOf(input, "enabled");
      switch (enabled.state) {
        case "known":
          return enabled.value
            ? compliant
            : nonCompliant(
                `the key is disabled (${property} is false, or no key material is imported).`,
                `Set ${property} to true (or remove it: keys are enabled by default).`,
              );
        case "wrong-type":
          return nonCompliant(`${property} is not a boolean.`, `Set ${property} to true.`);
        case "absent":
          return undetermined("nothing states whether the key is enabled.");
        default:
          return undetermined(pendingReason(input, "enabled", enabled.state));
      }
    },
  };
}
