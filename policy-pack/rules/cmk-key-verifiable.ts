import { failureText, KMS_PERMISSIONS, type VerificationFailure } from "../aws/kms-facts";
import type { GuardedResourceType, ResourceFamily } from "../catalog/bedrock-resources";
import type { OutsideKeyReference } from "../facts/key-tracing";
import { isTrusted, type TrustedKeyPattern } from "../facts/trusted-keys";
import { compliant, nonCompliant, type Rule, type RuleOutcome } from "./rule";

/** What asking AWS KMS about the key gave, unless `verifyKeysWithAws` is off. */
export type OutsideKeyVerification =
  | { readonly kind: "verified" }
  /**
   * Verification is on by default (`auto`) but could not run (no AWS credentials found): as when
   * it is off, trustedKeys alone can vouch for the key, and the finding says why KMS was not asked.
   */
  | { readonly kind: "unavailable"; readonly reason: string }
  | { readonly kind: "failed"; readonly failure: VerificationFailure }
  /** AWS KMS was not asked (e.g. a key id or alias on a resource whose region is not known). */
  | { readonly kind: "not-asked"; readonly reason: string; readonly fix: string };

export interface OutsideKeyInput {
  readonly family: ResourceFamily;
  readonly type: GuardedResourceType;
  /** The key reference the resource names, of a key that is not in the stack. */
  readonly reference: OutsideKeyReference;
  readonly trustedKeys: readonly TrustedKeyPattern[];
  /** Absent when verification with AWS KMS is off. */
  readonly verification?: OutsideKeyVerification;
  /**
   * Set when the reference is the primary of a replica key of the stack (the replica's name):
   * the replica shares its usage, spec and rotation with that primary.
   */
  readonly replicaOf?: string;
}

const VERIFY_SETTING = "guard-settings.verifyKeysWithAws";

/** The exact remediation for a verification that failed. */
function verificationFix(failure: VerificationFailure): string | undefined {
  switch (failure.kind) {
    case "access-denied":
    case "not-found":
      return `Allow the credentials the preview runs with ${KMS_PERMISSIONS[failure.operation]} on this key (and for a key of another account, in its key policy), or name a key of this stack.`;
    case "timeout":
    case "unreachable":
    case "throttled":
      return `Check the network path to AWS KMS (and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_KMS if set), or raise ${VERIFY_SETTING}.timeoutSeconds.`;
    default:
      return undefined;
  }
}

function verified(input: OutsideKeyInput, property: string): RuleOutcome | undefined {
  const verification = input.verification;
  if (verification === undefined || verification.kind === "unavailable") return undefined;
  if (verification.kind === "verified") return compliant;
  const trusted = isTrusted(input.reference, input.trustedKeys) ? " (it is in trustedKeys)" : "";
  if (verification.kind === "not-asked") {
    return nonCompliant(
      `\`${property}\` names a KMS key outside this stack${trusted} that AWS KMS was not asked about: ${verification.reason}`,
      verification.fix,
    );
  }
  return nonCompliant(
    `\`${property}\` names a KMS key outside this stack${trusted} that could not be verified: ${failureText(verification.failure)}`,
    verificationFix(verification.failure),
  );
}

/**
 * A key ARN alone cannot prove a key is customer-managed: AWS-managed keys have key ARNs too.
 * Keys outside the stack pass when AWS KMS was asked about them (`verifyKeysWithAws`; the key
 * fitness and customer-managed policies judge what it said), or else when the pack config vouches
 * for them (`trustedKeys`).
 */
export const cmkKeyVerifiable: Rule<OutsideKeyInput> = {
  id: "cmk-key-verifiable",
  title: "Customer-managed keys of Bedrock resources must be verifiable",
  rationale:
    "A key ARN cannot prove that the key is customer-managed (AWS-managed keys have key ARNs too), and a key outside the stack cannot be checked for rotation, state or policy unless AWS KMS is asked. Keys that live elsewhere pass when guard-settings.verifyKeysWithAws reads them from AWS KMS (by default whenever AWS credentials are at hand), or when the pack config lists them in guard-settings.trustedKeys; any other is not verified, and blocks.",
  fix: "Create the key in this stack (the sample stack's WorkspaceKey component), run with AWS credentials that may read the key (guard-settings.verifyKeysWithAws verifies it by default), or add its ARN, or its account (and region) pattern such as `arn:aws:kms:*:<account-id>:key/*`, to the `trustedKeys` setting of the guard-settings policy in the pack config.",
  severity: "medium",
  defaultLevel: "mandatory",
  evaluate(input) {
    const property = input.type.keyProperty.join(".");
    // A replica's primary is not verified with AWS KMS: trustedKeys alone can vouch for it.
    if (input.replicaOf !== undefined && !isTrusted(input.reference, input.trustedKeys)) {
      return nonCompliant(
        `its KMS key '${input.replicaOf}' is a replica of a multi-Region primary key that is not in this stack and not in trustedKeys: the guard cannot verify the replica's usage, spec and rotation, which it shares with the primary.`,
        "Create the primary key in this stack, or add the primary key's ARN to the `trustedKeys` setting of the guard-settings policy in the pack config.",
      );
    }
    const outcome = verified(input, property);
    if (outcome !== undefined) return outcome;
    if (isTrusted(input.reference, input.trustedKeys)) return compliant;
    const unverifiable =
      input.reference.form === "key-arn"
        ? "and not in trustedKeys"
        : "by a key id or alias, which trustedKeys cannot vouch for (use the key ARN)";
    if (input.verification?.kind === "unavailable") {
      return nonCompliant(
        `\`${property}\` names a KMS key that is not in this stack ${unverifiable}, and ${input.verification.reason}: the guard cannot verify this is a customer-managed key.`,
        `Run the preview with AWS credentials that may call kms:DescribeKey, kms:GetKeyRotationStatus, kms:GetKeyPolicy and kms:ListResourceTags on the key (${VERIFY_SETTING} is on by default; set its \`enabled\` to true where only an instance role has them, or to verify in an offline bedrock-cmk-guard run), add the key's ARN to the \`trustedKeys\` setting of the guard-settings policy, or create the key in this stack (the sample stack's WorkspaceKey component).`,
      );
    }
    return nonCompliant(
      `\`${property}\` names a KMS key that is not in this stack ${unverifiable}: the guard cannot verify this is a customer-managed key.`,
    );
  },
};
