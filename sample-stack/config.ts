/**
 * The sample stack's configuration: what Pulumi.yaml declares, read with the same defaults in code
 * (Pulumi's runtime mocks do not read Pulumi.yaml, and a team may copy only this folder).
 * Invalid values stop the program with a message that names the key and the fix.
 */
import * as pulumi from "@pulumi/pulumi";

export type DomainVersion = "V1" | "V2";

/**
 * How a workspace's key is chosen. "stack" (the default) is the compliant choice: the key this stack
 * creates in the workspace's region. The other two exist ONLY to demonstrate the policy pack blocking
 * a non-compliant workspace; never use them for real workspaces.
 */
export type WorkspaceKeyChoice = "stack" | "none" | "aws-managed";

/** Existing IAM roles to reuse instead of creating new ones (e.g. those of the workspace being replaced). */
export interface ExistingRoles {
  /** The domain's `domainExecutionRole` (Bedrock Studio's "service role"). */
  readonly executionRoleArn?: string;
  /** V2 only: the domain's `serviceRole`. */
  readonly serviceRoleArn?: string;
  /** The role the blueprint configurations provision environments with. */
  readonly provisioningRoleArn?: string;
}

export interface WorkspaceDefinition {
  /** Domain name; also names the roles and Pulumi resources. Letters, digits, `-` and `_`. */
  readonly name: string;
  readonly description: string;
  /** V2 (default) = Bedrock IDE in SageMaker Unified Studio; V1 = Bedrock Studio (re-creating old workspaces). */
  readonly version: DomainVersion;
  readonly tags: Record<string, string>;
  /** Stack regions this workspace is created in (default: all of `regions`). */
  readonly regions: readonly string[];
  /** Managed environment blueprints to enable (names as `aws datazone list-environment-blueprints --managed` lists them; default: DEFAULT_BLUEPRINTS of the version). */
  readonly blueprints: readonly string[];
  readonly roles: ExistingRoles;
  /** For demonstrating the guard only: see WorkspaceKeyChoice. */
  readonly kmsKey: WorkspaceKeyChoice;
}

export interface KeySettings {
  /** One multi-region primary key in the first region and replicas elsewhere, instead of one key per region. */
  readonly multiRegion: boolean;
  /** IAM principals (ARNs) allowed to administer, but not use, the keys. */
  readonly administrators: readonly string[];
  /** For demonstrating the guard only: `false` turns automatic rotation off. */
  readonly enableRotation: boolean;
  readonly rotationPeriodInDays: number;
  readonly deletionWindowInDays: number;
}

export interface StackSettings {
  /** Prefix of IAM role names and KMS aliases. */
  readonly namePrefix: string;
  readonly regions: readonly string[];
  readonly workspaces: readonly WorkspaceDefinition[];
  readonly key: KeySettings;
  /** Tags on every resource that takes tags. */
  readonly tags: Record<string, string>;
}

/**
 * The Bedrock blueprints of a Unified Studio (V2) domain, each confirmed by the page of the AWS
 * managed policy its role uses ("This role is part of the <name> environment blueprint", SageMaker
 * Unified Studio Administrator Guide, "AWS managed policies" pages under
 * https://docs.aws.amazon.com/sagemaker-unified-studio/latest/adminguide/): the agent service and
 * chat agent user roles (AmazonBedrockChatAgent, e.g. SageMakerStudioBedrockAgentServiceRolePolicy),
 * the knowledge base service role (AmazonBedrockKnowledgeBase), the prompt flow service role
 * (AmazonBedrockFlow, SageMakerStudioBedrockFlowServiceRolePolicy), the function execution role
 * (AmazonBedrockFunction), the evaluation job service role (AmazonBedrockEvaluation) and the prompt
 * user role (AmazonBedrockPrompt, SageMakerStudioBedrockPromptUserRolePolicy). AmazonBedrockGuardrail appears
 * in AWS's samples but on no AWS documentation page the guard could find: list it per workspace
 * once `aws datazone list-environment-blueprints --managed` shows it in your domain.
 */
const UNIFIED_STUDIO_BEDROCK_BLUEPRINTS = [
  "AmazonBedrockChatAgent",
  "AmazonBedrockKnowledgeBase",
  "AmazonBedrockFlow",
  "AmazonBedrockFunction",
  "AmazonBedrockEvaluation",
  "AmazonBedrockPrompt",
];

/**
 * The managed environment blueprints enabled when a workspace lists none, by domain version.
 * - V1 (Bedrock Studio): the Bedrock blueprints AWS manages for Bedrock Studio domains.
 * - V2 (SageMaker Unified Studio): the managed Tooling blueprint, which every Unified Studio project
 *   deploys first, Bedrock projects included ("Custom blueprints as Tooling",
 *   https://docs.aws.amazon.com/sagemaker-unified-studio/latest/adminguide/tooling-custom-blueprints.html),
 *   and the Bedrock blueprints above. Other V2 blueprints ("Available resource blueprints",
 *   https://docs.aws.amazon.com/sagemaker-unified-studio/latest/adminguide/available-resource-blueprints.html)
 *   are listed per workspace with `blueprints`.
 */
export const DEFAULT_BLUEPRINTS: Readonly<Record<DomainVersion, readonly string[]>> = {
  V1: [
    "AmazonBedrockChatAgent",
    "AmazonBedrockKnowledgeBase",
    "AmazonBedrockGuardrail",
    "AmazonBedrockFunction",
    "AmazonBedrockPrompt",
    "AmazonBedrockFlow",
    "AmazonBedrockEvaluation",
  ],
  V2: ["Tooling", ...UNIFIED_STUDIO_BEDROCK_BLUEPRINTS],
};

export const DEFAULTS = {
  namePrefix: "bedrock",
  workspaceName: "studio",
  /** SageMaker Unified Studio (Bedrock IDE): what AWS's Bedrock getting-started page now leads to. */
  version: "V2" as DomainVersion,
  multiRegionKey: false,
  enableKeyRotation: true,
  keyRotationPeriodInDays: 365,
  keyDeletionWindowInDays: 30,
};

const NAME = /^[A-Za-z0-9_-]{1,32}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const IAM_ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const IAM_PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;
/** Longest role name suffix the program appends: `-provisioning`. */
const ROLE_SUFFIX_LENGTH = "-provisioning".length;

/** Reads and validates the stack configuration (project namespace, plus `aws:region`). */
export function loadSettings(
  config = new pulumi.Config(),
  awsConfig = new pulumi.Config("aws"),
): StackSettings {
  const stackRegion = awsConfig.get("region");
  const listed = config.getObject<string[]>("regions") ?? [];
  if (!Array.isArray(listed))
    throw new ConfigError("regions", "is not a list", "Write a YAML list of regions.");
  const regions = listed.length > 0 ? listed : stackRegion ? [stackRegion] : [];
  if (regions.length === 0) {
    throw new ConfigError("regions", "no region given", "Set `aws:region` or the list `regions`.");
  }
  regions.forEach((region, i) => {
    if (typeof region !== "string" || !REGION.test(region))
      throw new ConfigError(`regions[${i}]`, "is not an AWS region name", "Use names like `us-east-1`.");
  });
  if (new Set(regions).size !== regions.length)
    throw new ConfigError("regions", "lists a region twice", "List each region once.");

  const namePrefix = config.get("namePrefix") ?? DEFAULTS.namePrefix;
  if (!NAME.test(namePrefix))
    throw new ConfigError("namePrefix", "is not 1-32 letters, digits, `-` or `_`", "Shorten or rename it.");

  const rawWorkspaces = config.getObject<unknown[]>("workspaces") ?? [{ name: DEFAULTS.workspaceName }];
  if (!Array.isArray(rawWorkspaces) || rawWorkspaces.length === 0)
    throw new ConfigError("workspaces", "is not a non-empty list", "List at least one workspace definition.");
  const workspaces = rawWorkspaces.map((raw, i) => workspaceDefinition(raw, i, regions, namePrefix));
  const names = workspaces.map((w) => w.name);
  if (new Set(names).size !== names.length)
    throw new ConfigError("workspaces", "names a workspace twice", "Give every workspace its own name.");

  const administrators = config.getObject<string[]>("keyAdministrators") ?? [];
  administrators.forEach((arn, i) => {
    if (typeof arn !== "string" || !IAM_PRINCIPAL_ARN.test(arn))
      throw new ConfigError(
        `keyAdministrators[${i}]`,
        "is not an IAM role, user or account-root ARN",
        "Use e.g. `arn:aws:iam::123456789012:role/KeyAdmins`.",
      );
  });

  const rotationPeriodInDays = config.getNumber("keyRotationPeriodInDays", { min: 90, max: 2560 });
  const deletionWindowInDays = config.getNumber("keyDeletionWindowInDays", { min: 7, max: 30 });
  return {
    namePrefix,
    regions,
    workspaces,
    key: {
      multiRegion: config.getBoolean("multiRegionKey") ?? DEFAULTS.multiRegionKey,
      administrators,
      enableRotation: config.getBoolean("enableKeyRotation") ?? DEFAULTS.enableKeyRotation,
      rotationPeriodInDays: rotationPeriodInDays ?? DEFAULTS.keyRotationPeriodInDays,
      deletionWindowInDays: deletionWindowInDays ?? DEFAULTS.keyDeletionWindowInDays,
    },
    tags: tagMap(config.getObject<unknown>("tags") ?? {}, "tags"),
  };
}

function workspaceDefinition(
  raw: unknown,
  index: number,
  stackRegions: readonly string[],
  namePrefix: string,
): WorkspaceDefinition {
  const key = `workspaces[${index}]`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError(key, "is not an object", "Write `{ name: my-workspace, ... }`.");
  const w = raw as Record<string, unknown>;
  if (typeof w.name !== "string" || !NAME.test(w.name))
    throw new ConfigError(`${key}.name`, "is not 1-32 letters, digits, `-` or `_`", "Set a short name.");
  if (namePrefix.length + 1 + w.name.length + ROLE_SUFFIX_LENGTH > 64)
    throw new ConfigError(
      `${key}.name`,
      "makes IAM role names longer than 64 characters",
      "Shorten it or `namePrefix`.",
    );
  const version = w.version ?? DEFAULTS.version;
  if (version !== "V1" && version !== "V2")
    throw new ConfigError(
      `${key}.version`,
      "is neither V1 nor V2",
      "Use V1 (Bedrock Studio) or V2 (Bedrock IDE).",
    );
  const regions = w.regions === undefined ? stackRegions : stringList(w.regions, `${key}.regions`);
  for (const region of regions) {
    if (!stackRegions.includes(region))
      throw new ConfigError(
        `${key}.regions`,
        "names a region not in `regions`",
        "Add it to `regions` first.",
      );
  }
  const kmsKey = w.kmsKey ?? "stack";
  if (kmsKey !== "stack" && kmsKey !== "none" && kmsKey !== "aws-managed")
    throw new ConfigError(`${key}.kmsKey`, "is not stack, none or aws-managed", "Leave it out (stack).");
  return {
    name: w.name,
    description:
      typeof w.description === "string"
        ? w.description
        : `${version === "V2" ? "SageMaker Unified Studio" : "Bedrock Studio"} workspace ${w.name}`,
    version,
    tags: tagMap(w.tags ?? {}, `${key}.tags`),
    regions,
    blueprints:
      w.blueprints === undefined
        ? DEFAULT_BLUEPRINTS[version]
        : stringList(w.blueprints, `${key}.blueprints`),
    roles: existingRoles(w.roles ?? {}, `${key}.roles`),
    kmsKey,
  };
}

function existingRoles(raw: unknown, key: string): ExistingRoles {
  const roles = stringMap(raw, key);
  const allowed = ["executionRoleArn", "serviceRoleArn", "provisioningRoleArn"];
  for (const [name, arn] of Object.entries(roles)) {
    if (!allowed.includes(name))
      throw new ConfigError(`${key}.${name}`, "is not a known role", `Use ${allowed.join(", ")}.`);
    if (!IAM_ROLE_ARN.test(arn))
      throw new ConfigError(
        `${key}.${name}`,
        "is not an IAM role ARN",
        "Use `arn:aws:iam::<account>:role/<name>`.",
      );
  }
  return roles;
}

function stringList(raw: unknown, key: string): string[] {
  if (!Array.isArray(raw) || raw.some((item) => typeof item !== "string"))
    throw new ConfigError(key, "is not a list of strings", "Write a YAML list of strings.");
  return raw as string[];
}

function stringMap(raw: unknown, key: string): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError(key, "is not a map", "Write a YAML map of strings.");
  const entries = Object.entries(raw);
  for (const [name, value] of entries) {
    if (typeof value !== "string")
      throw new ConfigError(`${key}.${name}`, "is not a string", "Quote the value.");
  }
  // A fresh map of own entries: a tag named `toString` or `__proto__` is data, never a prototype read.
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * A tag map: any key AWS accepts is data (`toString`, `constructor`, Unicode; see ./tags.ts),
 * except `__proto__`, which @pulumi/pulumi's serialization of inputs (3.248 to 3.276: `output()` and
 * `serializeProperty` copy a map key by key with `copy[key] = value`) drops without a word: the
 * resource would be created without that tag, so the program says so instead.
 */
function tagMap(raw: unknown, key: string): Record<string, string> {
  const tags = stringMap(raw, key);
  if (Object.hasOwn(tags, "__proto__"))
    throw new ConfigError(
      `${key}.__proto__`,
      "is a tag key that Pulumi's Node.js SDK cannot send (it drops it while serializing the map)",
      "Remove it here and set the tag after deployment (`aws datazone tag-resource`, or the console).",
    );
  return tags;
}

/** A configuration mistake, named by its key; the message says what to change. */
export class ConfigError extends Error {
  constructor(key: string, problem: string, fix: string) {
    super(`Config \`${key}\` ${problem}. ${fix}`);
    this.name = "ConfigError";
  }
}
