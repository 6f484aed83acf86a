import { compliant, nonCompliant, undetermined, type Rule } from "./rule";
import {
  KEY_FITNESS_WHY,
  pendingReason,
  propertyOf,
  stringFact,
  type KeyFitnessInput,
  type KeyRuleScope,
} from "./key-fitness-input";

/** Bedrock (Studio, and the other Bedrock data stores) encrypts only with symmetric encryption keys. */
export function keySymmetric(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-symmetric`,
    title: `${scope.subject} must be symmetric encryption keys`,
    rationale: `${KEY_FITNESS_WHY} Bedrock supports only symmetric encryption keys (key usage ENCRYPT_DECRYPT, key spec SYMMETRIC_DEFAULT); with any other key the resource cannot be created or its data cannot be read.`,
    fix: "Use a symmetric encryption key: omit the key usage and key spec (the defaults are ENCRYPT_DECRYPT and SYMMETRIC_DEFAULT) or set them to those values. KMS cannot change them on an existing key: create a new key (the sample stack's WorkspaceKey component) and point the resource at it.",
    severity: "high",
    defaultLevel: scope.defaultLevel,
    evaluate(input) {
      const checks = [
        { name: "usage", expected: "ENCRYPT_DECRYPT", fact: stringFact(input.facts.usage) },
        { name: "spec", expected: "SYMMETRIC_DEFAULT", fact: stringFact(input.facts.spec) },
      ] as const;
      for (const { name, expected, fact } of checks) {
        const property = propertyOf(input, name);
        if (fact.state === "wrong-type")
          return nonCompliant(`${property} is not a string naming a key ${name}.`);
        if (fact.state === "known" && fact.value !== expected) {
          return nonCompliant(`${property} is not ${expected}: the key is not a symmetric encryption key.`);
        }
      }
      for (const { name, fact } of checks) {
        if (fact.state === "unknown" || fact.state === "on-primary")
          return undetermined(pendingReason(input, name, fact.state));
        if (fact.state === "absent") return undetermined(`nothing states the key's ${name}.`);
      }
      return compliant;
    },
  };
}
