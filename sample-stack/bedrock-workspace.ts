import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsInput } from "./tags";
import type { DomainVersion } from "./config";

export interface BedrockWorkspaceArgs {
  /** The domain's name. */
  readonly name: string;
  readonly description: string;
  /** V1 = Bedrock Studio (default); V2 = Bedrock IDE in SageMaker Unified Studio. */
  readonly version?: DomainVersion;
  /**
   * ARN of the customer-managed key (`WorkspaceKey.arn`). DataZone accepts only a key ARN, and only at
   * creation: changing it replaces the domain.
   */
  readonly kmsKeyArn: pulumi.Input<string> | undefined;
  /** The domain's `domainExecutionRole` (Bedrock Studio's service role). */
  readonly executionRoleArn: pulumi.Input<string>;
  /** Required for V2: the domain's `serviceRole`. */
  readonly serviceRoleArn?: pulumi.Input<string>;
  /** The role the blueprint configurations provision environments with. */
  readonly provisioningRoleArn: pulumi.Input<string>;
  /** Managed environment blueprints to enable. */
  readonly blueprints: readonly string[];
  /** Regions the blueprints are enabled in (the domain's own region). */
  readonly enabledRegions: readonly string[];
  readonly tags?: Record<string, string>;
}

/**
 * A Bedrock Studio workspace (an Amazon DataZone domain) encrypted with a customer-managed key, with
 * the Bedrock environment blueprints enabled through the provisioning role.
 */
export class BedrockWorkspace extends pulumi.ComponentResource {
  readonly domain: aws.datazone.Domain;
  readonly domainId: pulumi.Output<string>;
  readonly portalUrl: pulumi.Output<string>;
  readonly blueprintConfigurations: aws.datazone.EnvironmentBlueprintConfiguration[];

  constructor(name: string, args: BedrockWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bedrock-cmk-guard:sample:BedrockWorkspace", name, {}, opts);
    const version = args.version ?? "V1";
    if (version === "V2" && args.serviceRoleArn === undefined) {
      throw new Error(`BedrockWorkspace ${name}: a V2 domain needs serviceRoleArn.`);
    }
    this.domain = new aws.datazone.Domain(
      name,
      {
        name: args.name,
        description: args.description,
        domainVersion: version,
        kmsKeyIdentifier: args.kmsKeyArn,
        domainExecutionRole: args.executionRoleArn,
        serviceRole: version === "V2" ? args.serviceRoleArn : undefined,
        tags: tagsInput(args.tags),
      },
      // The API cannot change a domain's key; without this the provider would only report drift.
      { parent: this, replaceOnChanges: ["kmsKeyIdentifier"] },
    );
    this.domainId = this.domain.id;
    this.portalUrl = this.domain.portalUrl;
    this.blueprintConfigurations = args.blueprints.map((blueprintName) => {
      const blueprint = aws.datazone.getEnvironmentBlueprintOutput(
        { domainId: this.domain.id, name: blueprintName, managed: true },
        { parent: this },
      );
      return new aws.datazone.EnvironmentBlueprintConfiguration(
        `${name}-${blueprintName}`,
        {
          domainId: this.domain.id,
          environmentBlueprintId: blueprint.id,
          provisioningRoleArn: args.provisioningRoleArn,
          enabledRegions: [...args.enabledRegions],
        },
        { parent: this },
      );
    });
    this.registerOutputs({ domainId: this.domainId, portalUrl: this.portalUrl });
  }
}
