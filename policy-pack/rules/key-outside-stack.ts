import type { GuardedResourceType, ResourceFamily } from "../catalog";
import type { OutsideKeyReference } from "../key-tracing";
import { isTrusted, type TrustedKeyPattern } from "../key-tracing-trusted";
import { compliant, nonCompliant, type Rule } from "../rule";

export interface OutsideKeyInput {
  readonly family: ResourceFamily;
  readonly type: GuardedResourceType;
  /** The key reference the resource names, of a key that is not in the stack. */
  readonly reference: OutsideKeyReference;
  readonly trustedKeys: readonly TrustedKeyPattern[];
  /**
   * Set when the reference is the primary of a replica key of the stack (the replica's name):
   * the replica shares its usage, spec and rotation with that primary.
   */
  readonly replicaOf?: string;
}

/**
 * A key ARN alone cannot prove a key is customer-managed: AWS-managed keys have key ARNs too.
 * Keys outside the stack pass only when the pack config vouches for them (`trustedKeys`).
 */
export const cmkKeyVerifiable: Rule<OutsideKeyInput> = {
  id: "cmk-key-verifiable",
  title: "Customer-managed keys of Bedrock resources must be verifiable",
  rationale:
    "A key ARN cannot prove that the key is customer-managed (AWS-managed keys have key ARNs too), and a key outside the stack cannot be checked for rotation, deletion window or policy. Keys that live elsewhere pass when the pack config lists them in guard-settings.trustedKeys.",
  fix: "Create the key in this stack (the sample stack's WorkspaceKey component), or add its ARN, or its account (and region) pattern such as `arn:aws:kms:*:<account-id>:key/*`, to the `trustedKeys` setting of the guard-settings policy in the pack config.",
  severity: "medium",
  defaultLevel: "advisory",
  evaluate(input) {
    if (isTrusted(input.reference, input.trustedKeys)) return compliant;
    const property = input.type.keyProperty.join(".");
    if (input.replicaOf !== undefined) {
      return nonCompliant(
        `its KMS key '${input.replicaOf}' is a replica of a multi-Region primary key that is not in this stack and not in trustedKeys: the guard cannot verify the replica's usage, spec and rotation, which it shares with the primary.`,
        "Create the primary key in this stack, or add the primary key's ARN to the `trustedKeys` setting of the guard-settings policy in the pack config.",
      );
    }
    const unverifiable =
      input.reference.form === "key-arn"
        ? "and not in trustedKeys"
        : "by a key id or alias, which trustedKeys cannot vouch for (use the key ARN)";
    return nonCompliant(
      `\`${property}\` names a KMS key that is not in this stack ${unverifiable}: the guard cannot verify this is a customer-managed key.`,
    );
  },
};
