/**
 * Classifies what a resource's key property refers to. Pure and total: any JSON value in, one
 * classification out. Messages built from a classification never quote the value itself: the
 * pack cannot tell which values were secrets once @pulumi/policy has unwrapped them.
 */
import { UNKNOWN } from "./values";

export type KeyReference =
  | { readonly form: "unknown" }
  | { readonly form: "absent" }
  | { readonly form: "wrong-type"; readonly actualType: string }
  | {
      readonly form: "key-arn";
      readonly partition: string;
      readonly region: string;
      readonly account: string;
      readonly keyId: string;
      readonly multiRegion: boolean;
    }
  | { readonly form: "aws-managed-alias"; readonly asArn: boolean }
  | {
      readonly form: "customer-alias";
      readonly asArn: boolean;
      /** Partition and region of an alias ARN (an alias name resolves in the caller's region). */
      readonly partition?: string;
      readonly region?: string;
    }
  | { readonly form: "key-id"; readonly multiRegion: boolean }
  | { readonly form: "malformed-arn" }
  | { readonly form: "unrecognised" };

/** Partitions whose key ARNs Bedrock Studio (CloudFormation's KmsKeyIdentifier pattern) accepts. */
const KEY_ARN_PARTITIONS = new Set(["aws", "aws-cn", "aws-us-gov"]);
const ACCOUNT_ID = /^[0-9]{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

// Loaded on first use: @aws-sdk/util-arn-parser pulls in @aws-sdk/core, which would add ~60 ms
// to every pack start although most resources never reach an ARN.
let arnParser: typeof import("@aws-sdk/util-arn-parser") | undefined;
function parseArn(
  value: string,
): { partition: string; service: string; region: string; accountId: string; resource: string } | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see above)
  arnParser ??= require("@aws-sdk/util-arn-parser") as typeof import("@aws-sdk/util-arn-parser");
  if (!arnParser.validate(value)) return undefined;
  try {
    return arnParser.parse(value);
  } catch {
    return undefined;
  }
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function classifyKeyReference(value: unknown): KeyReference {
  if (value === UNKNOWN) return { form: "unknown" };
  if (value === undefined || value === null) return { form: "absent" };
  if (typeof value !== "string") return { form: "wrong-type", actualType: describeType(value) };
  const text = value.trim();
  if (text === "") return { form: "absent" };
  if (text !== value) return { form: "unrecognised" };

  if (text.startsWith("alias/")) {
    return text.startsWith("alias/aws/")
      ? { form: "aws-managed-alias", asArn: false }
      : { form: "customer-alias", asArn: false };
  }
  if (KEY_ID.test(text)) return { form: "key-id", multiRegion: text.startsWith("mrk-") };
  if (!text.startsWith("arn:")) return { form: "unrecognised" };

  const arn = parseArn(text);
  if (!arn || arn.service !== "kms") return { form: "malformed-arn" };
  if (arn.resource.startsWith("alias/")) {
    if (arn.resource.startsWith("alias/aws/")) return { form: "aws-managed-alias", asArn: true };
    const wellFormedAlias =
      KEY_ARN_PARTITIONS.has(arn.partition) && REGION.test(arn.region) && ACCOUNT_ID.test(arn.accountId);
    return wellFormedAlias
      ? { form: "customer-alias", asArn: true, partition: arn.partition, region: arn.region }
      : { form: "malformed-arn" };
  }
  const keyId = arn.resource.startsWith("key/") ? arn.resource.slice("key/".length) : "";
  const wellFormed =
    KEY_ARN_PARTITIONS.has(arn.partition) &&
    REGION.test(arn.region) &&
    ACCOUNT_ID.test(arn.accountId) &&
    KEY_ID.test(keyId);
  if (!wellFormed) return { form: "malformed-arn" };
  return {
    form: "key-arn",
    partition: arn.partition,
    region: arn.region,
    account: arn.accountId,
    keyId,
    multiRegion: keyId.startsWith("mrk-"),
  };
}

/** The partition a region belongs to; undefined for a string that is not a region name. */
export function partitionOfRegion(region: string): string | undefined {
  if (!REGION.test(region)) return undefined;
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  return "aws";
}
