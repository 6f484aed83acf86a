import type {
  AcceptedKeyForms,
  GuardedResourceType,
  KeyForm,
  ResourceFamily,
} from "../catalog/bedrock-resources";
import { notApplicable, undetermined, type RuleMetadata, type RuleOutcome } from "./rule";
import { keyApplicability } from "./cmk-applicability";
import { keyPropertyName, type KeyReferenceInput } from "./key-reference-input";

export const KEY_ARN_SHAPE = "arn:<partition>:kms:<region>:<account-id>:key/<key-id>";

/** What every key-reference rule of a family shares: its mapping, severity and default level. */
export function familyRuleMetadata(
  family: ResourceFamily,
): Pick<RuleMetadata, "compliance" | "risk" | "severity" | "defaultLevel"> {
  return {
    compliance: family.compliance,
    risk: family.risk,
    severity: family.defaultLevel === "mandatory" ? "high" : "medium",
    defaultLevel: family.defaultLevel,
  };
}

const FORM_NAMES: Record<KeyForm, string> = {
  "key-arn": `key ARN (${KEY_ARN_SHAPE})`,
  "key-id": "key id",
  "alias-name": "alias name (alias/<name>)",
  "alias-arn": "alias ARN",
};

/** "a key ARN (...)" or "a key ARN (...), key id, alias name (alias/<name>) or alias ARN". */
export function describeKeyForms(forms: AcceptedKeyForms): string {
  const names = forms.map((f) => FORM_NAMES[f]);
  const list =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
  return `a ${list}`;
}

export function onlyKeyArns(forms: AcceptedKeyForms): boolean {
  return forms.every((f) => f === "key-arn");
}

/** Said when the key cannot be changed in place; nothing when the catalog has not verified it. */
export function replacementNote(
  type: GuardedResourceType,
  deployer: "Pulumi" | "CloudFormation" = "Pulumi",
): string {
  return type.keyUpdatable === false
    ? ` The key cannot be changed in place: ${deployer} replaces the resource (plan the data migration).`
    : "";
}

/** The exact fix for a missing or unusable key reference on this resource. */
export function setKeyFix(input: KeyReferenceInput): string {
  const property = keyPropertyName(input);
  return (
    `Set \`${property}\` to ${describeKeyForms(input.type.acceptedKeyForms)} of a customer-managed symmetric ` +
    `KMS key, e.g. \`${property}: key.arn\` with an aws.kms.Key (the sample stack's WorkspaceKey component ` +
    `makes a fit one).${replacementNote(input.type)}`
  );
}

/**
 * The outcome of the catalog's applicability data for the rules that judge the key itself (form,
 * region): they have nothing to judge unless the key applies. Undefined means "go on and judge".
 */
export function skipUnlessKeyApplies(input: KeyReferenceInput): RuleOutcome | undefined {
  const applicability = keyApplicability(input);
  switch (applicability.kind) {
    case "applies":
      return undefined;
    case "not-applicable":
      return notApplicable(`Not applicable: ${applicability.reason}`);
    case "unknown":
      return undetermined(applicability.reason);
    case "service-managed":
      return notApplicable(
        `\`${applicability.property}\` does not select a customer-managed key; the -cmk-required policy reports that.`,
      );
  }
}
