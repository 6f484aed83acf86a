/**
 * What the audit reads in one account and region: Bedrock Studio workspaces (DataZone ListDomains,
 * every page, then GetDomain each), Bedrock agents, guardrails and custom models (list, then get
 * each: only the get answers carry the key). Each is returned in the property names of the Pulumi
 * resource that would create it, so the pack's rules read it as they read a stack.
 * Every service is read on its own: one that fails makes the scope incomplete, with the reason,
 * and the others are still read.
 */
import {
  familyOf,
  guardedType,
  type GuardedResourceType,
  type ResourceFamily,
} from "../../policy-pack/catalog/bedrock-resources";
import { awsErrorText, isRegionNotEnabled, urgently, type AwsSession, type Credentials } from "./aws-session";

/** The Pulumi type each AWS resource is created with (the catalog's tokens). */
export const AUDITED_TOKENS = {
  workspace: "aws:datazone/domain:Domain",
  agent: "aws:bedrock/agentAgent:AgentAgent",
  guardrail: "aws:bedrock/guardrail:Guardrail",
  customModel: "aws:bedrock/customModel:CustomModel",
} as const;

/** What the emitted stack config and import file need of a workspace, beyond its key. */
export interface WorkspaceDetails {
  readonly id: string;
  readonly description?: string;
  readonly domainVersion?: string;
  readonly domainExecutionRole?: string;
  readonly serviceRole?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface AuditedResource {
  readonly account: string;
  readonly region: string;
  readonly type: GuardedResourceType;
  readonly family: ResourceFamily;
  readonly name: string;
  readonly arn: string;
  /** The resource's properties as its Pulumi type names them (key, region, ...). */
  readonly props: Readonly<Record<string, unknown>>;
  readonly workspace?: WorkspaceDetails;
  /**
   * Environment blueprint configurations enabled in a Bedrock Studio (V1) workspace, which decide
   * whether its roles need the EnableBedrock key tag; absent when not read.
   */
  readonly blueprintConfigurations?: number;
}

/** One account × region, as read. */
export interface ScopeResult {
  readonly account: string;
  readonly region: string;
  /** `skipped`: the region is not enabled for the account (nothing to audit there). */
  readonly status: "read" | "incomplete" | "skipped";
  /** What could not be read, and why; or why the region was skipped. */
  readonly notes: readonly string[];
  readonly resources: readonly AuditedResource[];
}

export interface Scope {
  readonly account: string;
  readonly region: string;
  readonly credentials: Credentials;
}

/** Reads every page of a list: `next` answers one page and the token of the next. */
async function allPages<T>(
  next: (
    token: string | undefined,
  ) => Promise<{ items: readonly T[] | undefined; token: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  // Bounded: a list longer than this many pages is a broken paginator, not an account.
  for (let page = 0; page < 10_000; page++) {
    const answer = await urgently(() => next(token));
    items.push(...(answer.items ?? []));
    token = answer.token;
    if (token === undefined || token === "") return items;
  }
  throw new Error("more than 10000 pages: the list did not end");
}

/**
 * How many blueprint configurations a domain has, or undefined when they cannot be read: the
 * EnableBedrock rule then judges the workspace as if it used Bedrock blueprints (advisory).
 */
async function blueprintConfigurationCount(
  read: () => Promise<readonly unknown[]>,
): Promise<number | undefined> {
  try {
    return (await read()).length;
  } catch {
    return undefined;
  }
}

function typeOf(token: string): { type: GuardedResourceType; family: ResourceFamily } {
  const type = guardedType(token);
  const family = familyOf(token);
  if (type === undefined || family === undefined) throw new Error(`${token} is not in the catalog`);
  return { type, family };
}

/** A service's part of the scope: its resources, or why it could not be read. */
type Part =
  { readonly resources: AuditedResource[] } | { readonly failure: string; readonly notEnabled: boolean };

async function part(label: string, read: () => Promise<AuditedResource[]>): Promise<Part> {
  try {
    return { resources: await read() };
  } catch (error) {
    return { failure: `${label}: ${awsErrorText(error)}`, notEnabled: isRegionNotEnabled(error) };
  }
}

export async function readScope(
  session: AwsSession,
  scope: Scope,
  onResource: () => void,
): Promise<ScopeResult> {
  const options = session.clientOptions(scope.region, scope.credentials);
  const base = { account: scope.account, region: scope.region };
  const found = (resource: AuditedResource) => {
    onResource();
    return resource;
  };
  const parts = await Promise.all([
    part("DataZone (datazone:ListDomains, datazone:GetDomain)", async () => {
      const {
        DataZoneClient,
        ListDomainsCommand,
        GetDomainCommand,
        ListEnvironmentBlueprintConfigurationsCommand,
      } = await import("@aws-sdk/client-datazone");
      const client = new DataZoneClient(options);
      const summaries = await allPages(async (nextToken) => {
        const page = await client.send(new ListDomainsCommand({ maxResults: 25, nextToken }));
        return { items: page.items, token: page.nextToken };
      });
      const { type, family } = typeOf(AUDITED_TOKENS.workspace);
      return Promise.all(
        summaries.map(async (summary) => {
          const domain = await session.issue(() =>
            client.send(new GetDomainCommand({ identifier: summary.id })),
          );
          const tags = domain.tags ?? {};
          // Only a V1 (Bedrock Studio) workspace's roles need the EnableBedrock tag on its key.
          const blueprintConfigurations =
            domain.domainVersion === "V2"
              ? undefined
              : await blueprintConfigurationCount(() =>
                  allPages(async (nextToken) => {
                    const page = await session.issue(() =>
                      client.send(
                        new ListEnvironmentBlueprintConfigurationsCommand({
                          domainIdentifier: domain.id ?? summary.id,
                          maxResults: 50,
                          nextToken,
                        }),
                      ),
                    );
                    return { items: page.items, token: page.nextToken };
                  }),
                );
          return found({
            ...base,
            type,
            family,
            name: domain.name ?? summary.name ?? summary.id ?? "",
            arn: domain.arn ?? summary.arn ?? "",
            props: {
              name: domain.name,
              description: domain.description,
              kmsKeyIdentifier: domain.kmsKeyIdentifier,
              domainExecutionRole: domain.domainExecutionRole,
              serviceRole: domain.serviceRole,
              domainVersion: domain.domainVersion,
              tags,
              region: scope.region,
            },
            workspace: {
              id: domain.id ?? summary.id ?? "",
              ...(domain.description === undefined ? {} : { description: domain.description }),
              ...(domain.domainVersion === undefined ? {} : { domainVersion: domain.domainVersion }),
              ...(domain.domainExecutionRole === undefined
                ? {}
                : { domainExecutionRole: domain.domainExecutionRole }),
              ...(domain.serviceRole === undefined ? {} : { serviceRole: domain.serviceRole }),
              tags,
            },
            ...(blueprintConfigurations === undefined ? {} : { blueprintConfigurations }),
          });
        }),
      );
    }),
    part("Bedrock agents (bedrock:ListAgents, bedrock:GetAgent)", async () => {
      const { BedrockAgentClient, ListAgentsCommand, GetAgentCommand } =
        await import("@aws-sdk/client-bedrock-agent");
      const client = new BedrockAgentClient(options);
      const summaries = await allPages(async (nextToken) => {
        const page = await client.send(new ListAgentsCommand({ maxResults: 100, nextToken }));
        return { items: page.agentSummaries, token: page.nextToken };
      });
      const { type, family } = typeOf(AUDITED_TOKENS.agent);
      return Promise.all(
        summaries.map(async (summary) => {
          const { agent } = await session.issue(() =>
            client.send(new GetAgentCommand({ agentId: summary.agentId })),
          );
          return found({
            ...base,
            type,
            family,
            name: agent?.agentName ?? summary.agentName ?? "",
            arn: agent?.agentArn ?? "",
            props: {
              agentName: agent?.agentName,
              customerEncryptionKeyArn: agent?.customerEncryptionKeyArn,
              region: scope.region,
            },
          });
        }),
      );
    }),
    part("Bedrock guardrails (bedrock:ListGuardrails, bedrock:GetGuardrail)", async () => {
      const { BedrockClient, ListGuardrailsCommand, GetGuardrailCommand } =
        await import("@aws-sdk/client-bedrock");
      const client = new BedrockClient(options);
      const summaries = await allPages(async (nextToken) => {
        const page = await client.send(new ListGuardrailsCommand({ maxResults: 100, nextToken }));
        return { items: page.guardrails, token: page.nextToken };
      });
      const { type, family } = typeOf(AUDITED_TOKENS.guardrail);
      return Promise.all(
        summaries.map(async (summary) => {
          const guardrail = await session.issue(() =>
            client.send(new GetGuardrailCommand({ guardrailIdentifier: summary.id })),
          );
          return found({
            ...base,
            type,
            family,
            name: guardrail.name ?? summary.name ?? "",
            arn: guardrail.guardrailArn ?? summary.arn ?? "",
            props: { name: guardrail.name, kmsKeyArn: guardrail.kmsKeyArn, region: scope.region },
          });
        }),
      );
    }),
    part("Bedrock custom models (bedrock:ListCustomModels, bedrock:GetCustomModel)", async () => {
      const { BedrockClient, ListCustomModelsCommand, GetCustomModelCommand } =
        await import("@aws-sdk/client-bedrock");
      const client = new BedrockClient(options);
      const summaries = await allPages(async (nextToken) => {
        const page = await client.send(new ListCustomModelsCommand({ maxResults: 100, nextToken }));
        return { items: page.modelSummaries, token: page.nextToken };
      });
      const { type, family } = typeOf(AUDITED_TOKENS.customModel);
      return Promise.all(
        summaries.map(async (summary) => {
          const model = await session.issue(() =>
            client.send(new GetCustomModelCommand({ modelIdentifier: summary.modelArn })),
          );
          return found({
            ...base,
            type,
            family,
            name: model.modelName ?? summary.modelName ?? "",
            arn: model.modelArn ?? summary.modelArn ?? "",
            props: {
              customModelName: model.modelName,
              customModelKmsKeyId: model.modelKmsKeyArn,
              region: scope.region,
            },
          });
        }),
      );
    }),
  ]);
  const failures = parts.flatMap((p) => ("failure" in p ? [p] : []));
  if (failures.length === parts.length && failures.every((f) => f.notEnabled)) {
    return {
      ...base,
      status: "skipped",
      notes: ["the region is not enabled for this account"],
      resources: [],
    };
  }
  return {
    ...base,
    status: failures.length === 0 ? "read" : "incomplete",
    notes: failures.map((f) => f.failure),
    resources: parts.flatMap((p) => ("resources" in p ? p.resources : [])),
  };
}
