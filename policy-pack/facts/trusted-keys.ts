/**
 * `trustedKeys`: keys that live outside the stack and that a team vouches for as customer-managed.
 * An entry is an exact key ARN, or a key ARN pattern whose region and/or key id is `*`
 * (`arn:aws:kms:*:111122223333:key/*` trusts every key of that account). The account is always
 * explicit: trusting every account would trust AWS-managed keys too.
 */
import type { OutsideKeyReference } from "./key-tracing";

export interface TrustedKeyPattern {
  readonly partition: string;
  /** A region name, or `*` for every region. */
  readonly region: string;
  readonly account: string;
  /** A key id, or `*` for every key of the account (and region). */
  readonly keyId: string;
}

const PARTITIONS = new Set(["aws", "aws-cn", "aws-us-gov"]);
const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const ACCOUNT = /^[0-9]{12}$/;
const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const TRUSTED_KEY_SHAPE =
  "a key ARN, or arn:<partition>:kms:<region or *>:<12-digit account>:key/<key id or *>";

/** Parses one `trustedKeys` entry; undefined when it has neither shape. */
export function parseTrustedKey(text: unknown): TrustedKeyPattern | undefined {
  if (typeof text !== "string") return undefined;
  const parts = text.split(":");
  if (parts.length !== 6 || parts[0] !== "arn" || parts[2] !== "kms") return undefined;
  const [, partition, , region, account, resource] = parts;
  if (!PARTITIONS.has(partition) || !ACCOUNT.test(account)) return undefined;
  if (region !== "*" && !REGION.test(region)) return undefined;
  if (!resource.startsWith("key/")) return undefined;
  const keyId = resource.slice("key/".length);
  if (keyId !== "*" && !KEY_ID.test(keyId)) return undefined;
  return { partition, region, account, keyId: keyId.toLowerCase() };
}

/**
 * Only a key ARN can be trusted: an alias can be re-pointed at any key (an AWS-managed one
 * included), and a bare key id says nothing about its account.
 */
export function isTrusted(reference: OutsideKeyReference, trusted: readonly TrustedKeyPattern[]): boolean {
  if (reference.form === "key-arn") {
    return trusted.some(
      (p) =>
        p.partition === reference.partition &&
        p.account === reference.account &&
        (p.region === "*" || p.region === reference.region) &&
        (p.keyId === "*" || p.keyId === reference.keyId.toLowerCase()),
    );
  }
  return false;
}

/**
 * What to say about a pattern whose key id is `*`: it covers every key of the account (in the
 * region, or in every region), the AWS-managed keys (`alias/aws/...`) of that account included,
 * and a key ARN alone cannot tell those apart. Undefined for an exact key ARN.
 */
export function wholeAccountWarning(pattern: TrustedKeyPattern): string | undefined {
  if (pattern.keyId !== "*") return undefined;
  const where = pattern.region === "*" ? "in every region" : `in ${pattern.region}`;
  return (
    `this pattern trusts every KMS key of account ${pattern.account} ${where}, including that account's ` +
    "AWS-managed keys (aliases alias/aws/...), which a key ARN alone cannot tell apart from customer-managed " +
    "ones. List the exact key ARNs instead (arn:<partition>:kms:<region>:<account>:key/<key id>)."
  );
}
