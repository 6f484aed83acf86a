/**
 * A fake Amazon DataZone (REST-JSON, signing name `datazone`): ListDomains (paginated), GetDomain
 * and ListEnvironmentBlueprintConfigurations over domains per account and region. Register with
 * `server.register("datazone", dataZone.handler)`.
 */
import { page } from "./pages";
import { AwsError, restJsonHandler } from "./server";
import type { FakeAccounts } from "./sts";

export interface FakeDomain {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyIdentifier?: string;
  readonly domainExecutionRole: string;
  readonly serviceRole?: string;
  readonly domainVersion?: "V1" | "V2";
  readonly tags?: Record<string, string>;
  readonly status?: string;
  /** Blueprint ids with an environment blueprint configuration in the domain. */
  readonly blueprints?: readonly string[];
}

export class FakeDataZone {
  /** Largest page ListDomains answers (the real API caps maxResults at 25). */
  pageSize = 25;
  private readonly domains = new Map<string, FakeDomain[]>();

  constructor(private readonly accounts: FakeAccounts) {}

  addDomain(account: string, region: string, domain: FakeDomain): this {
    const key = `${account}/${region}`;
    this.domains.set(key, [...(this.domains.get(key) ?? []), domain]);
    return this;
  }

  private inScope(account: string, region: string): FakeDomain[] {
    return this.domains.get(`${account}/${region}`) ?? [];
  }

  private arn(account: string, region: string, domain: FakeDomain): string {
    return `arn:aws:datazone:${region}:${account}:domain/${domain.id}`;
  }

  readonly handler = restJsonHandler([
    {
      method: "GET",
      path: "/v2/domains",
      operation: "ListDomains",
      handle: (request, call) => {
        const account = this.accounts.check(call);
        const result = page(
          this.inScope(account, call.region),
          request.query.get("nextToken"),
          request.query.get("maxResults"),
          this.pageSize,
        );
        return {
          items: result.items.map((d) => ({
            id: d.id,
            name: d.name,
            arn: this.arn(account, call.region, d),
            managedAccountId: account,
            status: d.status ?? "AVAILABLE",
            createdAt: 1_700_000_000,
            domainVersion: d.domainVersion ?? "V1",
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
    {
      method: "GET",
      path: "/v2/domains/{identifier}",
      operation: "GetDomain",
      handle: (request, call) => {
        const account = this.accounts.check(call);
        const domain = this.inScope(account, call.region).find((d) => d.id === request.params.identifier);
        if (!domain) throw new AwsError("ResourceNotFoundException", "Domain not found", 404);
        return {
          id: domain.id,
          name: domain.name,
          arn: this.arn(account, call.region, domain),
          ...(domain.description === undefined ? {} : { description: domain.description }),
          domainExecutionRole: domain.domainExecutionRole,
          ...(domain.serviceRole === undefined ? {} : { serviceRole: domain.serviceRole }),
          ...(domain.kmsKeyIdentifier === undefined ? {} : { kmsKeyIdentifier: domain.kmsKeyIdentifier }),
          domainVersion: domain.domainVersion ?? "V1",
          status: domain.status ?? "AVAILABLE",
          portalUrl: `https://${domain.id}.datazone.${call.region}.on.aws`,
          createdAt: 1_700_000_000,
          tags: domain.tags ?? {},
        };
      },
    },
    {
      method: "GET",
      path: "/v2/domains/{domainIdentifier}/environment-blueprint-configurations",
      operation: "ListEnvironmentBlueprintConfigurations",
      handle: (request, call) => {
        const account = this.accounts.check(call);
        const domain = this.inScope(account, call.region).find(
          (d) => d.id === request.params.domainIdentifier,
        );
        if (!domain) throw new AwsError("ResourceNotFoundException", "Domain not found", 404);
        const result = page(
          [...(domain.blueprints ?? [])],
          request.query.get("nextToken"),
          request.query.get("maxResults"),
          this.pageSize,
        );
        return {
          items: result.items.map((blueprint) => ({
            domainId: domain.id,
            environmentBlueprintId: blueprint,
            enabledRegions: [call.region],
          })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
  ]);
}
