import { classifyKeyReference, type KeyReference } from "../key-reference";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule, type RuleOutcome } from "../rule";
import type { ResourceFamily } from "../catalog";
import { keyPropertyName, type KeyReferenceInput } from "./key-reference-input";

const ARN_SHAPE = "arn:<partition>:kms:<region>:<account-id>:key/<key-id>";

/**
 * The key must be referenced by its full key ARN: the API (and CloudFormation's pattern for
 * AWS::DataZone::Domain.KmsKeyIdentifier) rejects aliases and bare ids, and an `alias/aws/...`
 * names an AWS-managed key, which is not customer-managed at all.
 */
export function cmkKeyForm(family: ResourceFamily): Rule<KeyReferenceInput> {
  return {
    id: `${family.id}-cmk-key-arn`,
    title: `${family.title} must reference their customer-managed key by key ARN`,
    rationale: `${family.why} Only a full key ARN is accepted; an alias or an AWS-managed key is not a customer-managed key reference.`,
    fix: `Set the key property to the key's ARN (${ARN_SHAPE}), e.g. \`key.arn\`.`,
    compliance: family.compliance,
    risk: family.risk,
    severity: "high",
    defaultLevel: "mandatory",
    evaluate(input) {
      return judge(classifyKeyReference(input.key), keyPropertyName(input));
    },
  };
}

function judge(reference: KeyReference, property: string): RuleOutcome {
  const useKeyArn = `Set \`${property}\` to the key ARN (${ARN_SHAPE}), e.g. \`${property}: key.arn\`.`;
  switch (reference.form) {
    case "key-arn":
      return compliant;
    case "absent":
      return notApplicable(`\`${property}\` is not set; the -cmk-required policy reports that.`);
    case "unknown":
      return undetermined(`\`${property}\` is not known until the resources it depends on exist.`);
    case "aws-managed-alias":
      return nonCompliant(
        `\`${property}\` names an AWS-managed key (an \`alias/aws/...\` alias${reference.asArn ? " ARN" : ""}), which is not a customer-managed key: you cannot control its policy, rotation or deletion.`,
        "Create a customer-managed symmetric KMS key (the sample stack's WorkspaceKey component) and " +
          useKeyArn,
      );
    case "customer-alias":
      return nonCompliant(
        `\`${property}\` is a KMS alias${reference.asArn ? " ARN" : ""}; the API accepts only a key ARN.`,
        `Use the alias's target key ARN instead (\`alias.targetKeyArn\`, or \`key.arn\`). ${useKeyArn}`,
      );
    case "key-id":
      return nonCompliant(
        `\`${property}\` is a bare key id${reference.multiRegion ? " (of a multi-region key)" : ""}; the API accepts only a full key ARN.`,
        useKeyArn,
      );
    case "wrong-type":
      return nonCompliant(
        `\`${property}\` is ${reference.actualType}, not a string holding a key ARN.`,
        useKeyArn,
      );
    case "malformed-arn":
      return nonCompliant(
        `\`${property}\` is not a well-formed KMS key ARN (partition aws, aws-cn or aws-us-gov; a region; a 12-digit account; \`key/\` and a 36-character key id).`,
        useKeyArn,
      );
    case "unrecognised":
      return nonCompliant(`\`${property}\` is neither a key ARN nor any other KMS key reference.`, useKeyArn);
  }
}
