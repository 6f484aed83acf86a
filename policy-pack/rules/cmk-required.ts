import { classifyKeyReference } from "../facts/key-reference";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule } from "./rule";
import type { ResourceFamily } from "../catalog/bedrock-resources";
import { keyApplicability } from "./cmk-applicability";
import { familyRuleMetadata, setKeyFix } from "./cmk-common";
import { keyPropertyName, type KeyReferenceInput } from "./key-reference-input";

/**
 * The resource must name a customer-managed KMS key at all: absent, empty or blank means a key the
 * customer does not control (AWS-owned or AWS-managed, depending on the service), and a key-type
 * switch set to anything but the customer-managed value means the same.
 */
export function cmkRequired(family: ResourceFamily): Rule<KeyReferenceInput> {
  return {
    id: `${family.id}-cmk-required`,
    title: `${family.title} must be encrypted with a customer-managed KMS key`,
    rationale: family.why,
    fix:
      "Set the resource's key property (docs/catalog.md) to a customer-managed symmetric KMS key, " +
      "e.g. `key.arn` of an aws.kms.Key.",
    ...familyRuleMetadata(family),
    evaluate(input) {
      const applicability = keyApplicability(input);
      switch (applicability.kind) {
        case "not-applicable":
          return notApplicable(`Not applicable: ${applicability.reason}`);
        case "unknown":
          return undetermined(applicability.reason);
        case "service-managed":
          return nonCompliant(
            `\`${applicability.property}\` is not \`${applicability.customerManaged}\`, so the data is encrypted with a service-managed key you do not control.`,
            `Set \`${applicability.property}: "${applicability.customerManaged}"\` and ${lowerFirst(setKeyFix(input))}`,
          );
        case "applies":
          break;
      }
      if (classifyKeyReference(input.key).form !== "absent") return compliant;
      return nonCompliant(
        `\`${keyPropertyName(input)}\` is not set (or is empty), so the data is encrypted with a key you do not control.`,
        setKeyFix(input),
      );
    },
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
