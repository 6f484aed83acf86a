/**
 * What the audit reads in one account and region: one reader per catalog family AWS exposes
 * through list/get APIs ({@link READERS}: list every page, then get each, since only the get
 * answers carry the key), each mapped into the property names of the Pulumi resource that would
 * create it, so the pack's rules read it as they read a stack.
 *
 * Failures are isolated and classified by the AWS facts taxonomy (policy-pack/aws/errors.ts):
 * - a get that fails marks that one resource NOT VERIFIED (its id and the reason); its neighbours
 *   are still read and judged;
 * - a listing that fails (or repeats a pagination token) marks that listing NOT VERIFIED, and the
 *   other families of the region are still read;
 * - credentials rejected (`stop`) make the account unreadable, never a region "skipped"; a region
 *   is skipped only when every listing answers as a disabled opt-in region does.
 */
import {
  familyOf,
  guardedType,
  type GuardedResourceType,
  type ResourceFamily,
} from "../../policy-pack/catalog/bedrock-resources";
import { classifiedText, classifyAwsError, type AwsErrorKind } from "../../policy-pack/aws/errors";
import { KMS_PERMISSIONS } from "../../policy-pack/aws/kms-facts";
import { urgently, type AwsSession, type ClientOptions, type Credentials } from "./aws-session";

/** What the emitted stack config and import file need of a workspace, beyond its key. */
export interface WorkspaceDetails {
  readonly id: string;
  readonly description?: string;
  readonly domainVersion?: string;
  readonly domainExecutionRole?: string;
  readonly serviceRole?: string;
  /** DataZone's status (AVAILABLE, CREATING, CREATION_FAILED, DELETING, DELETION_FAILED, ...). */
  readonly status?: string;
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

/** A resource that was listed but whose facts could not be read: NOT VERIFIED on its own. */
export interface UnreadResource {
  readonly account: string;
  readonly region: string;
  readonly token: string;
  /** AWS's id of the resource (the one the get was asked with). */
  readonly id: string;
  /** The ARN when the listing gave one, else the id. */
  readonly arn: string;
  readonly name: string;
  readonly reason: string;
}

/** One account × region, as read. */
export interface ScopeResult {
  readonly account: string;
  readonly region: string;
  /** `skipped`: the region is a disabled opt-in region (nothing to audit there). */
  readonly status: "read" | "incomplete" | "skipped";
  /** True when the credentials were rejected: the whole account is unreadable. */
  readonly credentialsRejected: boolean;
  /** What could not be read, and why; or why the region was skipped. */
  readonly notes: readonly string[];
  readonly resources: readonly AuditedResource[];
  readonly unread: readonly UnreadResource[];
}

export interface Scope {
  readonly account: string;
  readonly region: string;
  readonly credentials: Credentials;
}

/** A list page: its items and the token of the next page (none: the last page). */
export interface Page<T> {
  readonly items: readonly T[] | undefined;
  readonly token: string | undefined;
}

/** Pages a listing may have: beyond this the paginator is broken, not the account big. */
const MAX_PAGES = 10_000;

/**
 * Reads every page of a list: the one paging loop of the audit. A token seen before ends the
 * listing with an error (as the AWS SDK's own paginators do): the listing is then NOT VERIFIED.
 */
export async function allPages<T>(next: (token: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await urgently(() => next(token));
    items.push(...(answer.items ?? []));
    token = answer.token;
    if (token === undefined || token === "") return items;
    if (seen.has(token))
      throw Object.assign(new Error("the list answered a pagination token it had already answered"), {
        name: "RepeatedPaginationToken",
      });
    seen.add(token);
  }
  throw Object.assign(new Error(`more than ${MAX_PAGES} pages: the list did not end`), {
    name: "EndlessPagination",
  });
}

/** What a reader makes of one get answer. */
export interface ReadResource {
  readonly name: string;
  readonly arn: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly workspace?: WorkspaceDetails;
  readonly blueprintConfigurations?: number;
}

/** How the SDK is called: one client per reader and scope, every call bounded by the run's signal. */
export interface CallContext {
  readonly options: ClientOptions;
  readonly signal?: AbortSignal;
}

/**
 * One catalog family as AWS lists and gets it. `permissions` are the IAM actions the reader
 * needs (docs/audit.md lists them from here); `list` answers one page; `get` reads one item;
 * `toProps` maps the answer to the Pulumi type's property names.
 */
export interface Reader<Client, Summary, Detail> {
  readonly token: string;
  /** Its CloudFormation type: what AWS Config evaluates it as (detection/evaluations.ts). */
  readonly cloudFormationType: string;
  readonly label: string;
  readonly permissions: readonly string[];
  client(context: CallContext): Promise<Client>;
  list(client: Client, token: string | undefined, context: CallContext): Promise<Page<Summary>>;
  /** The summary's id (asked with), its ARN and name when the listing gives them. */
  identify(summary: Summary): { id: string; arn?: string; name?: string; status?: string };
  get(client: Client, summary: Summary, context: CallContext): Promise<Detail>;
  toProps(detail: Detail, summary: Summary, region: string): ReadResource;
}

/** A reader with its types closed over: what the registry holds. */
export interface FamilyReader {
  readonly token: string;
  readonly cloudFormationType: string;
  readonly label: string;
  readonly permissions: readonly string[];
  read(session: AwsSession, scope: Scope, context: CallContext, found: () => void): Promise<FamilyResult>;
}

type FamilyResult =
  | { readonly resources: AuditedResource[]; readonly unread: UnreadResource[]; readonly stop?: string }
  | { readonly failure: string; readonly kind: AwsErrorKind };

/** Workspace states whose listing or get answering "not found" means gone, not unreadable. */
const GONE_STATES = new Set(["DELETING", "DELETED"]);

function reader<Client, Summary, Detail>(definition: Reader<Client, Summary, Detail>): FamilyReader {
  const { token, cloudFormationType, label, permissions } = definition;
  const type = guardedType(token);
  const family = familyOf(token);
  if (type === undefined || family === undefined) throw new Error(`${token} is not in the catalog`);
  return {
    token,
    cloudFormationType,
    label,
    permissions,
    async read(session, scope, context, found) {
      let client: Client;
      let summaries: Summary[];
      try {
        client = await definition.client(context);
        summaries = await allPages((next) => definition.list(client, next, context));
      } catch (error) {
        const classified = classifyAwsError(error, scope.region);
        return {
          failure: `${label} (${permissions.join(", ")}): ${classifiedText(classified)}`,
          kind: classified.kind,
        };
      }
      const resources: AuditedResource[] = [];
      const unread: UnreadResource[] = [];
      let stop: string | undefined;
      await Promise.all(
        summaries.map(async (summary) => {
          const { id, arn, name, status } = definition.identify(summary);
          try {
            const detail = await session.issue(() => definition.get(client, summary, context));
            const read = definition.toProps(detail, summary, scope.region);
            found();
            resources.push({ account: scope.account, region: scope.region, type, family, ...read });
          } catch (error) {
            const classified = classifyAwsError(error, scope.region);
            // Listed as being deleted, then gone: nothing left to judge.
            if (status !== undefined && GONE_STATES.has(status) && classified.status === 404) return;
            if (classified.kind === "stop") stop = classifiedText(classified);
            unread.push({
              account: scope.account,
              region: scope.region,
              token,
              id,
              arn: arn ?? id,
              name: name ?? id,
              reason: `${permissions[permissions.length - 1]}: ${classifiedText(classified)}`,
            });
          }
        }),
      );
      return stop === undefined ? { resources, unread } : { resources, unread, stop };
    },
  };
}

const datazone = () => import("@aws-sdk/client-datazone");
const bedrock = () => import("@aws-sdk/client-bedrock");
const bedrockAgent = () => import("@aws-sdk/client-bedrock-agent");
const agentCore = () => import("@aws-sdk/client-bedrock-agentcore-control");
const dataAutomation = () => import("@aws-sdk/client-bedrock-data-automation");

/** Every family the audit reads, with the IAM permissions each needs. */
export const READERS: readonly FamilyReader[] = [
  reader({
    token: "aws:datazone/domain:Domain",
    cloudFormationType: "AWS::DataZone::Domain",
    label: "DataZone domains",
    permissions: [
      "datazone:ListDomains",
      "datazone:ListEnvironmentBlueprintConfigurations",
      "datazone:GetDomain",
    ],
    client: async ({ options }) => new (await datazone()).DataZoneClient(options),
    async list(client, nextToken, { signal }) {
      const { ListDomainsCommand } = await datazone();
      const page = await client.send(new ListDomainsCommand({ maxResults: 25, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.items, token: page.nextToken };
    },
    identify: (s) => ({ id: s.id ?? "", arn: s.arn, name: s.name, status: s.status }),
    async get(client, summary, { signal }) {
      const { GetDomainCommand, ListEnvironmentBlueprintConfigurationsCommand } = await datazone();
      const domain = await client.send(new GetDomainCommand({ identifier: summary.id }), {
        abortSignal: signal,
      });
      // Only a V1 (Bedrock Studio) workspace's roles need the EnableBedrock tag on its key. When
      // its blueprint configurations cannot be read, the rule judges it as if it used them.
      if (domain.domainVersion === "V2") return { ...domain, blueprintConfigurations: undefined };
      const blueprints = await allPages(async (nextToken) => {
        const page = await client.send(
          new ListEnvironmentBlueprintConfigurationsCommand({
            domainIdentifier: summary.id,
            maxResults: 50,
            nextToken,
          }),
          { abortSignal: signal },
        );
        return { items: page.items, token: page.nextToken };
      }).catch(() => undefined);
      return { ...domain, blueprintConfigurations: blueprints?.length };
    },
    toProps(domain, summary, region) {
      // Tags as data: copied into an object without a prototype, so a tag named `toString` or
      // `__proto__` is a tag like any other.
      const tags: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [key, value] of Object.entries(domain.tags ?? {})) tags[key] = value;
      const status = domain.status ?? summary.status;
      return {
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
          region,
        },
        workspace: {
          id: domain.id ?? summary.id ?? "",
          ...(domain.description === undefined ? {} : { description: domain.description }),
          ...(domain.domainVersion === undefined ? {} : { domainVersion: domain.domainVersion }),
          ...(domain.domainExecutionRole === undefined
            ? {}
            : { domainExecutionRole: domain.domainExecutionRole }),
          ...(domain.serviceRole === undefined ? {} : { serviceRole: domain.serviceRole }),
          ...(status === undefined ? {} : { status }),
          tags,
        },
        ...(domain.blueprintConfigurations === undefined
          ? {}
          : { blueprintConfigurations: domain.blueprintConfigurations }),
      };
    },
  }),
  reader({
    token: "aws:bedrock/agentAgent:AgentAgent",
    cloudFormationType: "AWS::Bedrock::Agent",
    label: "Bedrock agents",
    permissions: ["bedrock:ListAgents", "bedrock:GetAgent"],
    client: async ({ options }) => new (await bedrockAgent()).BedrockAgentClient(options),
    async list(client, nextToken, { signal }) {
      const { ListAgentsCommand } = await bedrockAgent();
      const page = await client.send(new ListAgentsCommand({ maxResults: 100, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.agentSummaries, token: page.nextToken };
    },
    identify: (s) => ({ id: s.agentId ?? "", name: s.agentName }),
    async get(client, summary, { signal }) {
      const { GetAgentCommand } = await bedrockAgent();
      return client.send(new GetAgentCommand({ agentId: summary.agentId }), { abortSignal: signal });
    },
    toProps: ({ agent }, summary, region) => ({
      name: agent?.agentName ?? summary.agentName ?? "",
      arn: agent?.agentArn ?? "",
      props: {
        agentName: agent?.agentName,
        customerEncryptionKeyArn: agent?.customerEncryptionKeyArn,
        region,
      },
    }),
  }),
  reader({
    token: "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
    cloudFormationType: "AWS::Bedrock::KnowledgeBase",
    label: "Bedrock knowledge bases",
    permissions: ["bedrock:ListKnowledgeBases", "bedrock:GetKnowledgeBase"],
    client: async ({ options }) => new (await bedrockAgent()).BedrockAgentClient(options),
    async list(client, nextToken, { signal }) {
      const { ListKnowledgeBasesCommand } = await bedrockAgent();
      const page = await client.send(new ListKnowledgeBasesCommand({ maxResults: 100, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.knowledgeBaseSummaries, token: page.nextToken };
    },
    identify: (s) => ({ id: s.knowledgeBaseId ?? "", name: s.name, status: s.status }),
    async get(client, summary, { signal }) {
      const { GetKnowledgeBaseCommand } = await bedrockAgent();
      return client.send(new GetKnowledgeBaseCommand({ knowledgeBaseId: summary.knowledgeBaseId }), {
        abortSignal: signal,
      });
    },
    // Only a MANAGED knowledge base has a store Bedrock encrypts (the catalog's condition reads `type`);
    // its key is managedKnowledgeBaseConfiguration.serverSideEncryptionConfiguration.kmsKeyArn.
    toProps: ({ knowledgeBase }, summary, region) => {
      const configuration = knowledgeBase?.knowledgeBaseConfiguration;
      const encryption = configuration?.managedKnowledgeBaseConfiguration?.serverSideEncryptionConfiguration;
      return {
        name: knowledgeBase?.name ?? summary.name ?? "",
        arn: knowledgeBase?.knowledgeBaseArn ?? "",
        props: {
          name: knowledgeBase?.name,
          knowledgeBaseConfiguration: {
            type: configuration?.type,
            managedKnowledgeBaseConfiguration: {
              serverSideEncryptionConfiguration: { kmsKeyArn: encryption?.kmsKeyArn },
            },
          },
          region,
        },
      };
    },
  }),
  reader({
    token: "aws:bedrock/agentFlow:AgentFlow",
    cloudFormationType: "AWS::Bedrock::Flow",
    label: "Bedrock flows",
    permissions: ["bedrock:ListFlows", "bedrock:GetFlow"],
    client: async ({ options }) => new (await bedrockAgent()).BedrockAgentClient(options),
    async list(client, nextToken, { signal }) {
      const { ListFlowsCommand } = await bedrockAgent();
      const page = await client.send(new ListFlowsCommand({ maxResults: 100, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.flowSummaries, token: page.nextToken };
    },
    identify: (s) => ({ id: s.id ?? "", arn: s.arn, name: s.name }),
    async get(client, summary, { signal }) {
      const { GetFlowCommand } = await bedrockAgent();
      return client.send(new GetFlowCommand({ flowIdentifier: summary.id }), { abortSignal: signal });
    },
    toProps: (flow, summary, region) => ({
      name: flow.name ?? summary.name ?? "",
      arn: flow.arn ?? summary.arn ?? "",
      props: { name: flow.name, customerEncryptionKeyArn: flow.customerEncryptionKeyArn, region },
    }),
  }),
  reader({
    token: "aws:bedrock/agentPrompt:AgentPrompt",
    cloudFormationType: "AWS::Bedrock::Prompt",
    label: "Bedrock prompts",
    permissions: ["bedrock:ListPrompts", "bedrock:GetPrompt"],
    client: async ({ options }) => new (await bedrockAgent()).BedrockAgentClient(options),
    async list(client, nextToken, { signal }) {
      const { ListPromptsCommand } = await bedrockAgent();
      const page = await client.send(new ListPromptsCommand({ maxResults: 100, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.promptSummaries, token: page.nextToken };
    },
    identify: (s) => ({ id: s.id ?? "", arn: s.arn, name: s.name }),
    async get(client, summary, { signal }) {
      const { GetPromptCommand } = await bedrockAgent();
      return client.send(new GetPromptCommand({ promptIdentifier: summary.id }), { abortSignal: signal });
    },
    toProps: (prompt, summary, region) => ({
      name: prompt.name ?? summary.name ?? "",
      arn: prompt.arn ?? summary.arn ?? "",
      props: { name: prompt.name, customerEncryptionKeyArn: prompt.customerEncryptionKeyArn, region },
    }),
  }),
  reader({
    token: "aws:bedrock/guardrail:Guardrail",
    cloudFormationType: "AWS::Bedrock::Guardrail",
    label: "Bedrock guardrails",
    permissions: ["bedrock:ListGuardrails", "bedrock:GetGuardrail"],
    client: async ({ options }) => new (await bedrock()).BedrockClient(options),
    async list(client, nextToken, { signal }) {
      const { ListGuardrailsCommand } = await bedrock();
      const page = await client.send(new ListGuardrailsCommand({ maxResults: 100, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.guardrails, token: page.nextToken };
    },
    identify: (s) => ({ id: s.id ?? "", arn: s.arn, name: s.name }),
    async get(client, summary, { signal }) {
      const { GetGuardrailCommand } = await bedrock();
      return client.send(new GetGuardrailCommand({ guardrailIdentifier: summary.id }), {
        abortSignal: signal,
      });
    },
    toProps: (guardrail, summary, region) => ({
      name: guardrail.name ?? summary.name ?? "",
      arn: guardrail.guardrailArn ?? summary.arn ?? "",
      props: { name: guardrail.name, kmsKeyArn: guardrail.kmsKeyArn, region },
    }),
  }),
  reader({
    token: "aws:bedrock/customModel:CustomModel",
    cloudFormationType: "AWS::Bedrock::CustomModel",
    label: "Bedrock custom models",
    permissions: ["bedrock:ListCustomModels", "bedrock:GetCustomModel"],
    client: async ({ options }) => new (await bedrock()).BedrockClient(options),
    async list(client, nextToken, { signal }) {
      const { ListCustomModelsCommand } = await bedrock();
      const page = await client.send(new ListCustomModelsCommand({ maxResults: 100, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.modelSummaries, token: page.nextToken };
    },
    identify: (s) => ({ id: s.modelArn ?? "", arn: s.modelArn, name: s.modelName }),
    async get(client, summary, { signal }) {
      const { GetCustomModelCommand } = await bedrock();
      return client.send(new GetCustomModelCommand({ modelIdentifier: summary.modelArn }), {
        abortSignal: signal,
      });
    },
    toProps: (model, summary, region) => ({
      name: model.modelName ?? summary.modelName ?? "",
      arn: model.modelArn ?? summary.modelArn ?? "",
      props: { customModelName: model.modelName, customModelKmsKeyId: model.modelKmsKeyArn, region },
    }),
  }),
  reader({
    token: "aws:bedrock/agentDataSource:AgentDataSource",
    cloudFormationType: "AWS::Bedrock::DataSource",
    label: "Bedrock knowledge base data sources",
    permissions: ["bedrock:ListKnowledgeBases", "bedrock:ListDataSources", "bedrock:GetDataSource"],
    client: async ({ options }) => new (await bedrockAgent()).BedrockAgentClient(options),
    // Data sources are listed per knowledge base: one page holding every knowledge base's data
    // sources, each knowledge base's listing read through the same paging loop. A knowledge base
    // whose data sources cannot be listed makes the whole listing NOT VERIFIED.
    async list(client, _nextToken, { signal }) {
      const { ListKnowledgeBasesCommand, ListDataSourcesCommand } = await bedrockAgent();
      const knowledgeBases = await allPages(async (nextToken) => {
        const page = await client.send(new ListKnowledgeBasesCommand({ maxResults: 100, nextToken }), {
          abortSignal: signal,
        });
        return { items: page.knowledgeBaseSummaries, token: page.nextToken };
      });
      const perKnowledgeBase = await Promise.all(
        knowledgeBases.map(({ knowledgeBaseId }) =>
          allPages(async (nextToken) => {
            const page = await client.send(
              new ListDataSourcesCommand({ knowledgeBaseId, maxResults: 100, nextToken }),
              { abortSignal: signal },
            );
            return { items: page.dataSourceSummaries, token: page.nextToken };
          }),
        ),
      );
      return { items: perKnowledgeBase.flat(), token: undefined };
    },
    // A data source has no ARN: CloudFormation's physical id (`Ref`) is "<knowledge base id>|<data source id>".
    identify: (s) => ({
      id: `${s.knowledgeBaseId ?? ""}|${s.dataSourceId ?? ""}`,
      name: s.name,
      status: s.status,
    }),
    async get(client, summary, { signal }) {
      const { GetDataSourceCommand } = await bedrockAgent();
      return client.send(
        new GetDataSourceCommand({
          knowledgeBaseId: summary.knowledgeBaseId,
          dataSourceId: summary.dataSourceId,
        }),
        { abortSignal: signal },
      );
    },
    toProps: ({ dataSource }, summary, region) => ({
      name: dataSource?.name ?? summary.name ?? "",
      arn: `${dataSource?.knowledgeBaseId ?? summary.knowledgeBaseId ?? ""}|${dataSource?.dataSourceId ?? summary.dataSourceId ?? ""}`,
      props: {
        name: dataSource?.name,
        knowledgeBaseId: dataSource?.knowledgeBaseId,
        serverSideEncryptionConfiguration: {
          kmsKeyArn: dataSource?.serverSideEncryptionConfiguration?.kmsKeyArn,
        },
        region,
      },
    }),
  }),
  reader({
    token: "aws:bedrock/agentcoreMemory:AgentcoreMemory",
    cloudFormationType: "AWS::BedrockAgentCore::Memory",
    label: "Bedrock AgentCore memories",
    permissions: ["bedrock-agentcore:ListMemories", "bedrock-agentcore:GetMemory"],
    client: async ({ options }) => new (await agentCore()).BedrockAgentCoreControlClient(options),
    async list(client, nextToken, { signal }) {
      const { ListMemoriesCommand } = await agentCore();
      const page = await client.send(new ListMemoriesCommand({ maxResults: 50, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.memories, token: page.nextToken };
    },
    identify: (s) => ({ id: s.id ?? "", arn: s.arn, status: s.status }),
    async get(client, summary, { signal }) {
      const { GetMemoryCommand } = await agentCore();
      return client.send(new GetMemoryCommand({ memoryId: summary.id }), { abortSignal: signal });
    },
    toProps: ({ memory }, summary, region) => ({
      name: memory?.name ?? summary.id ?? "",
      arn: memory?.arn ?? summary.arn ?? "",
      props: { name: memory?.name, encryptionKeyArn: memory?.encryptionKeyArn, region },
    }),
  }),
  reader({
    token: "aws:bedrock/agentcoreGateway:AgentcoreGateway",
    cloudFormationType: "AWS::BedrockAgentCore::Gateway",
    label: "Bedrock AgentCore gateways",
    permissions: ["bedrock-agentcore:ListGateways", "bedrock-agentcore:GetGateway"],
    client: async ({ options }) => new (await agentCore()).BedrockAgentCoreControlClient(options),
    async list(client, nextToken, { signal }) {
      const { ListGatewaysCommand } = await agentCore();
      const page = await client.send(new ListGatewaysCommand({ maxResults: 50, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.items, token: page.nextToken };
    },
    identify: (s) => ({ id: s.gatewayId ?? "", name: s.name, status: s.status }),
    async get(client, summary, { signal }) {
      const { GetGatewayCommand } = await agentCore();
      return client.send(new GetGatewayCommand({ gatewayIdentifier: summary.gatewayId }), {
        abortSignal: signal,
      });
    },
    toProps: (gateway, summary, region) => ({
      name: gateway.name ?? summary.name ?? "",
      arn: gateway.gatewayArn ?? "",
      props: { name: gateway.name, roleArn: gateway.roleArn, kmsKeyArn: gateway.kmsKeyArn, region },
    }),
  }),
  reader({
    // No @pulumi/aws type: the aws-native one would create it.
    token: "aws-native:bedrock:DataAutomationProject",
    cloudFormationType: "AWS::Bedrock::DataAutomationProject",
    label: "Bedrock Data Automation projects",
    permissions: ["bedrock:ListDataAutomationProjects", "bedrock:GetDataAutomationProject"],
    client: async ({ options }) => new (await dataAutomation()).BedrockDataAutomationClient(options),
    async list(client, nextToken, { signal }) {
      const { ListDataAutomationProjectsCommand } = await dataAutomation();
      const page = await client.send(new ListDataAutomationProjectsCommand({ maxResults: 100, nextToken }), {
        abortSignal: signal,
      });
      return { items: page.projects, token: page.nextToken };
    },
    identify: (s) => ({ id: s.projectArn ?? "", arn: s.projectArn, name: s.projectName }),
    async get(client, summary, { signal }) {
      const { GetDataAutomationProjectCommand } = await dataAutomation();
      return client.send(
        new GetDataAutomationProjectCommand({
          projectArn: summary.projectArn,
          projectStage: summary.projectStage,
        }),
        { abortSignal: signal },
      );
    },
    toProps: ({ project }, summary, region) => ({
      name: project?.projectName ?? summary.projectName ?? "",
      arn: project?.projectArn ?? summary.projectArn ?? "",
      props: { projectName: project?.projectName, kmsKeyId: project?.kmsKeyId, region },
    }),
  }),
];

/** The IAM actions the audit's readers need (docs/audit.md lists these; a test checks). */
export function readerPermissions(): string[] {
  return [...new Set(READERS.flatMap((r) => r.permissions))].sort();
}

/**
 * Every IAM action reading one account needs: the readers', then the KMS facts module's. The
 * audit's documented policy and the AWS Config rule's role both grant exactly these.
 */
export function auditReadPermissions(): string[] {
  return [...readerPermissions(), ...Object.values(KMS_PERMISSIONS)];
}

export async function readScope(
  session: AwsSession,
  scope: Scope,
  onResource: () => void,
  signal?: AbortSignal,
): Promise<ScopeResult> {
  const context: CallContext = {
    options: session.clientOptions(scope.region, scope.credentials),
    ...(signal === undefined ? {} : { signal }),
  };
  const base = { account: scope.account, region: scope.region };
  const results = await Promise.all(READERS.map((r) => r.read(session, scope, context, onResource)));
  const failures = results.flatMap((r) => ("failure" in r ? [r] : []));
  if (failures.length === results.length && failures.every((f) => f.kind === "region-not-enabled")) {
    return {
      ...base,
      status: "skipped",
      credentialsRejected: false,
      notes: ["the region is an opt-in region not enabled for this account"],
      resources: [],
      unread: [],
    };
  }
  const read = results.flatMap((r) => ("resources" in r ? [r] : []));
  const stops = [
    ...failures.filter((f) => f.kind === "stop").map((f) => f.failure),
    ...read.flatMap((r) => (r.stop === undefined ? [] : [r.stop])),
  ];
  const unread = read.flatMap((r) => r.unread);
  const notes = [
    ...(stops.length > 0
      ? ["AWS rejected the credentials (invalid or expired): the account could not be read"]
      : []),
    ...failures.map((f) => f.failure),
    ...unread.map((u) => `${u.name} (${u.arn}) not read: ${u.reason}`),
  ];
  return {
    ...base,
    status: failures.length === 0 && unread.length === 0 ? "read" : "incomplete",
    credentialsRejected: stops.length > 0,
    notes,
    resources: read.flatMap((r) => r.resources),
    unread,
  };
}
