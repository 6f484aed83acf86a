/**
 * The cloud this tool simulates while it plays the engine: what a resource's outputs are once
 * created, and which data sources (invokes) have an answer without AWS.
 *
 * - Preview (the `preview` command): a resource being created has only its inputs; every other
 *   output is unknown, as in a first `pulumi preview`. Only lookups whose answer needs no AWS call
 *   answer: caller identity (the configured or mock account), partition and region (from the
 *   provider's region), and `aws.iam.getPolicyDocument`, which the provider computes locally.
 * - Up (tests of the sample stack "after `pulumi up`"): outputs get plausible values (ARNs, ids,
 *   key ids) and a few lookups the sample stack makes get plausible answers too.
 * Every other lookup returns `undefined` at preview: the engine then answers with unknown values,
 * never with an absent result (see invoke-results.ts). After up it fails: the SDK would read an
 * unknown value as absent there.
 */
import { UNKNOWN, type ProviderSpec } from "./pack-client";
import { isProviderType } from "../urn";

/** The account the offline caller identity reports unless the caller names one. */
export const MOCK_ACCOUNT_ID = "123456789012";

export interface NewResource {
  readonly type: string;
  readonly name: string;
  /** Inputs in wire form. */
  readonly inputs: Record<string, unknown>;
  /** The provider reference (`<urn>::<id>`), empty for the default provider. */
  readonly provider: string;
}

export interface CreatedResource {
  /** Empty while the id is unknown (a resource being created at preview). */
  readonly id: string;
  /** Outputs in wire form; at preview only the inputs, so every other output is unknown. */
  readonly outputs: Record<string, unknown>;
}

export class SimulatedCloud {
  private readonly providers = new Map<string, ProviderSpec>();
  private counter = 0;

  /**
   * @param config the stack config as the engine passes it (`namespace:key` keys, text values)
   */
  constructor(
    private readonly config: Readonly<Record<string, string>>,
    readonly preview: boolean,
    private readonly accountId = MOCK_ACCOUNT_ID,
  ) {}

  /** Remembers an explicit provider, so resources naming it carry its properties. */
  noteProvider(provider: ProviderSpec & { readonly urn: string }): void {
    this.providers.set(provider.urn, provider);
  }

  /**
   * The provider a resource names (`<urn>::<id>`), or the default provider the engine creates for
   * the package from the stack config (`aws:region` becomes the provider's `region`).
   */
  providerFor(
    reference: string,
    type: string,
    project: string,
    stack: string,
    version: string,
  ): ProviderSpec {
    const explicit = reference
      ? this.providers.get(reference.slice(0, reference.lastIndexOf("::")))
      : undefined;
    if (explicit) return explicit;
    const pkg = packageOf(type);
    const properties = Object.fromEntries(
      Object.entries(this.config)
        .filter(([key]) => key.startsWith(`${pkg}:`))
        .map(([key, value]) => [key.slice(pkg.length + 1), value]),
    );
    // The engine names default providers after the package version the program asked for.
    const name = version ? `default_${version.replace(/[.+-]/g, "_")}` : "default";
    return {
      type: `pulumi:providers:${pkg}`,
      name,
      urn: `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::${name}`,
      properties,
    };
  }

  create(args: NewResource): CreatedResource {
    const inputs = args.inputs;
    if (isProviderType(args.type)) return { id: this.preview ? "" : `${args.name}-id`, outputs: inputs };
    if (this.preview) return { id: "", outputs: inputs };
    const region = this.regionOf(args.provider, inputs);
    const partition = partitionOf(region);
    const unique = uuidFor(`${args.type}/${args.name}/${++this.counter}`);
    switch (args.type) {
      case "aws:kms/key:Key":
      case "aws:kms/replicaKey:ReplicaKey": {
        // A replica shares its primary's key id; multi-region key ids start with `mrk-`.
        const primaryKeyArn = typeof inputs.primaryKeyArn === "string" ? inputs.primaryKeyArn : undefined;
        const keyId = primaryKeyArn
          ? primaryKeyArn.slice(primaryKeyArn.lastIndexOf("/") + 1)
          : inputs.multiRegion === true
            ? `mrk-${unique.replace(/-/g, "")}`
            : unique;
        const arn = `arn:${partition}:kms:${region}:${this.accountId}:key/${keyId}`;
        return { id: keyId, outputs: { ...inputs, arn, keyId } };
      }
      case "aws:kms/alias:Alias":
        return {
          id: String(inputs.name),
          outputs: {
            ...inputs,
            arn: `arn:${partition}:kms:${region}:${this.accountId}:${inputs.name}`,
            targetKeyArn: `arn:${partition}:kms:${region}:${this.accountId}:key/${inputs.targetKeyId}`,
          },
        };
      case "aws:iam/role:Role": {
        const name = String(inputs.name ?? args.name);
        return {
          id: name,
          outputs: { ...inputs, name, arn: `arn:${partition}:iam::${this.accountId}:role/${name}` },
        };
      }
      case "aws:datazone/domain:Domain": {
        const id = `dzd_${unique.replace(/-/g, "").slice(0, 14)}`;
        return {
          id,
          outputs: {
            ...inputs,
            arn: `arn:${partition}:datazone:${region}:${this.accountId}:domain/${id}`,
            portalUrl: `https://${id}.datazone.${region}.on.aws`,
            domainVersion: inputs.domainVersion ?? "V1",
          },
        };
      }
      default:
        return { id: `${args.name}-id`, outputs: inputs };
    }
  }

  /**
   * The offline answer of a data source; at preview `undefined` when only AWS knows it (the engine
   * then answers with unknown values), after up an error.
   */
  invoke(
    token: string,
    inputs: Record<string, unknown>,
    provider: string,
  ): Record<string, unknown> | undefined {
    const region = this.regionOf(provider, inputs);
    const partition = partitionOf(region);
    switch (token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: this.accountId,
          arn: `arn:${partition}:iam::${this.accountId}:user/mock`,
          id: this.accountId,
          userId: "AIDAMOCKUSER",
        };
      case "aws:index/getPartition:getPartition":
        return {
          partition,
          id: partition,
          dnsSuffix: partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
          reverseDnsPrefix: partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws",
        };
      case "aws:index/getRegion:getRegion":
        return {
          id: region,
          name: region,
          region,
          description: region,
          endpoint: `ec2.${region}.amazonaws.com`,
        };
      case "aws:iam/getPolicyDocument:getPolicyDocument": {
        const document = policyDocumentFromArgs(inputs);
        if (document === undefined) {
          // Not something computed here (unknown inputs, malformed documents, duplicate Sids):
          // unknown at preview, so the key policy is judged at `up`, never a guess.
          if (this.preview) return undefined;
          throw new Error(`the data source ${token} has arguments this tool does not compute offline`);
        }
        const json = JSON.stringify(document, null, 2);
        return { ...inputs, id: String(json.length), json, minifiedJson: JSON.stringify(document) };
      }
      case "aws:datazone/getEnvironmentBlueprint:getEnvironmentBlueprint":
        if (this.preview) return undefined;
        return {
          ...inputs,
          id: `bp_${uuidFor(String(inputs.name)).replace(/-/g, "").slice(0, 14)}`,
          blueprintProvider: "Amazon DataZone",
          description: `${inputs.name} (simulated)`,
          region,
        };
      default:
        if (this.preview) return undefined;
        // After `up` an unknown value reads as absent (the SDK resolves it to undefined): refuse
        // rather than let a looked-up key look missing.
        throw new Error(`the data source ${token} has no simulated answer after \`up\` (only at preview)`);
    }
  }

  private regionOf(reference: string | undefined, inputs: Record<string, unknown>): string {
    if (typeof inputs.region === "string") return inputs.region;
    const urn = reference ? reference.slice(0, reference.lastIndexOf("::")) : "";
    const region = this.providers.get(urn)?.properties?.region;
    if (typeof region === "string") return region;
    return this.config["aws:region"] ?? "us-east-1";
  }
}

/** The package a resource or invoke token belongs to (`aws` for `aws:kms/key:Key`). */
export function packageOf(token: string): string {
  return token.split(":")[0];
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** A stable, UUID-shaped id derived from a seed (KMS key ids are 36-character UUIDs). */
function uuidFor(seed: string): string {
  let hash = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; hex.join("").length < 32; round++) {
    for (const char of `${seed}#${round}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    hex.push(hash.toString(16).padStart(8, "0"));
  }
  const h = hex.join("").slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

interface PolicyDocumentArgs {
  readonly version?: string;
  readonly policyId?: string;
  readonly sourceJson?: string;
  readonly sourcePolicyDocuments?: readonly string[];
  readonly overridePolicyDocuments?: readonly string[];
  readonly overrideJson?: string;
  readonly statements?: readonly StatementArgs[];
}

interface StatementArgs {
  readonly sid?: string;
  readonly effect?: string;
  readonly actions?: string[];
  readonly notActions?: string[];
  readonly resources?: string[];
  readonly notResources?: string[];
  readonly principals?: PrincipalArgs[];
  readonly notPrincipals?: PrincipalArgs[];
  readonly conditions?: { test: string; variable: string; values: string[] }[];
}
interface PrincipalArgs {
  readonly type: string;
  readonly identifiers: string[];
}

/** A policy document being assembled: statements in order, each perhaps with a Sid. */
interface MergedDocument {
  Version?: string;
  Id?: string;
  Statement: Record<string, unknown>[];
}

/**
 * What `aws.iam.getPolicyDocument` computes from its arguments, following the provider's documented
 * order: `sourceJson`, then `sourcePolicyDocuments` (whose Sids must be unique), then the
 * statements given here (which replace source statements of the same Sid), then each of
 * `overridePolicyDocuments` and `overrideJson` (replacing by Sid, appending the rest). Conditions
 * with the same test and variable are merged, principals of the same type too, and `&{...}`
 * becomes the policy variable `${...}`. Undefined when an input is unknown or is something the
 * provider would refuse (a document that is not JSON, a repeated Sid): the result is then not
 * computed here.
 */
function policyDocumentFromArgs(args: PolicyDocumentArgs): MergedDocument | undefined {
  if (JSON.stringify(args).includes(UNKNOWN)) return undefined;
  const merged: MergedDocument = { Statement: [] };
  const sources = [
    ...(args.sourceJson === undefined ? [] : [args.sourceJson]),
    ...(args.sourcePolicyDocuments ?? []),
  ];
  const sourceSids = new Set<string>();
  for (const source of sources) {
    const document = parseDocument(source);
    if (document === undefined) return undefined;
    for (const statement of document.Statement) {
      const sid = sidOf(statement);
      if (sid === "") continue;
      if (sourceSids.has(sid)) return undefined;
      sourceSids.add(sid);
    }
    mergeDocument(merged, document);
  }
  const own = ownStatements(args.statements ?? []);
  if (own === undefined) return undefined;
  mergeDocument(merged, {
    Version: args.version ?? "2012-10-17",
    ...(args.policyId ? { Id: args.policyId } : {}),
    Statement: own,
  });
  const overrides = [
    ...(args.overridePolicyDocuments ?? []),
    ...(args.overrideJson === undefined ? [] : [args.overrideJson]),
  ];
  for (const override of overrides) {
    const document = parseDocument(override);
    if (document === undefined) return undefined;
    mergeDocument(merged, document);
  }
  return {
    Version: merged.Version ?? "2012-10-17",
    ...(merged.Id ? { Id: merged.Id } : {}),
    Statement: merged.Statement,
  };
}

/** The provider's merge: a later Id wins, the later Version if greater, statements replaced by Sid. */
function mergeDocument(into: MergedDocument, next: MergedDocument): void {
  if (next.Id) into.Id = next.Id;
  if (next.Version !== undefined && (into.Version === undefined || next.Version > into.Version))
    into.Version = next.Version;
  for (const statement of next.Statement) {
    const sid = sidOf(statement);
    const at = sid === "" ? -1 : into.Statement.findIndex((s) => sidOf(s) === sid);
    if (at >= 0) into.Statement[at] = statement;
    else into.Statement.push(statement);
  }
}

function sidOf(statement: Record<string, unknown>): string {
  return typeof statement.Sid === "string" ? statement.Sid : "";
}

/** A JSON policy document given as text; undefined when it is not one (the provider fails). */
function parseDocument(text: unknown): MergedDocument | undefined {
  if (typeof text !== "string") return undefined;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined;
  const { Version, Id, Statement } = document as Record<string, unknown>;
  const statements = Statement === undefined ? [] : Array.isArray(Statement) ? Statement : [Statement];
  if (statements.some((s) => typeof s !== "object" || s === null || Array.isArray(s))) return undefined;
  if (Version !== undefined && typeof Version !== "string") return undefined;
  if (Id !== undefined && typeof Id !== "string") return undefined;
  return { Version, Id, Statement: statements as Record<string, unknown>[] };
}

/** The `statements` argument as JSON statements; undefined when two share a Sid (the provider fails). */
function ownStatements(statements: readonly StatementArgs[]): Record<string, unknown>[] | undefined {
  const sids = statements.map((s) => s.sid ?? "").filter((sid) => sid !== "");
  if (new Set(sids).size !== sids.length) return undefined;
  const single = (values: string[] | undefined) => (values && values.length === 1 ? values[0] : values);
  const variables = (values: string[] | undefined) => values?.map((v) => v.replace(/&\{/g, "${"));
  const principals = (list: PrincipalArgs[] | undefined) => {
    if (!list || list.length === 0) return undefined;
    if (list.length === 1 && list[0].type === "*") return "*";
    const grouped: Record<string, string[]> = {};
    for (const p of list) grouped[p.type] = [...(grouped[p.type] ?? []), ...(variables(p.identifiers) ?? [])];
    return Object.fromEntries(Object.entries(grouped).map(([type, ids]) => [type, single(ids)]));
  };
  return statements.map((s) => {
    // Conditions with the same test and variable are one entry with every value, in order.
    const merged: Record<string, Record<string, string[]>> = {};
    for (const c of s.conditions ?? []) {
      const byVariable = (merged[c.test] ??= {});
      byVariable[c.variable] = [...(byVariable[c.variable] ?? []), ...(variables(c.values) ?? [])];
    }
    const conditions = Object.fromEntries(
      Object.entries(merged).map(([test, byVariable]) => [
        test,
        Object.fromEntries(
          Object.entries(byVariable).map(([variable, values]) => [variable, single(values)]),
        ),
      ]),
    );
    const statement: Record<string, unknown> = {
      Sid: s.sid,
      Effect: s.effect ?? "Allow",
      Action: single(s.actions),
      NotAction: single(s.notActions),
      Resource: single(variables(s.resources)),
      NotResource: single(variables(s.notResources)),
      Principal: principals(s.principals),
      NotPrincipal: principals(s.notPrincipals),
      Condition: Object.keys(conditions).length > 0 ? conditions : undefined,
    };
    return Object.fromEntries(Object.entries(statement).filter(([, v]) => v !== undefined && v !== ""));
  });
}
