import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsInput } from "./tags";

/** The tag AWS's Bedrock Studio roles and permissions boundary require on a key before they may use it. */
export const BEDROCK_KEY_TAG = { EnableBedrock: "true" } as const;

export interface WorkspaceKeyArgs {
  /** The key's region (its provider's region); used in the key policy's service conditions. */
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  /** Alias name without `alias/`, e.g. `bedrock-studio-workspaces`. Must not start with `aws/`. */
  readonly aliasName: string;
  readonly description: string;
  /** Principals (ARNs) that administer the key but cannot use it to encrypt or decrypt. */
  readonly administratorArns: readonly string[];
  /** The workspaces' service (execution) and provisioning roles: the only principals that use the key. */
  readonly userRoleArns: pulumi.Input<readonly pulumi.Input<string>[]>;
  /** Create a multi-region primary key (its replicas are other WorkspaceKeys with `primaryKeyArn`). */
  readonly multiRegion?: boolean;
  /** Make this key a replica of a multi-region primary key (rotation follows the primary). */
  readonly primaryKeyArn?: pulumi.Input<string>;
  /** Only `false` to demonstrate the guard: automatic rotation is part of a fit key. */
  readonly enableKeyRotation?: boolean;
  readonly rotationPeriodInDays?: number;
  readonly deletionWindowInDays?: number;
  readonly tags?: Record<string, string>;
}

/**
 * A customer-managed symmetric KMS key for Bedrock Studio workspaces in one region: rotation on,
 * 30-day deletion window, tagged `EnableBedrock=true`, an alias, and a least-privilege key policy.
 */
export class WorkspaceKey extends pulumi.ComponentResource {
  /** The key ARN: the only form a DataZone domain's `kmsKeyIdentifier` accepts. */
  readonly arn: pulumi.Output<string>;
  readonly keyId: pulumi.Output<string>;
  readonly alias: aws.kms.Alias;

  constructor(name: string, args: WorkspaceKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bedrock-cmk-guard:sample:WorkspaceKey", name, {}, opts);
    if (args.aliasName.startsWith("aws/")) {
      throw new Error(`WorkspaceKey ${name}: alias names under aws/ are reserved for AWS-managed keys.`);
    }
    const policy = pulumi.jsonStringify(workspaceKeyPolicy(args));
    const common = {
      description: args.description,
      policy,
      deletionWindowInDays: args.deletionWindowInDays ?? 30,
      tags: tagsInput({ ...args.tags, ...BEDROCK_KEY_TAG }),
    };
    const childOpts = { parent: this };
    const rotation = args.enableKeyRotation ?? true;
    const key =
      args.primaryKeyArn === undefined
        ? new aws.kms.Key(
            name,
            {
              ...common,
              keyUsage: "ENCRYPT_DECRYPT",
              customerMasterKeySpec: "SYMMETRIC_DEFAULT",
              isEnabled: true,
              enableKeyRotation: rotation,
              // A rotation period is only valid with rotation on.
              rotationPeriodInDays: rotation ? (args.rotationPeriodInDays ?? 365) : undefined,
              multiRegion: args.multiRegion ?? false,
            },
            childOpts,
          )
        : new aws.kms.ReplicaKey(
            name,
            { ...common, primaryKeyArn: args.primaryKeyArn, enabled: true },
            childOpts,
          );
    this.arn = key.arn;
    this.keyId = key.keyId;
    this.alias = new aws.kms.Alias(
      name,
      { name: `alias/${args.aliasName}`, targetKeyId: key.keyId },
      childOpts,
    );
    this.registerOutputs({ arn: this.arn, keyId: this.keyId, aliasName: this.alias.name });
  }
}

/** Actions that manage a key without being able to use it (AWS's "key administrators" set). */
const ADMINISTRATION_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
];
const CRYPTOGRAPHIC_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:DescribeKey",
];
const GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/**
 * The key policy, as typed statements. Every statement names its principals; none uses `*`.
 * The workspace roles may create grants only for AWS resources (`kms:GrantIsForAWSResource`) through
 * DataZone or Bedrock in the key's region (`kms:ViaService`); the DataZone and Bedrock service
 * principals act only on behalf of this account (`aws:SourceAccount`, confused-deputy protection).
 */
export function workspaceKeyPolicy(args: WorkspaceKeyArgs): aws.iam.PolicyDocument {
  const accountRoot = pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:root`;
  const viaServices = ["datazone", "bedrock"].map((service) => `${service}.${args.region}.amazonaws.com`);
  const statements: aws.iam.PolicyStatement[] = [
    {
      // The account keeps control of the key, so it can never become unmanageable.
      Sid: "AccountRootAdministers",
      Effect: "Allow",
      Principal: { AWS: accountRoot },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (args.administratorArns.length > 0) {
    statements.push({
      Sid: "KeyAdministrators",
      Effect: "Allow",
      Principal: { AWS: [...args.administratorArns] },
      Action: ADMINISTRATION_ACTIONS,
      Resource: "*",
    });
  }
  statements.push(
    {
      Sid: "WorkspaceRolesUseTheKey",
      Effect: "Allow",
      Principal: { AWS: pulumi.output(args.userRoleArns).apply((arns) => [...arns]) },
      Action: CRYPTOGRAPHIC_ACTIONS,
      Resource: "*",
    },
    {
      Sid: "WorkspaceRolesGrantToAwsResourcesOnly",
      Effect: "Allow",
      Principal: { AWS: pulumi.output(args.userRoleArns).apply((arns) => [...arns]) },
      Action: GRANT_ACTIONS,
      Resource: "*",
      Condition: {
        Bool: { "kms:GrantIsForAWSResource": "true" },
        StringEquals: { "kms:ViaService": viaServices },
      },
    },
    {
      Sid: "BedrockStudioServicesForThisAccountOnly",
      Effect: "Allow",
      Principal: { Service: ["datazone.amazonaws.com", "bedrock.amazonaws.com"] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
    },
  );
  return { Version: "2012-10-17", Statement: statements };
}
