/**
 * A fake Amazon Bedrock control plane (REST-JSON; Bedrock, Bedrock Agents and Bedrock Data
 * Automation all sign as `bedrock`): guardrails and custom models (`bedrockHandler`), agents,
 * flows, prompts, knowledge bases and their data sources (`agentHandler`), Data Automation
 * projects (`dataAutomationHandler`), each listed with pagination and read one by one. Register
 * all three under `bedrock`.
 */
import { page } from "./pages";
import { AwsError, restJsonHandler, type FakeAwsCall, type RestJsonRoute } from "./server";
import type { FakeAccounts } from "./sts";

export interface FakeBedrockResource {
  readonly id: string;
  readonly name: string;
  /** The KMS key ARN the resource is encrypted with; absent: an AWS-owned or AWS-managed key. */
  readonly kmsKeyArn?: string;
  /** A knowledge base's type (VECTOR, KENDRA, SQL, MANAGED); MANAGED when absent. */
  readonly knowledgeBaseType?: string;
  /** A data source's knowledge base (its id). */
  readonly knowledgeBaseId?: string;
}

type Kind =
  | "agent"
  | "guardrail"
  | "custom-model"
  | "flow"
  | "prompt"
  | "knowledge-base"
  | "data-source"
  | "data-automation-project";

export class FakeBedrock {
  pageSize = 100;
  private readonly resources = new Map<string, FakeBedrockResource[]>();

  constructor(private readonly accounts: FakeAccounts) {}

  add(kind: Kind, account: string, region: string, resource: FakeBedrockResource): this {
    const key = `${kind}/${account}/${region}`;
    this.resources.set(key, [...(this.resources.get(key) ?? []), resource]);
    return this;
  }

  private scope(kind: Kind, call: FakeAwsCall): { account: string; items: FakeBedrockResource[] } {
    const account = this.accounts.check(call);
    return { account, items: this.resources.get(`${kind}/${account}/${call.region}`) ?? [] };
  }

  private one(
    kind: Kind,
    call: FakeAwsCall,
    identifier: string,
  ): { account: string; item: FakeBedrockResource } {
    const { account, items } = this.scope(kind, call);
    const item = items.find((r) => r.id === identifier || identifier.endsWith(`/${r.id}`));
    if (!item) throw new AwsError("ResourceNotFoundException", `${kind} ${identifier} not found`, 404);
    return { account, item };
  }

  readonly bedrockHandler = restJsonHandler([
    {
      method: "GET",
      path: "/guardrails",
      operation: "ListGuardrails",
      handle: (request, call) => {
        const { account, items } = this.scope("guardrail", call);
        const result = page(
          items,
          request.query.get("nextToken"),
          request.query.get("maxResults"),
          this.pageSize,
        );
        return {
          guardrails: result.items.map((g) => ({
            id: g.id,
            arn: `arn:aws:bedrock:${call.region}:${account}:guardrail/${g.id}`,
            status: "READY",
            name: g.name,
            version: "DRAFT",
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/guardrails/{guardrailIdentifier}",
      operation: "GetGuardrail",
      handle: (request, call) => {
        const { account, item } = this.one("guardrail", call, request.params.guardrailIdentifier);
        return {
          name: item.name,
          guardrailId: item.id,
          guardrailArn: `arn:aws:bedrock:${call.region}:${account}:guardrail/${item.id}`,
          version: "DRAFT",
          status: "READY",
          createdAt: "2025-01-01T00:00:00Z",
          updatedAt: "2025-01-01T00:00:00Z",
          blockedInputMessaging: "Blocked.",
          blockedOutputsMessaging: "Blocked.",
          ...(item.kmsKeyArn === undefined ? {} : { kmsKeyArn: item.kmsKeyArn }),
        };
      },
    },
    {
      method: "GET",
      path: "/custom-models",
      operation: "ListCustomModels",
      handle: (request, call) => {
        const { account, items } = this.scope("custom-model", call);
        const result = page(
          items,
          request.query.get("nextToken"),
          request.query.get("maxResults"),
          this.pageSize,
        );
        return {
          modelSummaries: result.items.map((m) => ({
            modelArn: `arn:aws:bedrock:${call.region}:${account}:custom-model/${m.id}`,
            modelName: m.name,
            creationTime: "2025-01-01T00:00:00Z",
            baseModelArn: `arn:aws:bedrock:${call.region}::foundation-model/amazon.titan-text-express-v1`,
            baseModelName: "Titan Text G1 - Express",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/custom-models/{modelIdentifier+}",
      operation: "GetCustomModel",
      handle: (request, call) => {
        const { account, item } = this.one("custom-model", call, request.params.modelIdentifier);
        return {
          modelArn: `arn:aws:bedrock:${call.region}:${account}:custom-model/${item.id}`,
          modelName: item.name,
          creationTime: "2025-01-01T00:00:00Z",
          baseModelArn: `arn:aws:bedrock:${call.region}::foundation-model/amazon.titan-text-express-v1`,
          ...(item.kmsKeyArn === undefined ? {} : { modelKmsKeyArn: item.kmsKeyArn }),
        };
      },
    },
  ]);

  /** ListFlows/GetFlow and ListPrompts/GetPrompt: the same shapes, under their own paths and keys. */
  private agentBuilderRoutes(kind: "flow" | "prompt", plural: "flows" | "prompts"): RestJsonRoute[] {
    const noun = kind === "flow" ? "Flow" : "Prompt";
    return [
      {
        method: "GET",
        path: `/${plural}/`,
        operation: `List${noun}s`,
        handle: (request, call) => {
          const { account, items } = this.scope(kind, call);
          const result = page(
            items,
            request.query.get("nextToken"),
            request.query.get("maxResults"),
            this.pageSize,
          );
          return {
            [`${kind}Summaries`]: result.items.map((r) => ({
              id: r.id,
              name: r.name,
              arn: `arn:aws:bedrock:${call.region}:${account}:${kind}/${r.id}`,
              version: "DRAFT",
              createdAt: "2025-01-01T00:00:00Z",
              updatedAt: "2025-01-01T00:00:00Z",
            })),
            ...(result.nextToken ? { nextToken: result.nextToken } : {}),
          };
        },
      },
      {
        method: "GET",
        path: `/${plural}/{identifier}/`,
        operation: `Get${noun}`,
        handle: (request, call) => {
          const { account, item } = this.one(kind, call, request.params.identifier);
          return {
            id: item.id,
            name: item.name,
            arn: `arn:aws:bedrock:${call.region}:${account}:${kind}/${item.id}`,
            version: "DRAFT",
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
            ...(item.kmsKeyArn === undefined ? {} : { customerEncryptionKeyArn: item.kmsKeyArn }),
          };
        },
      },
    ];
  }

  readonly agentHandler = restJsonHandler([
    ...this.agentBuilderRoutes("flow", "flows"),
    ...this.agentBuilderRoutes("prompt", "prompts"),
    {
      method: "POST",
      path: "/knowledgebases/",
      operation: "ListKnowledgeBases",
      handle: (request, call) => {
        const { items } = this.scope("knowledge-base", call);
        const body = (request.body ?? {}) as { nextToken?: string; maxResults?: number };
        const result = page(items, body.nextToken, body.maxResults, this.pageSize);
        return {
          knowledgeBaseSummaries: result.items.map((kb) => ({
            knowledgeBaseId: kb.id,
            name: kb.name,
            status: "ACTIVE",
            updatedAt: "2025-01-01T00:00:00Z",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/knowledgebases/{knowledgeBaseId}",
      operation: "GetKnowledgeBase",
      handle: (request, call) => {
        const { account, item } = this.one("knowledge-base", call, request.params.knowledgeBaseId);
        const type = item.knowledgeBaseType ?? "MANAGED";
        return {
          knowledgeBase: {
            knowledgeBaseId: item.id,
            name: item.name,
            knowledgeBaseArn: `arn:aws:bedrock:${call.region}:${account}:knowledge-base/${item.id}`,
            roleArn: `arn:aws:iam::${account}:role/kb-role`,
            status: "ACTIVE",
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
            knowledgeBaseConfiguration: {
              type,
              ...(type === "MANAGED"
                ? {
                    managedKnowledgeBaseConfiguration: {
                      embeddingModelType: "MANAGED",
                      ...(item.kmsKeyArn === undefined
                        ? {}
                        : { serverSideEncryptionConfiguration: { kmsKeyArn: item.kmsKeyArn } }),
                    },
                  }
                : {}),
            },
          },
        };
      },
    },
    {
      method: "POST",
      path: "/knowledgebases/{knowledgeBaseId}/datasources/",
      operation: "ListDataSources",
      handle: (request, call) => {
        const knowledgeBaseId = request.params.knowledgeBaseId;
        this.one("knowledge-base", call, knowledgeBaseId);
        const items = this.scope("data-source", call).items.filter(
          (d) => d.knowledgeBaseId === knowledgeBaseId,
        );
        const body = (request.body ?? {}) as { nextToken?: string; maxResults?: number };
        const result = page(items, body.nextToken, body.maxResults, this.pageSize);
        return {
          dataSourceSummaries: result.items.map((d) => ({
            knowledgeBaseId,
            dataSourceId: d.id,
            name: d.name,
            status: "AVAILABLE",
            updatedAt: "2025-01-01T00:00:00Z",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}",
      operation: "GetDataSource",
      handle: (request, call) => {
        const { item } = this.one("data-source", call, request.params.dataSourceId);
        if (item.knowledgeBaseId !== request.params.knowledgeBaseId)
          throw new AwsError("ResourceNotFoundException", `data source ${item.id} not found`, 404);
        return {
          dataSource: {
            knowledgeBaseId: item.knowledgeBaseId,
            dataSourceId: item.id,
            name: item.name,
            status: "AVAILABLE",
            dataSourceConfiguration: { type: "S3", s3Configuration: { bucketArn: "arn:aws:s3:::documents" } },
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
            ...(item.kmsKeyArn === undefined
              ? {}
              : { serverSideEncryptionConfiguration: { kmsKeyArn: item.kmsKeyArn } }),
          },
        };
      },
    },
    {
      method: "POST",
      path: "/agents/",
      operation: "ListAgents",
      handle: (request, call) => {
        const { items } = this.scope("agent", call);
        const body = (request.body ?? {}) as { nextToken?: string; maxResults?: number };
        const result = page(items, body.nextToken, body.maxResults, this.pageSize);
        return {
          agentSummaries: result.items.map((a) => ({
            agentId: a.id,
            agentName: a.name,
            agentStatus: "PREPARED",
            updatedAt: "2025-01-01T00:00:00Z",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/agents/{agentId}/",
      operation: "GetAgent",
      handle: (request, call) => {
        const { account, item } = this.one("agent", call, request.params.agentId);
        return {
          agent: {
            agentId: item.id,
            agentName: item.name,
            agentArn: `arn:aws:bedrock:${call.region}:${account}:agent/${item.id}`,
            agentVersion: "DRAFT",
            agentStatus: "PREPARED",
            agentResourceRoleArn: `arn:aws:iam::${account}:role/AmazonBedrockExecutionRoleForAgents_${item.id}`,
            idleSessionTTLInSeconds: 600,
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
            ...(item.kmsKeyArn === undefined ? {} : { customerEncryptionKeyArn: item.kmsKeyArn }),
          },
        };
      },
    },
  ]);

  private projectArn(call: FakeAwsCall, account: string, id: string): string {
    return `arn:aws:bedrock:${call.region}:${account}:data-automation-project/${id}`;
  }

  readonly dataAutomationHandler = restJsonHandler([
    {
      method: "POST",
      path: "/data-automation-projects/",
      operation: "ListDataAutomationProjects",
      handle: (request, call) => {
        const { account, items } = this.scope("data-automation-project", call);
        const body = (request.body ?? {}) as { nextToken?: string; maxResults?: number };
        const result = page(items, body.nextToken, body.maxResults, this.pageSize);
        return {
          projects: result.items.map((p) => ({
            projectArn: this.projectArn(call, account, p.id),
            projectStage: "LIVE",
            projectName: p.name,
            creationTime: "2025-01-01T00:00:00Z",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "POST",
      path: "/data-automation-projects/{projectArn}/",
      operation: "GetDataAutomationProject",
      handle: (request, call) => {
        const { account, item } = this.one("data-automation-project", call, request.params.projectArn);
        return {
          project: {
            projectArn: this.projectArn(call, account, item.id),
            projectName: item.name,
            projectStage: "LIVE",
            status: "COMPLETED",
            creationTime: "2025-01-01T00:00:00Z",
            lastModifiedTime: "2025-01-01T00:00:00Z",
            ...(item.kmsKeyArn === undefined ? {} : { kmsKeyId: item.kmsKeyArn }),
          },
        };
      },
    },
  ]);
}
