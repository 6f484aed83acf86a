/**
 * Shared builders for the specs: a fit KMS key (as plain properties and as the engine sends it), a
 * key policy document, a workspace that takes its key from another resource, and a stack of N
 * workspaces. One place, so a change to what "fit" means is made once.
 */
import {
  UNKNOWN,
  urnOf,
  type PackClient,
  type AnalyzeResult,
  type ProviderSpec,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { createKmsFactsSource } from "../../policy-pack/aws/kms-facts";
import type { buildGuard } from "../../policy-pack/crossguard/guard";

export const ACCOUNT = "123456789012";
export const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
export const KEY = "aws:kms/key:Key";
export const DOMAIN = "aws:datazone/domain:Domain";

/** Preview: outputs of resources not yet created are unknown. Up: every value known. */
export type Phase = "preview" | "up";
export const PHASES: readonly Phase[] = ["preview", "up"];

export const keyArn = (region = "us-east-1", id = KEY_ID, account = ACCOUNT) =>
  `arn:aws:kms:${region}:${account}:key/${id}`;

/** An `aws:kms/key:Key`'s inputs that pass every key-fitness rule (tags allow Bedrock Studio). */
export const FIT_KEY_PROPERTIES: Readonly<Record<string, unknown>> = {
  keyUsage: "ENCRYPT_DECRYPT",
  customerMasterKeySpec: "SYMMETRIC_DEFAULT",
  isEnabled: true,
  enableKeyRotation: true,
  rotationPeriodInDays: 365,
  deletionWindowInDays: 30,
  bypassPolicyLockoutSafetyCheck: false,
  tags: { EnableBedrock: "true" },
};

/** A key policy document (JSON text, as `policy` holds it) of these statements. */
export const policyDocument = (...statements: readonly unknown[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** The account's root administers the key: the statement every restricted key policy starts with. */
export const ADMIN_STATEMENT = {
  Sid: "Admin",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: "kms:*",
  Resource: "*",
};

/**
 * A fit key as the engine sends it: its own account administers it, outputs (`arn`, `keyId`,
 * `tagsAll`) unknown at preview and known at up. `overrides.keyId` names the key's id at up.
 */
export function fitKey(
  phase: Phase,
  overrides: Record<string, unknown> = {},
  name = "workspace-key",
): ResourceSpec {
  const known = phase === "up";
  const id = (overrides.keyId as string | undefined) ?? KEY_ID;
  return {
    type: KEY,
    name,
    urn: urnOf(KEY, name),
    properties: {
      ...FIT_KEY_PROPERTIES,
      policy: policyDocument(ADMIN_STATEMENT),
      tagsAll: known ? { EnableBedrock: "true" } : UNKNOWN,
      ...overrides,
      arn: known ? keyArn("us-east-1", id) : UNKNOWN,
      keyId: known ? id : UNKNOWN,
    },
  };
}

/**
 * A V1 workspace (`aws:datazone/domain:Domain` named `name`) whose `kmsKeyIdentifier` comes from
 * the resource `from` (`kmsKeyIdentifier: key.arn`): unknown at preview, `arn` at up.
 */
export function workspaceUsing(
  phase: Phase,
  from: string,
  arn: string,
  { name = "studio", provider }: { name?: string; provider?: ProviderSpec } = {},
): ResourceSpec {
  return {
    type: DOMAIN,
    name,
    urn: urnOf(DOMAIN, name),
    properties: {
      name,
      domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/studio-service`,
      kmsKeyIdentifier: phase === "up" ? arn : UNKNOWN,
    },
    ...(provider === undefined ? {} : { provider }),
    dependencies: [from],
    propertyDependencies: { kmsKeyIdentifier: [from] },
  };
}

/** A stack of `count` V1 workspaces, the i-th naming the key `keyIdentifier(i)` (known values). */
export function workspaceStack(
  count: number,
  keyIdentifier: (index: number) => string,
  { prefix = "studio", account = ACCOUNT }: { prefix?: string; account?: string } = {},
): ResourceSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    type: DOMAIN,
    name: `${prefix}-${i}`,
    properties: {
      name: `studio-${i}`,
      domainExecutionRole: `arn:aws:iam::${account}:role/studio`,
      kmsKeyIdentifier: keyIdentifier(i),
    },
  }));
}

/** What the engine does for a whole preview or update: Analyze per resource, then AnalyzeStack. */
export async function engineRun(
  pack: PackClient,
  resources: readonly ResourceSpec[],
): Promise<AnalyzeResult> {
  const results = [
    ...(await Promise.all(resources.map((r) => pack.analyze(r)))),
    await pack.analyzeStack(resources),
  ];
  return {
    diagnostics: results.flatMap((r) => r.diagnostics),
    notApplicable: results.flatMap((r) => r.notApplicable),
  };
}

/**
 * The pack's AWS side for in-process guards: the real KMS facts source, and no credentials found
 * (a test never reaches AWS unless it injects credentials and a fake endpoint of its own).
 */
export const NO_AWS: Parameters<typeof buildGuard>[1] = {
  createKmsFacts: createKmsFactsSource,
  detectCredentials: () => Promise.resolve({ found: false, why: "a test without AWS found no credentials" }),
};
