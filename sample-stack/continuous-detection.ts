/**
 * ContinuousDetection: the bedrock-cmk-guard AWS Config custom rule (the bundled handler of
 * detection/, built by `npm run build`) with its least-privilege role, its own customer-managed
 * key for the function's environment and logs, the permission for AWS Config to invoke it, and
 * either an account rule (`aws.cfg.Rule`, CUSTOM_LAMBDA) or, from an organization's management or
 * delegated administrator account, an organization rule (`aws.cfg.OrganizationCustomRule`) whose
 * function assumes `memberRoleName` in each member account. Off unless `continuousDetection` is
 * set (see Pulumi.yaml and docs/continuous-detection.md).
 */
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsInput } from "./tags";
import { ConfigError } from "./config";

export type DetectionMode = "off" | "account" | "organization";

/** How often AWS Config runs the rule, in its own terms. */
export const DETECTION_FREQUENCIES = [
  "One_Hour",
  "Three_Hours",
  "Six_Hours",
  "Twelve_Hours",
  "TwentyFour_Hours",
] as const;
export type DetectionFrequency = (typeof DETECTION_FREQUENCIES)[number];

export interface DetectionSettings {
  readonly mode: DetectionMode;
  readonly frequency: DetectionFrequency;
  /** Organization mode: the role each member account holds for the function to assume. */
  readonly memberRoleName: string;
}

/** Reads `continuousDetection`, `detectionFrequency` and `detectionMemberRoleName` (declared in Pulumi.yaml). */
export function detectionSettings(config = new pulumi.Config()): DetectionSettings {
  const mode = config.get("continuousDetection") ?? "off";
  if (mode !== "off" && mode !== "account" && mode !== "organization")
    throw new ConfigError(
      "continuousDetection",
      `is ${JSON.stringify(mode)}`,
      "Use off, account or organization.",
    );
  const frequency = config.get("detectionFrequency") ?? "TwentyFour_Hours";
  if (!(DETECTION_FREQUENCIES as readonly string[]).includes(frequency))
    throw new ConfigError(
      "detectionFrequency",
      `is ${JSON.stringify(frequency)}`,
      `Use one of ${DETECTION_FREQUENCIES.join(", ")}.`,
    );
  const memberRoleName = config.get("detectionMemberRoleName") ?? "BedrockCmkGuardDetection";
  if (!/^[\w+=,.@-]{1,64}$/.test(memberRoleName))
    throw new ConfigError(
      "detectionMemberRoleName",
      "is not an IAM role name",
      "Use 1-64 letters, digits or +=,.@_-.",
    );
  return { mode: mode as DetectionMode, frequency: frequency as DetectionFrequency, memberRoleName };
}

export interface ContinuousDetectionArgs {
  readonly mode: Exclude<DetectionMode, "off">;
  readonly frequency: DetectionFrequency;
  readonly memberRoleName: string;
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  /** The pack config (the JSON of `--policy-pack-config`) the rule judges with; default: the pack's defaults. */
  readonly packConfig?: string;
  /** Organization mode: accounts the rule is not deployed to. */
  readonly excludedAccounts?: readonly string[];
  readonly logRetentionInDays?: number;
  readonly tags?: Record<string, string>;
}

/** The bundled handler `npm run build:detection` writes. */
const BUNDLE = path.resolve(__dirname, "..", "dist", "detection", "index.js");
/**
 * The read-only calls the bundled function makes (the audit's readers and the KMS facts module),
 * as the bundle itself lists them: the role grants exactly what the function's code reads with.
 */
function readActions(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require(BUNDLE) as { READ_PERMISSIONS?: unknown };
  const actions = bundle.READ_PERMISSIONS;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === "string"))
    throw new Error(`${BUNDLE} does not list its read permissions: rebuild it with \`npm run build\``);
  return actions as string[];
}
/** What the rule reports with: its evaluations, and its earlier ones (to retire deleted resources). */
const CONFIG_ACTIONS = ["config:PutEvaluations", "config:GetComplianceDetailsByConfigRule"];

export class ContinuousDetection extends pulumi.ComponentResource {
  readonly functionArn: pulumi.Output<string>;
  /** The function's role: the principal each member account's role trusts (organization mode). */
  readonly roleArn: pulumi.Output<string>;
  readonly ruleName: pulumi.Output<string>;

  constructor(name: string, args: ContinuousDetectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bedrock-cmk-guard:sample:ContinuousDetection", name, {}, opts);
    const parent = { parent: this };
    const functionName = `${args.namePrefix}-cmk-guard-detection`;
    const ruleName = `${args.namePrefix}-cmk-guard`;
    const logGroupName = `/aws/lambda/${functionName}`;
    const accountRoot = pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:root`;
    const logGroupArn = pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:${logGroupName}`;

    const keyPolicy = aws.iam.getPolicyDocumentOutput(
      {
        statements: [
          {
            sid: "AccountRootAdministers",
            principals: [{ type: "AWS", identifiers: [accountRoot] }],
            actions: ["kms:*"],
            resources: ["*"],
          },
          {
            sid: "LogsEncryptTheFunctionLogGroupOnly",
            principals: [{ type: "Service", identifiers: [`logs.${args.region}.amazonaws.com`] }],
            actions: [
              "kms:Encrypt*",
              "kms:Decrypt*",
              "kms:ReEncrypt*",
              "kms:GenerateDataKey*",
              "kms:Describe*",
            ],
            resources: ["*"],
            conditions: [
              { test: "ArnEquals", variable: "kms:EncryptionContext:aws:logs:arn", values: [logGroupArn] },
            ],
          },
        ],
      },
      parent,
    );
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: "bedrock-cmk-guard continuous detection: the function's environment and logs",
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: keyPolicy.json,
        tags: tagsInput(args.tags),
      },
      parent,
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      { name: `alias/${args.namePrefix}-cmk-guard-detection`, targetKeyId: key.keyId },
      parent,
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: logGroupName,
        kmsKeyId: key.arn,
        retentionInDays: args.logRetentionInDays ?? 90,
        tags: tagsInput(args.tags),
      },
      parent,
    );

    const trust = aws.iam.getPolicyDocumentOutput(
      {
        statements: [
          {
            actions: ["sts:AssumeRole"],
            principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
            conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [args.accountId] }],
          },
        ],
      },
      parent,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      { name: `${functionName}`, assumeRolePolicy: trust.json, tags: tagsInput(args.tags) },
      parent,
    );
    const statements: aws.types.input.iam.GetPolicyDocumentStatementArgs[] = [
      {
        sid: "Logs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [pulumi.interpolate`${logGroupArn}:*`],
      },
      { sid: "EnvironmentKey", actions: ["kms:Decrypt"], resources: [key.arn] },
    ];
    if (args.mode === "account") {
      statements.push(
        // The list and get calls take no resource narrower than the account's: `*` as AWS documents for them.
        { sid: "ReadBedrockAndKeys", actions: readActions(), resources: ["*"] },
        { sid: "ReportToConfig", actions: CONFIG_ACTIONS, resources: ["*"] },
      );
    } else {
      // Reads and reports happen in each member account, through the role it holds.
      statements.push({
        sid: "AssumeTheMemberRole",
        actions: ["sts:AssumeRole"],
        resources: [pulumi.interpolate`arn:${args.partition}:iam::*:role/${args.memberRoleName}`],
      });
    }
    new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.id, policy: aws.iam.getPolicyDocumentOutput({ statements }, parent).json },
      parent,
    );

    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        runtime: "nodejs22.x",
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(BUNDLE) }),
        role: role.arn,
        timeout: 300,
        memorySize: 512,
        kmsKeyArn: key.arn,
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        environment: {
          variables: {
            ...(args.packConfig === undefined ? {} : { BEDROCK_CMK_GUARD_PACK_CONFIG: args.packConfig }),
            ...(args.mode === "organization" ? { DETECTION_MEMBER_ROLE_NAME: args.memberRoleName } : {}),
          },
        },
        tags: tagsInput(args.tags),
      },
      { parent: this, dependsOn: [logGroup] },
    );
    const permission = new aws.lambda.Permission(
      `${name}-config-invokes`,
      {
        action: "lambda:InvokeFunction",
        function: fn.name,
        principal: "config.amazonaws.com",
        // Account rule: only this account's AWS Config. An organization rule is invoked by every member's.
        ...(args.mode === "account" ? { sourceAccount: args.accountId } : {}),
      },
      parent,
    );
    const triggers = { frequency: args.frequency, changedTypes: ["AWS::KMS::Key"] };
    if (args.mode === "account") {
      const rule = new aws.cfg.Rule(
        `${name}-rule`,
        {
          name: ruleName,
          description:
            "Bedrock workspaces and data stores use a fit customer-managed KMS key (bedrock-cmk-guard)",
          source: {
            owner: "CUSTOM_LAMBDA",
            sourceIdentifier: fn.arn,
            sourceDetails: [
              {
                eventSource: "aws.config",
                messageType: "ScheduledNotification",
                maximumExecutionFrequency: triggers.frequency,
              },
              { eventSource: "aws.config", messageType: "ConfigurationItemChangeNotification" },
              { eventSource: "aws.config", messageType: "OversizedConfigurationItemChangeNotification" },
            ],
          },
          scope: { complianceResourceTypes: triggers.changedTypes },
          tags: tagsInput(args.tags),
        },
        { parent: this, dependsOn: [permission] },
      );
      this.ruleName = rule.name;
    } else {
      const rule = new aws.cfg.OrganizationCustomRule(
        `${name}-rule`,
        {
          name: ruleName,
          description:
            "Bedrock workspaces and data stores use a fit customer-managed KMS key (bedrock-cmk-guard)",
          lambdaFunctionArn: fn.arn,
          triggerTypes: [
            "ScheduledNotification",
            "ConfigurationItemChangeNotification",
            "OversizedConfigurationItemChangeNotification",
          ],
          maximumExecutionFrequency: triggers.frequency,
          resourceTypesScopes: triggers.changedTypes,
          ...(args.excludedAccounts === undefined ? {} : { excludedAccounts: [...args.excludedAccounts] }),
        },
        { parent: this, dependsOn: [permission] },
      );
      this.ruleName = rule.name;
    }
    this.functionArn = fn.arn;
    this.roleArn = role.arn;
    this.registerOutputs({ functionArn: this.functionArn, roleArn: this.roleArn, ruleName: this.ruleName });
  }
}
