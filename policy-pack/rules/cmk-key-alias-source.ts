import type { GuardedResourceType, ResourceFamily } from "../catalog/bedrock-resources";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule } from "./rule";

export interface AliasSourceInput {
  readonly family: ResourceFamily;
  readonly type: GuardedResourceType;
  /** Whether the key property's value is known (it is not during a first preview). */
  readonly keyKnown: boolean;
  /** The KMS aliases of the stack the value came from (its property dependencies). */
  readonly aliases: readonly string[];
  /** Whether the value also came straight from a KMS key of the stack. */
  readonly fromKey: boolean;
}

/**
 * Before `up`, a key reference taken from a KMS alias (`alias.arn`, which APIs that take only key
 * ARNs reject, or `alias.targetKeyArn`) is unknown, and the engine only says which resource it
 * came from, not which output: the preview would pass and `up` fail. Referencing the key itself
 * (`key.arn`) says what it is before `up`.
 */
export const cmkKeyAliasSource: Rule<AliasSourceInput> = {
  id: "cmk-key-alias-source",
  title: "Key references that must be key ARNs must not come from a KMS alias",
  rationale:
    "APIs that take only a key ARN (DataZone's kmsKeyIdentifier among them) reject an alias ARN. Before `up`, a value taken from an alias is unknown, and whether it is the alias's `arn` or its `targetKeyArn` cannot be told: the preview would pass and `up` would fail.",
  fix: "Reference the key itself, e.g. `kmsKeyIdentifier: key.arn`, not an output of its alias.",
  compliance: "Bedrock-006",
  severity: "high",
  defaultLevel: "mandatory",
  evaluate(input) {
    const forms = input.type.acceptedKeyForms;
    if (forms.includes("alias-arn") || forms.includes("alias-name")) {
      return notApplicable("this resource accepts a KMS alias.");
    }
    if (input.keyKnown) return notApplicable("the value is known: the -cmk-key-arn policy judges it.");
    if (input.aliases.length === 0) return compliant;
    const property = input.type.keyProperty.join(".");
    if (input.fromKey) {
      return undetermined(
        `\`${property}\` comes from both a KMS key and a KMS alias; it is judged at \`up\`.`,
      );
    }
    const aliases = input.aliases.map((name) => `'${name}'`).join(", ");
    return nonCompliant(
      `\`${property}\` comes from KMS alias ${aliases} (its \`arn\` or \`targetKeyArn\`, unknown until \`up\`); the API accepts only a key ARN and rejects an alias ARN.`,
      `Reference the key itself: \`${property}: key.arn\`.`,
    );
  },
};
