import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsInput } from "./tags";
import type { DomainVersion, ExistingRoles } from "./config";
import { BEDROCK_KEY_TAG } from "./workspace-key";

export interface WorkspaceRolesArgs {
  /** Role names are `<namePrefix>-<workspaceName>-<role>`. */
  readonly namePrefix: string;
  readonly workspaceName: string;
  readonly version: DomainVersion;
  readonly accountId: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  /** Roles to reuse (e.g. those of the workspace being replaced); each one given is not created. */
  readonly existing?: ExistingRoles;
  readonly tags?: Record<string, string>;
}

/** Which role of a workspace. */
type RoleKind = "execution" | "service" | "provisioning";

/**
 * The IAM roles a workspace needs: the domain's `domainExecutionRole`, for V2 the domain's
 * `serviceRole`, and the provisioning role the blueprint configurations use. Each trusts only
 * `datazone.amazonaws.com` acting for this account (`aws:SourceAccount`, confused-deputy protection).
 * V2 follows SageMaker Unified Studio's admin guide: the AmazonSageMakerDomainExecution role's trust
 * policy and managed policy
 * (https://docs.aws.amazon.com/sagemaker-unified-studio/latest/adminguide/AmazonSageMakerDomainExecution.html),
 * and the managed policies AWS names for the service and provisioning roles.
 */
export class WorkspaceRoles extends pulumi.ComponentResource {
  readonly executionRoleArn: pulumi.Output<string>;
  /** Only for V2 domains. */
  readonly serviceRoleArn?: pulumi.Output<string>;
  readonly provisioningRoleArn: pulumi.Output<string>;
  /**
   * The same roles' ARNs computed from account and role name, so they are known during preview:
   * key policies name them without waiting for the roles to exist (depend on this component instead).
   */
  readonly principalArns: pulumi.Output<string[]>;

  constructor(name: string, args: WorkspaceRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bedrock-cmk-guard:sample:WorkspaceRoles", name, {}, opts);
    const kinds: RoleKind[] =
      args.version === "V2" ? ["execution", "service", "provisioning"] : ["execution", "provisioning"];
    const arns = new Map<RoleKind, { arn: pulumi.Output<string>; principal: pulumi.Output<string> }>();
    for (const kind of kinds) {
      const existing = existingArn(args.existing, kind);
      if (existing !== undefined) {
        arns.set(kind, { arn: pulumi.output(existing), principal: pulumi.output(existing) });
        continue;
      }
      const roleName = `${args.namePrefix}-${args.workspaceName}-${kind}`;
      const role = new aws.iam.Role(
        `${name}-${kind}`,
        {
          name: roleName,
          description: `Bedrock workspace ${args.workspaceName} (${args.version}): ${DESCRIPTIONS[kind]}`,
          assumeRolePolicy: pulumi.jsonStringify(trustPolicy(kind, args)),
          tags: tagsInput(args.tags),
        },
        { parent: this },
      );
      attachPermissions(`${name}-${kind}`, kind, role, args, this);
      arns.set(kind, {
        arn: role.arn,
        principal: pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:role/${roleName}`,
      });
    }
    this.executionRoleArn = arns.get("execution")!.arn;
    this.serviceRoleArn = arns.get("service")?.arn;
    this.provisioningRoleArn = arns.get("provisioning")!.arn;
    this.principalArns = pulumi.all([...arns.values()].map((a) => a.principal));
    this.registerOutputs({
      executionRoleArn: this.executionRoleArn,
      serviceRoleArn: this.serviceRoleArn,
      provisioningRoleArn: this.provisioningRoleArn,
    });
  }
}

const DESCRIPTIONS: Record<RoleKind, string> = {
  execution: "service role (domain execution role) that DataZone assumes",
  service: "domain service role (V2)",
  provisioning: "provisioning role for the Bedrock environment blueprints",
};

function existingArn(existing: ExistingRoles | undefined, kind: RoleKind): string | undefined {
  if (kind === "execution") return existing?.executionRoleArn;
  if (kind === "service") return existing?.serviceRoleArn;
  return existing?.provisioningRoleArn;
}

/**
 * AWS's documented trust policies: DataZone, for this account only. The execution role also lets
 * DataZone tag its session with `datazone*` keys (and, for V2, set context), exactly as the
 * AmazonSageMakerDomainExecution page shows it. No `aws:SourceArn`: the domain's ARN does not exist
 * before the roles it needs, and AWS's documented trust policies use `aws:SourceAccount`.
 */
export function trustPolicy(kind: RoleKind, args: WorkspaceRolesArgs): aws.iam.PolicyDocument {
  const forThisAccount = { StringEquals: { "aws:SourceAccount": args.accountId } };
  if (kind !== "execution") {
    return {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DataZoneForThisAccount",
          Effect: "Allow",
          Principal: { Service: "datazone.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: forThisAccount,
        },
      ],
    };
  }
  const actions = ["sts:AssumeRole", "sts:TagSession", ...(args.version === "V2" ? ["sts:SetContext"] : [])];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DataZoneForThisAccount",
        Effect: "Allow",
        Principal: { Service: "datazone.amazonaws.com" },
        Action: actions,
        Condition: { ...forThisAccount, "ForAllValues:StringLike": { "aws:TagKeys": "datazone*" } },
      },
    ],
  };
}

/** AWS-managed policies AWS attaches to the V2 (SageMaker Unified Studio) roles. */
const V2_MANAGED_POLICIES: Record<RoleKind, string> = {
  execution: "service-role/SageMakerStudioDomainExecutionRolePolicy",
  service: "service-role/SageMakerStudioDomainServiceRolePolicy",
  provisioning: "service-role/SageMakerStudioProjectProvisioningRolePolicy",
};

/** The boundary AWS requires on every role that Bedrock Studio's provisioning creates. */
const BEDROCK_STUDIO_BOUNDARY = "AmazonBedrockStudioPermissionsBoundary";

function attachPermissions(
  name: string,
  kind: RoleKind,
  role: aws.iam.Role,
  args: WorkspaceRolesArgs,
  parent: pulumi.Resource,
): void {
  if (args.version === "V2") {
    new aws.iam.RolePolicyAttachment(
      name,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${V2_MANAGED_POLICIES[kind]}`,
      },
      { parent },
    );
    return;
  }
  // Bedrock Studio (V1) has no AWS-managed policies for these roles; AWS documents inline ones.
  new aws.iam.RolePolicy(
    name,
    { role: role.name, policy: pulumi.jsonStringify(v1Permissions(kind, args)) },
    { parent },
  );
}

/**
 * Least-privilege V1 permissions: the parts that concern encryption and privilege boundaries. Keys
 * only when tagged `EnableBedrock=true` (as AWS's own Bedrock Studio policies require); roles the
 * provisioning role creates only with AWS's Bedrock Studio permissions boundary.
 */
export function v1Permissions(kind: RoleKind, args: WorkspaceRolesArgs): aws.iam.PolicyDocument {
  const arn = (service: string, resource: string, region = "*") =>
    pulumi.interpolate`arn:${args.partition}:${service}:${region}:${args.accountId}:${resource}`;
  const taggedKeys = arn("kms", "key/*");
  const useTaggedKeys: aws.iam.PolicyStatement[] = [
    {
      Sid: "UseKeysTaggedForBedrock",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: taggedKeys,
      Condition: { StringEquals: tagCondition() },
    },
    {
      Sid: "GrantTaggedKeysToAwsResources",
      Effect: "Allow",
      Action: ["kms:CreateGrant"],
      Resource: taggedKeys,
      Condition: { StringEquals: tagCondition(), Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
  ];
  if (kind === "execution") {
    return {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadThisAccountsDomains",
          Effect: "Allow",
          Action: ["datazone:Get*", "datazone:List*", "datazone:Search*"],
          Resource: arn("datazone", "domain/*"),
        },
        {
          Sid: "InvokeFoundationModels",
          Effect: "Allow",
          Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
          Resource: pulumi.interpolate`arn:${args.partition}:bedrock:*::foundation-model/*`,
        },
        ...useTaggedKeys,
      ],
    };
  }
  const boundary = pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${BEDROCK_STUDIO_BOUNDARY}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ProvisionDataZoneEnvironmentStacks",
        Effect: "Allow",
        Action: [
          "cloudformation:CreateStack",
          "cloudformation:UpdateStack",
          "cloudformation:DeleteStack",
          "cloudformation:DescribeStacks",
          "cloudformation:DescribeStackEvents",
          "cloudformation:GetTemplate",
        ],
        Resource: arn("cloudformation", "stack/DataZone-*"),
      },
      {
        Sid: "CreateRolesOnlyWithinTheBedrockStudioBoundary",
        Effect: "Allow",
        Action: [
          "iam:CreateRole",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:AttachRolePolicy",
          "iam:DetachRolePolicy",
        ],
        Resource: pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:role/*`,
        Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
      },
      ...useTaggedKeys,
    ],
  };
}

function tagCondition(): Record<string, string> {
  return Object.fromEntries(Object.entries(BEDROCK_KEY_TAG).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}
