/**
 * Sample stack: Bedrock workspaces encrypted with customer-managed KMS keys, declared from config
 * (see Pulumi.yaml). By default one SageMaker Unified Studio domain (DataZone V2), where AWS's Bedrock
 * getting-started page now leads (Bedrock IDE); V1 Bedrock Studio domains on request (`version: V1`). One explicit provider per region; one key per region, or one multi-region
 * primary key with replicas; one set of IAM roles per workspace (IAM is global).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BedrockWorkspace } from "./bedrock-workspace";
import { ContinuousDetection, detectionSettings } from "./continuous-detection";
import { loadSettings, type WorkspaceDefinition } from "./config";
import { WorkspaceKey } from "./workspace-key";
import { WorkspaceRoles } from "./workspace-roles";

/** The AWS-managed DataZone key's alias: only the `kmsKey: aws-managed` demonstration uses it. */
const AWS_MANAGED_DATAZONE_KEY = "alias/aws/datazone";

const settings = loadSettings();

const providers = new Map(
  settings.regions.map((region) => [region, new aws.Provider(`aws-${region}`, { region })] as const),
);
const homeProvider = providers.get(settings.regions[0])!;
const accountId = aws.getCallerIdentityOutput({}, { provider: homeProvider }).accountId;
const partition = aws.getPartitionOutput({}, { provider: homeProvider }).partition;

const roles = new Map(
  settings.workspaces.map((workspace) => [
    workspace.name,
    new WorkspaceRoles(
      `${workspace.name}-roles`,
      {
        namePrefix: settings.namePrefix,
        workspaceName: workspace.name,
        version: workspace.version,
        accountId,
        partition,
        existing: workspace.roles,
        tags: settings.tags,
      },
      { provider: providers.get(workspace.regions[0]) },
    ),
  ]),
);

/** Workspaces that use the stack's key in a region: their roles are the key's only users. */
function keyUsers(region: string): WorkspaceDefinition[] {
  return settings.workspaces.filter((w) => w.kmsKey === "stack" && w.regions.includes(region));
}

const keyRegions = settings.regions.filter((region) => keyUsers(region).length > 0);
const keys = new Map<string, WorkspaceKey>();
for (const region of keyRegions) {
  const users = keyUsers(region).map((w) => roles.get(w.name)!);
  const primary = settings.key.multiRegion && keys.size > 0 ? keys.get(keyRegions[0]) : undefined;
  keys.set(
    region,
    new WorkspaceKey(
      `workspace-key-${region}`,
      {
        region,
        accountId,
        partition,
        aliasName: `${settings.namePrefix}-workspaces`,
        description: `Customer-managed key for Bedrock workspaces in ${region} (Bedrock-006)`,
        administratorArns: settings.key.administrators,
        userRoleArns: pulumi.all(users.map((r) => r.principalArns)).apply((arns) => arns.flat()),
        multiRegion: settings.key.multiRegion,
        primaryKeyArn: primary?.arn,
        enableKeyRotation: settings.key.enableRotation,
        rotationPeriodInDays: settings.key.rotationPeriodInDays,
        deletionWindowInDays: settings.key.deletionWindowInDays,
        tags: settings.tags,
      },
      // KMS rejects a key policy naming roles that do not exist yet.
      { provider: providers.get(region), dependsOn: users },
    ),
  );
}

function kmsKeyFor(workspace: WorkspaceDefinition, region: string): pulumi.Input<string> | undefined {
  switch (workspace.kmsKey) {
    case "stack":
      return keys.get(region)!.arn;
    case "aws-managed":
      return AWS_MANAGED_DATAZONE_KEY;
    case "none":
      return undefined;
  }
}

const deployed = settings.workspaces.flatMap((workspace) =>
  workspace.regions.map((region) => {
    const workspaceRoles = roles.get(workspace.name)!;
    const instance = new BedrockWorkspace(
      `${workspace.name}-${region}`,
      {
        name: workspace.name,
        description: workspace.description,
        version: workspace.version,
        kmsKeyArn: kmsKeyFor(workspace, region),
        executionRoleArn: workspaceRoles.executionRoleArn,
        serviceRoleArn: workspaceRoles.serviceRoleArn,
        provisioningRoleArn: workspaceRoles.provisioningRoleArn,
        blueprints: workspace.blueprints,
        enabledRegions: [region],
        tags: { ...settings.tags, ...workspace.tags },
      },
      { provider: providers.get(region) },
    );
    return { workspace: workspace.name, region, instance };
  }),
);

/** Per workspace and region: the domain id and the portal URL people sign in to. */
export const workspaces = Object.fromEntries(
  settings.workspaces.map((w) => [
    w.name,
    Object.fromEntries(
      deployed
        .filter((d) => d.workspace === w.name)
        .map((d) => [d.region, { domainId: d.instance.domainId, portalUrl: d.instance.portalUrl }]),
    ),
  ]),
);

/** Per region: the ARN of the workspaces' customer-managed key. */
export const keyArns = Object.fromEntries([...keys].map(([region, key]) => [region, key.arn]));

/** Per workspace: the ARNs of its roles (created or reused). */
export const roleArns = Object.fromEntries(
  [...roles].map(([name, r]) => [
    name,
    {
      executionRoleArn: r.executionRoleArn,
      ...(r.serviceRoleArn ? { serviceRoleArn: r.serviceRoleArn } : {}),
      provisioningRoleArn: r.provisioningRoleArn,
    },
  ]),
);

/** The AWS Config rule that keeps judging the account (or organization) after deployment: off by default. */
const detection = detectionSettings();
const detector =
  detection.mode === "off"
    ? undefined
    : new ContinuousDetection(
        "continuous-detection",
        {
          ...detection,
          mode: detection.mode,
          namePrefix: settings.namePrefix,
          region: settings.regions[0],
          accountId,
          partition,
          tags: settings.tags,
        },
        { provider: homeProvider },
      );
/** The rule's name and the function's role (which member accounts' roles trust), when detection is on. */
export const detectionRule = detector && { ruleName: detector.ruleName, functionRoleArn: detector.roleArn };
