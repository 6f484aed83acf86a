/**
 * A fake Amazon Bedrock AgentCore control plane (REST-JSON, signing name `bedrock-agentcore`):
 * memories and gateways, each listed with pagination and read one by one (memories carry epoch
 * timestamps, gateways RFC 3339 ones, as the API reference shows). Register it with
 * `server.register("bedrock-agentcore", agentCore.handler)`.
 */
import { page } from "./pages";
import { AwsError, restJsonHandler, type FakeAwsCall } from "./server";
import type { FakeAccounts } from "./sts";

export interface FakeAgentCoreResource {
  readonly id: string;
  readonly name: string;
  /** The KMS key ARN it is encrypted with; absent: a service-managed key. */
  readonly kmsKeyArn?: string;
}

type Kind = "memory" | "gateway";

export class FakeAgentCore {
  pageSize = 50;
  private readonly resources = new Map<string, FakeAgentCoreResource[]>();

  constructor(private readonly accounts: FakeAccounts) {}

  add(kind: Kind, account: string, region: string, resource: FakeAgentCoreResource): this {
    const key = `${kind}/${account}/${region}`;
    this.resources.set(key, [...(this.resources.get(key) ?? []), resource]);
    return this;
  }

  /** Forgets every memory and gateway (a test that adds some for itself only). */
  clear(): void {
    this.resources.clear();
  }

  private scope(kind: Kind, call: FakeAwsCall): { account: string; items: FakeAgentCoreResource[] } {
    const account = this.accounts.check(call);
    return { account, items: this.resources.get(`${kind}/${account}/${call.region}`) ?? [] };
  }

  private one(kind: Kind, call: FakeAwsCall, id: string): { account: string; item: FakeAgentCoreResource } {
    const { account, items } = this.scope(kind, call);
    const item = items.find((r) => r.id === id);
    if (!item) throw new AwsError("ResourceNotFoundException", `${kind} ${id} not found`, 404);
    return { account, item };
  }

  private arn(call: FakeAwsCall, account: string, kind: Kind, id: string): string {
    return `arn:aws:bedrock-agentcore:${call.region}:${account}:${kind}/${id}`;
  }

  readonly handler = restJsonHandler([
    {
      method: "POST",
      path: "/memories/",
      operation: "ListMemories",
      handle: (request, call) => {
        const { account, items } = this.scope("memory", call);
        const body = (request.body ?? {}) as { nextToken?: string; maxResults?: number };
        const result = page(items, body.nextToken, body.maxResults, this.pageSize);
        return {
          memories: result.items.map((m) => ({
            arn: this.arn(call, account, "memory", m.id),
            id: m.id,
            status: "ACTIVE",
            createdAt: 1735689600,
            updatedAt: 1735689600,
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/memories/{memoryId}/details",
      operation: "GetMemory",
      handle: (request, call) => {
        const { account, item } = this.one("memory", call, request.params.memoryId);
        return {
          memory: {
            arn: this.arn(call, account, "memory", item.id),
            id: item.id,
            name: item.name,
            eventExpiryDuration: 90,
            status: "ACTIVE",
            createdAt: 1735689600,
            updatedAt: 1735689600,
            ...(item.kmsKeyArn === undefined ? {} : { encryptionKeyArn: item.kmsKeyArn }),
          },
        };
      },
    },
    {
      method: "GET",
      path: "/gateways/",
      operation: "ListGateways",
      handle: (request, call) => {
        const { items } = this.scope("gateway", call);
        const result = page(
          items,
          request.query.get("nextToken"),
          request.query.get("maxResults"),
          this.pageSize,
        );
        return {
          items: result.items.map((g) => ({
            gatewayId: g.id,
            name: g.name,
            status: "READY",
            authorizerType: "AWS_IAM",
            protocolType: "MCP",
            createdAt: "2025-01-01T00:00:00Z",
            updatedAt: "2025-01-01T00:00:00Z",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/gateways/{gatewayIdentifier}/",
      operation: "GetGateway",
      handle: (request, call) => {
        const { account, item } = this.one("gateway", call, request.params.gatewayIdentifier);
        return {
          gatewayArn: this.arn(call, account, "gateway", item.id),
          gatewayId: item.id,
          name: item.name,
          status: "READY",
          roleArn: `arn:aws:iam::${account}:role/GatewayServiceRole`,
          authorizerType: "AWS_IAM",
          protocolType: "MCP",
          createdAt: "2025-01-01T00:00:00Z",
          updatedAt: "2025-01-01T00:00:00Z",
          ...(item.kmsKeyArn === undefined ? {} : { kmsKeyArn: item.kmsKeyArn }),
        };
      },
    },
  ]);
}
