import { classifyKeyReference } from "../key-reference";
import { compliant, nonCompliant, type Rule } from "../rule";
import type { ResourceFamily } from "../catalog";
import { keyPropertyName, type KeyReferenceInput } from "./key-reference-input";

/** The resource must name a KMS key at all: absent, empty or blank means an AWS-owned key. */
export function cmkRequired(family: ResourceFamily): Rule<KeyReferenceInput> {
  return {
    id: `${family.id}-cmk-required`,
    title: `${family.title} must be encrypted with a customer-managed KMS key`,
    rationale: family.why,
    fix:
      "Set the key property to the ARN of a customer-managed symmetric KMS key, e.g. `kmsKeyIdentifier: key.arn` " +
      "with the sample stack's WorkspaceKey component. The key cannot be added in place: Pulumi replaces the " +
      "resource (see README, 'Re-creating a workspace with a CMK').",
    compliance: family.compliance,
    risk: family.risk,
    severity: "high",
    defaultLevel: "mandatory",
    evaluate(input) {
      const reference = classifyKeyReference(input.key);
      if (reference.form !== "absent") return compliant;
      const property = keyPropertyName(input);
      return nonCompliant(
        `\`${property}\` is not set (or is empty), so the data is encrypted with an AWS-owned key.`,
        `Set \`${property}\` to the ARN of a customer-managed symmetric KMS key (e.g. \`${property}: key.arn\` ` +
          "with the sample stack's WorkspaceKey component). The key cannot be added in place: Pulumi replaces " +
          "the resource (see README, 'Re-creating a workspace with a CMK').",
      );
    },
  };
}
