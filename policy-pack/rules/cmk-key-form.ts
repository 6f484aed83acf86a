import { classifyKeyReference, type KeyReference } from "../facts/key-reference";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule, type RuleOutcome } from "./rule";
import type { ResourceFamily } from "../catalog/bedrock-resources";
import {
  describeKeyForms,
  familyRuleMetadata,
  onlyKeyArns,
  replacementNote,
  setKeyFix,
  skipUnlessKeyApplies,
} from "./cmk-common";
import { keyPropertyName, type KeyReferenceInput } from "./key-reference-input";

/**
 * The key must be referenced in a form the resource's API accepts (catalog `acceptedKeyForms`,
 * sourced per type), and never as an `alias/aws/...`: that names an AWS-managed key, which is not
 * customer-managed at all. Families whose every type takes only key ARNs keep the policy name
 * `<family>-cmk-key-arn`; the others are `<family>-cmk-key-form`.
 */
export function cmkKeyForm(family: ResourceFamily): Rule<KeyReferenceInput> {
  const arnsOnly = family.types.every((t) => onlyKeyArns(t.acceptedKeyForms));
  return {
    id: `${family.id}-${arnsOnly ? "cmk-key-arn" : "cmk-key-form"}`,
    title: arnsOnly
      ? `${family.title} must reference their customer-managed key by key ARN`
      : `${family.title} must reference a customer-managed key in a form their API accepts`,
    rationale: arnsOnly
      ? `${family.why} Only a full key ARN is accepted; an alias or an AWS-managed key is not a customer-managed key reference.`
      : `${family.why} An \`alias/aws/...\` names an AWS-managed key, which is not a customer-managed key.`,
    fix: arnsOnly
      ? "Set the key property to the key's ARN, e.g. `key.arn`."
      : "Set the key property to the ARN of a customer-managed key, e.g. `key.arn`.",
    ...familyRuleMetadata(family),
    evaluate(input) {
      return skipUnlessKeyApplies(input) ?? judge(classifyKeyReference(input.key), input);
    },
  };
}

/**
 * Said when the form comes from a CloudFormation template's reference to its own key or alias, so
 * that the fix names the template's own syntax.
 */
const TEMPLATE_FORMS =
  " (in the template: CloudFormation's `Ref` of an AWS::KMS::Key is its key id and of an AWS::KMS::Alias its alias name; `!GetAtt <key>.Arn` is the key's ARN)";

function judge(reference: KeyReference, input: KeyReferenceInput): RuleOutcome {
  const property = keyPropertyName(input);
  const accepted = input.type.acceptedKeyForms;
  const needs = `the API accepts only ${describeKeyForms(accepted)}${input.keyFromTemplate ? TEMPLATE_FORMS : ""}`;
  const fix = input.keyFromTemplate
    ? `In the template, set the key property to \`!GetAtt <key>.Arn\` of the template's AWS::KMS::Key.${replacementNote(input.type, "CloudFormation")}`
    : setKeyFix(input);
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
        `Create a customer-managed symmetric KMS key and ${fix.charAt(0).toLowerCase()}${fix.slice(1)}`,
      );
    case "customer-alias":
      if (accepted.includes(reference.asArn ? "alias-arn" : "alias-name")) return compliant;
      return nonCompliant(
        `\`${property}\` is a KMS alias${reference.asArn ? " ARN" : ""}; ${needs}.`,
        input.keyFromTemplate ? fix : `Reference the alias's target key itself (\`key.arn\`). ${fix}`,
      );
    case "key-id":
      if (accepted.includes("key-id")) return compliant;
      return nonCompliant(
        `\`${property}\` is a bare key id${reference.multiRegion ? " (of a multi-region key)" : ""}; ${needs}.`,
        fix,
      );
    case "wrong-type":
      return nonCompliant(`\`${property}\` is ${reference.actualType}, not a string naming a KMS key.`, fix);
    case "malformed-arn":
      return nonCompliant(
        `\`${property}\` is not a well-formed KMS key or alias ARN (partition aws, aws-cn or aws-us-gov; a region; a 12-digit account; \`key/\` and a 36-character key id, or \`alias/\` and a name).`,
        fix,
      );
    case "unrecognised":
      return nonCompliant(`\`${property}\` is not a KMS key reference of any form; ${needs}.`, fix);
  }
}
