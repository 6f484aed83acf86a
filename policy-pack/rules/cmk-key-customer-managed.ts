import { compliant, nonCompliant, type Rule } from "./rule";
import { KEY_FITNESS_WHY } from "./key-fitness-input";

/** What AWS KMS says about who manages a key (DescribeKey's KeyManager). */
export interface KeyManagerInput {
  readonly keyManager: unknown;
}

/**
 * Only a customer-managed key gives the team control of the key policy, rotation and deletion:
 * an AWS-managed key (behind `alias/aws/...`) has a key ARN in the team's own account too, so only
 * KMS can tell them apart. Judged on keys outside the stack that AWS KMS was asked about.
 */
export const cmkKeyCustomerManaged: Rule<KeyManagerInput> = {
  id: "cmk-key-customer-managed",
  title: "Keys of Bedrock resources must be customer-managed, as AWS KMS reports them",
  rationale: `${KEY_FITNESS_WHY} An AWS-managed key (the keys behind alias/aws/...) lives in your account and has a key ARN like any other, but AWS controls its policy and rotation and nobody can restrict or revoke it: it satisfies the letter of "a key ARN" and none of the purpose of a customer-managed key.`,
  fix: "Point the resource at a customer-managed key: create one in this stack (the sample stack's WorkspaceKey component) or name an existing key whose KeyManager is CUSTOMER. A Bedrock Studio workspace cannot change its key in place: re-create it with the new key.",
  severity: "high",
  defaultLevel: "mandatory",
  evaluate(input) {
    if (input.keyManager === "CUSTOMER") return compliant;
    if (input.keyManager === "AWS") {
      return nonCompliant(
        "AWS KMS reports this key as AWS-managed (KeyManager AWS): it is not a customer-managed key.",
      );
    }
    return nonCompliant(
      "AWS KMS did not report the key as customer-managed (its KeyManager is neither CUSTOMER nor AWS), so the guard cannot accept it.",
    );
  },
};
