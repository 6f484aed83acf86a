/**
 * Deterministic stacks in the engine's wire form, for the benchmarks (`npm run bench`, and the
 * load benchmark later): the same shape and seed always give the same resources, so two packs
 * (or two runs) are measured on identical input.
 *
 * A stack holds Bedrock Studio workspaces (both providers), the KMS keys they use, aliases of
 * those keys, and a majority of resource types no policy reads, each with a realistic property bag
 * and the default `aws` provider attached, as the engine sends them. Workspaces are wired to their
 * key through `propertyDependencies` (and `dependencies`), as the engine reports an input taken
 * from another resource's output. At preview, outputs of resources not created yet are the
 * engine's unknown sentinel, so a workspace's key and a key's ARN are unknown there.
 */
import { secret, UNKNOWN, urnOf, type ProviderSpec, type ResourceSpec } from "../cli/engine/pack-client";

export interface StackShape {
  /** Number of resources, the provider excluded. */
  readonly size: number;
  /** Share of the stack that is Bedrock Studio workspaces (0..1). */
  readonly workspaceShare: number;
  /** Share of the stack that is KMS keys (at least one key is made when there are workspaces). */
  readonly keyShare: number;
  /** Share of the stack that is KMS aliases, each pointing at a key. */
  readonly aliasShare: number;
  /**
   * Share of the workspaces whose key is a key of this stack, wired through propertyDependencies;
   * the others reference an alias (a violation) or no key at all (a violation), half each.
   */
  readonly wiredShare: number;
  /** True: outputs of resources not created yet are unknown, as in `pulumi preview`. */
  readonly preview: boolean;
  readonly seed: number;
  readonly region?: string;
  readonly account?: string;
}

/** A stack that looks like a platform team's: mostly other infrastructure, a few workspaces. */
export const REALISTIC_MIX: Omit<StackShape, "size" | "preview"> = {
  workspaceShare: 0.04,
  keyShare: 0.04,
  aliasShare: 0.03,
  wiredShare: 0.9,
  seed: 6,
};

/**
 * A stack of Bedrock resources only: every resource a workspace or a key, each workspace with a
 * key of its own, wired through propertyDependencies (the worst case for the key tracing and the
 * key policy evaluator: one key, and one key policy, per workspace).
 */
export const ALL_BEDROCK: Omit<StackShape, "size" | "preview"> = {
  workspaceShare: 0.5,
  keyShare: 0.5,
  aliasShare: 0,
  wiredShare: 1,
  seed: 12,
};

/** Mulberry32: a tiny, fast, seedable generator; good enough to vary names and properties. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

function hex(next: Random, length: number): string {
  let text = "";
  while (text.length < length)
    text += Math.floor(next() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return text.slice(0, length);
}

function uuid(next: Random): string {
  const h = hex(next, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function pick<T>(next: Random, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

const STACK = "dev";
const PROJECT = "test";

/** A default provider (`aws` or `aws-native`), attached to every resource as the engine does. */
export function defaultProvider(
  pkg: "aws" | "aws-native",
  version: string,
  region = "us-east-1",
): ProviderSpec {
  const type = `pulumi:providers:${pkg}`;
  const name = `default_${version.replace(/\./g, "_")}`;
  return { type, name, urn: urnOf(type, name, STACK, PROJECT), properties: { region, version } };
}

interface Context {
  readonly next: Random;
  readonly preview: boolean;
  readonly region: string;
  readonly account: string;
  readonly provider: ProviderSpec;
  readonly nativeProvider: ProviderSpec;
}

/** An output of a resource being created: unknown at preview, the real value at up. */
function output(context: Context, value: unknown): unknown {
  return context.preview ? UNKNOWN : value;
}

function tags(context: Context, name: string): Record<string, string> {
  return {
    Name: name,
    team: pick(context.next, ["data", "ml", "platform", "security"]),
    "cost-center": String(1000 + Math.floor(context.next() * 9000)),
  };
}

interface Key {
  readonly urn: string;
  readonly arn: string;
  readonly id: string;
}

function keyResource(context: Context, index: number): { spec: ResourceSpec; key: Key } {
  const name = `workspace-key-${index}`;
  const urn = urnOf("aws:kms/key:Key", name, STACK, PROJECT);
  const id = uuid(context.next);
  const arn = `arn:aws:kms:${context.region}:${context.account}:key/${id}`;
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministration",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${context.account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "BedrockStudioUse",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${context.account}:role/bedrock-studio-${index}` },
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": context.account } },
      },
      {
        // As the sample stack's WorkspaceKey: the services act for this account only. A service
        // principal can be any account's caller, so the key policy evaluator simulates this one.
        Sid: "BedrockStudioServicesForThisAccountOnly",
        Effect: "Allow",
        Principal: { Service: ["datazone.amazonaws.com", "bedrock.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": context.account } },
      },
    ],
  });
  return {
    key: { urn, arn, id },
    spec: {
      type: "aws:kms/key:Key",
      name,
      urn,
      provider: context.provider,
      properties: {
        description: `Bedrock Studio workspace ${index}`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        // One key in ten is unfit (no rotation): the stack policies have findings to report.
        enableKeyRotation: index % 10 !== 9,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        isEnabled: true,
        multiRegion: false,
        bypassPolicyLockoutSafetyCheck: false,
        policy,
        tags: { ...tags(context, name), EnableBedrock: "true" },
        arn: output(context, arn),
        keyId: output(context, id),
        region: context.region,
      },
    },
  };
}

function aliasResource(context: Context, index: number, key: Key): ResourceSpec {
  const name = `workspace-key-alias-${index}`;
  return {
    type: "aws:kms/alias:Alias",
    name,
    urn: urnOf("aws:kms/alias:Alias", name, STACK, PROJECT),
    provider: context.provider,
    dependencies: [key.urn],
    propertyDependencies: { targetKeyId: [key.urn] },
    properties: {
      name: `alias/bedrock/workspace-${index}`,
      targetKeyId: output(context, key.id),
      region: context.region,
    },
  };
}

function workspaceResource(
  context: Context,
  index: number,
  key: Key | undefined,
  wired: boolean,
): ResourceSpec {
  const name = `workspace-${index}`;
  const native = index % 5 === 4;
  const type = native ? "aws-native:datazone:Domain" : "aws:datazone/domain:Domain";
  const roleArn = `arn:aws:iam::${context.account}:role/bedrock-studio-${index}`;
  // Not wired: half reference an alias (rejected by the API), half set no key (AWS-owned key).
  const keyValue =
    wired && key ? output(context, key.arn) : index % 2 === 0 ? "alias/bedrock/shared" : undefined;
  const properties: Record<string, unknown> = {
    name: `bedrock-studio-${index}`,
    description: "Bedrock Studio workspace",
    domainExecutionRole: roleArn,
    ...(keyValue === undefined ? {} : { kmsKeyIdentifier: keyValue }),
    singleSignOn: { type: "DISABLED" },
  };
  if (native) properties.tags = Object.entries(tags(context, name)).map(([k, value]) => ({ key: k, value }));
  else Object.assign(properties, { tags: tags(context, name), region: context.region });
  return {
    type,
    name,
    urn: urnOf(type, name, STACK, PROJECT),
    provider: native ? context.nativeProvider : context.provider,
    dependencies: wired && key ? [key.urn] : [],
    propertyDependencies: wired && key ? { kmsKeyIdentifier: [key.urn] } : {},
    properties,
  };
}

/** Resource types no policy of the pack reads, with property bags of the size real ones have. */
const UNRELATED: readonly ((context: Context, name: string) => { type: string; properties: object })[] = [
  (context, name) => ({
    type: "aws:s3/bucketV2:BucketV2",
    properties: {
      bucket: `${name}-${hex(context.next, 8)}`,
      forceDestroy: false,
      objectLockEnabled: false,
      tags: tags(context, name),
      arn: output(context, `arn:aws:s3:::${name}`),
    },
  }),
  (context, name) => ({
    type: "aws:iam/role:Role",
    properties: {
      name,
      path: "/service/",
      maxSessionDuration: 3600,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
      tags: tags(context, name),
    },
  }),
  (context, name) => ({
    type: "aws:lambda/function:Function",
    properties: {
      name,
      runtime: "nodejs20.x",
      handler: "index.handler",
      memorySize: pick(context.next, [128, 256, 512, 1024]),
      timeout: 30,
      role: output(context, `arn:aws:iam::${context.account}:role/${name}`),
      environment: {
        variables: { STAGE: STACK, TABLE: `${name}-table`, API_TOKEN: secret(hex(context.next, 24)) },
      },
      tags: tags(context, name),
    },
  }),
  (context, name) => ({
    type: "aws:ec2/securityGroup:SecurityGroup",
    properties: {
      name,
      description: "service ingress",
      vpcId: output(context, `vpc-${hex(context.next, 17)}`),
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] },
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["10.0.0.0/8"] },
      ],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      tags: tags(context, name),
    },
  }),
  (context, name) => ({
    type: "aws:cloudwatch/logGroup:LogGroup",
    properties: {
      name: `/aws/lambda/${name}`,
      retentionInDays: 30,
      skipDestroy: false,
      tags: tags(context, name),
    },
  }),
  (context, name) => ({
    type: "aws:dynamodb/table:Table",
    properties: {
      name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      attributes: [
        { name: "pk", type: "S" },
        { name: "sk", type: "S" },
      ],
      pointInTimeRecovery: { enabled: true },
      tags: tags(context, name),
    },
  }),
];

/**
 * A stack of `shape.size` resources (plus its default provider): keys first, then aliases and
 * workspaces referring to them, then unrelated resources, in the engine's wire form.
 */
export function generateStack(shape: StackShape): ResourceSpec[] {
  const next = random(shape.seed);
  const region = shape.region ?? "us-east-1";
  const context: Context = {
    next,
    preview: shape.preview,
    region,
    account: shape.account ?? "123456789012",
    provider: defaultProvider("aws", "7.48.0", region),
    nativeProvider: defaultProvider("aws-native", "1.79.0", region),
  };
  const workspaceCount = Math.round(shape.size * shape.workspaceShare);
  const keyCount = Math.min(
    shape.size - workspaceCount,
    Math.max(workspaceCount > 0 ? 1 : 0, Math.round(shape.size * shape.keyShare)),
  );
  const aliasCount = keyCount === 0 ? 0 : Math.round(shape.size * shape.aliasShare);
  const unrelatedCount = Math.max(0, shape.size - workspaceCount - keyCount - aliasCount);

  const keys: Key[] = [];
  const resources: ResourceSpec[] = [];
  for (let i = 0; i < keyCount; i++) {
    const { spec, key } = keyResource(context, i);
    keys.push(key);
    resources.push(spec);
  }
  for (let i = 0; i < aliasCount; i++) resources.push(aliasResource(context, i, keys[i % keys.length]));
  for (let i = 0; i < workspaceCount; i++) {
    const wired = next() < shape.wiredShare;
    resources.push(workspaceResource(context, i, keys[i % Math.max(1, keys.length)], wired));
  }
  for (let i = 0; i < unrelatedCount; i++) {
    const name = `service-${i}`;
    const { type, properties } = pick(next, UNRELATED)(context, name);
    resources.push({
      type,
      name,
      urn: urnOf(type, name, STACK, PROJECT),
      provider: context.provider,
      properties: properties as Record<string, unknown>,
    });
  }
  return resources.slice(0, shape.size);
}

/** How many resources of each type a stack holds (printed with the figures). */
export function typeCounts(resources: readonly ResourceSpec[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return counts;
}
