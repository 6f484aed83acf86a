/**
 * Finds the KMS key behind every guarded resource of a stack, so that the key can be judged even
 * when its ARN is not known yet (the first `pulumi preview`):
 * - by the property dependencies of the resource's key property (the engine names the resources
 *   a value came from), through a KMS alias in between (the alias's own target dependencies);
 * - by the key ARN, key id, alias ARN or alias name when the value is known (`pulumi up`, a stack
 *   export, `pulumi policy analyze`).
 * A key's identity is (partition, account, region, key id): a key ARN names one key anywhere, but
 * a bare key id (`mrk-` ids are shared by a multi-Region primary and its replicas) and an alias
 * name resolve only in the region of the resource that names them (resource-region.ts).
 * A replica key is judged with its primary's shared properties when the primary is in the stack;
 * when the primary is outside, the replica carries the primary's reference (an outside key).
 * Every `aws:kms/keyPolicy:KeyPolicy` attached to a key is kept, in URN order (never stack order).
 *
 * Pure: plain resources in, traces out. Every resource is indexed once (by URN, ARN, key id and
 * alias name), so a stack of 20,000 resources costs a few linear passes.
 */
import {
  familyOf,
  guardedType,
  type GuardedResourceType,
  type KeyForm,
  type ResourceFamily,
} from "../catalog/bedrock-resources";
import { classifyKeyReference, type KeyReference } from "./key-reference";
import {
  keyIdOfArn,
  keyPolicyFacts,
  kmsAliasType,
  kmsKeyPolicyType,
  kmsKeyType,
  type KeyFacts,
  type KmsAliasType,
  type KmsKeyPolicyType,
  type KmsKeyType,
} from "../catalog/kms-types";
import { resolveRegion } from "./region";
import { readPath, UNKNOWN } from "./values";

/** One resource of the stack, as any front end can produce it (no Pulumi types). */
export interface StackResource {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  /** Properties in wire form or plain: unknown sentinels and secret wrappers are understood. */
  readonly props: unknown;
  /** Top-level property name -> URNs of the resources its value came from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** The properties of the resource's provider (its `region`), when the front end has them. */
  readonly providerProps?: unknown;
  /**
   * A guarded resource of a CloudFormation template only: its key reference's form, with the
   * attributes of the template's keys and aliases standing in (template-resources.ts keyFormOf);
   * UNKNOWN when not determinable offline.
   */
  readonly keyForm?: unknown;
}

export interface TracedKey {
  readonly key: StackResource;
  readonly keyType: KmsKeyType;
  /** The key's facts, with a replica's shared properties taken from its primary when that is in the stack. */
  readonly facts: KeyFacts;
  /** A replica's primary key, when it is in the stack. */
  readonly primary?: StackResource;
  /** Every `aws:kms/keyPolicy:KeyPolicy` that sets this key's policy, in URN order. */
  readonly keyPolicies: readonly StackResource[];
  /** A replica's primary key when it is outside the stack (known by its ARN): an outside key. */
  readonly outsidePrimary?: OutsideKeyReference;
}

/** A reference that names a customer-managed key in a form the resource accepts (key ARN, key id, alias). */
export type OutsideKeyReference = Extract<KeyReference, { form: "key-arn" | "key-id" | "customer-alias" }>;

export type KeyTrace =
  /** The key (or, for a value that may be one of several, each candidate) is in the stack. */
  | { readonly kind: "in-stack"; readonly keys: readonly TracedKey[] }
  /** A well-formed reference, in a form the resource accepts, to no key or alias of this stack. */
  | { readonly kind: "outside"; readonly reference: OutsideKeyReference }
  /** Unknown during preview, and not traceable to a key or alias of this stack. */
  | { readonly kind: "unresolved" }
  /** No key, or a reference that is not a key ARN and names nothing in the stack: the key-reference policies report it. */
  | { readonly kind: "not-traced" };

/** The catalog's name for a reference's form (what `acceptedKeyForms` lists). */
function formOf(reference: OutsideKeyReference): KeyForm {
  if (reference.form === "customer-alias") return reference.asArn ? "alias-arn" : "alias-name";
  return reference.form;
}

export interface GuardedResourceTrace {
  readonly resource: StackResource;
  readonly family: ResourceFamily;
  readonly type: GuardedResourceType;
  readonly trace: KeyTrace;
}

interface KeyEntry {
  readonly resource: StackResource;
  readonly type: KmsKeyType;
  readonly facts: KeyFacts;
  readonly region: Region;
}

interface AliasEntry {
  readonly resource: StackResource;
  readonly type: KmsAliasType;
  readonly region: Region;
}

/** A resource's region: a name, or undefined when not known (unknown at preview, or not stated). */
type Region = string | undefined;

/** Two regions that could be the same one (either not known). */
function couldBeSameRegion(a: Region, b: Region): boolean {
  return a === undefined || b === undefined || a === b;
}

/** The region in a key or alias ARN (`arn:<partition>:kms:<region>:...`). */
function regionOfArn(arn: unknown): Region {
  if (typeof arn !== "string" || !arn.startsWith("arn:")) return undefined;
  const region = arn.split(":")[3];
  return region === undefined || region === "" ? undefined : region;
}

interface KeyPolicyEntry {
  readonly resource: StackResource;
  readonly type: KmsKeyPolicyType;
}

/** The stack's KMS resources, indexed once. */
export class KeyIndex {
  private readonly keysByUrn = new Map<string, KeyEntry>();
  private readonly keysByArn = new Map<string, KeyEntry>();
  /** Multi-Region primaries and replicas share a key id: an id can name several keys. */
  private readonly keysById = new Map<string, KeyEntry[]>();
  private readonly aliasesByUrn = new Map<string, AliasEntry>();
  private readonly aliasesByArn = new Map<string, AliasEntry>();
  private readonly aliasesByName = new Map<string, AliasEntry[]>();
  private readonly keyPoliciesByKeyUrn = new Map<string, KeyPolicyEntry[]>();
  private readonly traced = new Map<string, TracedKey>();
  /** Regions of the resources that name keys, computed once per resource. */
  private readonly regions = new Map<string, Region>();

  /**
   * `stackConfig`: the stack's configuration (`aws:region`, `aws-native:region`);
   * `environmentRegion`: the region the providers take from the environment when nothing else says.
   */
  constructor(
    resources: readonly StackResource[],
    private readonly stackConfig: Readonly<Record<string, unknown>> = {},
    private readonly environmentRegion?: string,
  ) {
    const keyPolicies: KeyPolicyEntry[] = [];
    for (const resource of resources) {
      const keyType = kmsKeyType(resource.type);
      if (keyType !== undefined) {
        const facts = keyType.normalise(resource.props);
        const region = regionOfArn(facts.arn) ?? this.regionOf(resource, keyType);
        this.addKey({ resource, type: keyType, facts, region });
        continue;
      }
      const aliasType = kmsAliasType(resource.type);
      if (aliasType !== undefined) {
        this.addAlias({ resource, type: aliasType, region: this.regionOf(resource, aliasType) });
        continue;
      }
      const keyPolicyType = kmsKeyPolicyType(resource.type);
      if (keyPolicyType !== undefined) keyPolicies.push({ resource, type: keyPolicyType });
    }
    keyPolicies.sort((a, b) =>
      a.resource.urn < b.resource.urn ? -1 : a.resource.urn > b.resource.urn ? 1 : 0,
    );
    for (const entry of keyPolicies) {
      const target = this.resolve(entry.resource, entry.type.keyProperty, false, entry.type);
      for (const key of target) push(this.keyPoliciesByKeyUrn, key.resource.urn, entry);
    }
  }

  /** The region a resource is created in (its own input, its provider's, the stack's default). */
  private regionOf(
    resource: StackResource,
    type: Pick<GuardedResourceType, "provider" | "regionProperty">,
  ): Region {
    if (this.regions.has(resource.urn)) return this.regions.get(resource.urn);
    const resolved = resolveRegion(
      type,
      resource.props,
      resource.providerProps,
      this.stackConfig,
      this.environmentRegion,
    );
    const region = typeof resolved === "string" ? resolved : undefined;
    this.regions.set(resource.urn, region);
    return region;
  }

  private addKey(entry: KeyEntry): void {
    this.keysByUrn.set(entry.resource.urn, entry);
    const { arn, keyId } = entry.facts;
    if (typeof arn === "string") this.keysByArn.set(arn, entry);
    const id = typeof keyId === "string" ? keyId : keyIdOfArn(arn);
    if (id !== undefined) push(this.keysById, id, entry);
  }

  private addAlias(entry: AliasEntry): void {
    this.aliasesByUrn.set(entry.resource.urn, entry);
    const arn =
      entry.type.arnProperty === undefined
        ? undefined
        : readPath(entry.resource.props, [entry.type.arnProperty]);
    if (typeof arn === "string") this.aliasesByArn.set(arn, entry);
    const name = readPath(entry.resource.props, [entry.type.nameProperty]);
    if (typeof name === "string") push(this.aliasesByName, name, entry);
  }

  /**
   * The keys a property of `resource` refers to: by its value when that is known and names a key
   * (or alias) of the stack, else by the resources the value came from.
   */
  private resolve(
    resource: StackResource,
    property: string,
    throughAliases: boolean,
    type: Pick<GuardedResourceType, "provider" | "regionProperty">,
    path = [property],
  ): KeyEntry[] {
    const value = readPath(resource.props, path);
    const byValue = this.byValue(value, throughAliases, () => this.regionOf(resource, type));
    if (byValue.length > 0) return byValue;
    const found = new Map<string, KeyEntry>();
    for (const urn of resource.propertyDependencies[property] ?? []) {
      const key = this.keysByUrn.get(urn);
      if (key !== undefined) {
        // A known key ARN that differs from the value means the value did not come from this key's ARN.
        if (!(typeof value === "string" && typeof key.facts.arn === "string" && key.facts.arn !== value)) {
          found.set(urn, key);
        }
        continue;
      }
      const alias = throughAliases ? this.aliasesByUrn.get(urn) : undefined;
      if (alias !== undefined)
        for (const target of this.aliasTargets(alias)) found.set(target.resource.urn, target);
    }
    return [...found.values()];
  }

  /**
   * Keys a known value names: a key ARN anywhere; a bare key id or an alias name only in the
   * region of the resource that names it (`region`, computed only when needed).
   */
  private byValue(value: unknown, throughAliases: boolean, region: () => Region): KeyEntry[] {
    if (typeof value !== "string") return [];
    const byArn = this.keysByArn.get(value);
    if (byArn !== undefined) return [byArn];
    const byId = this.keysById.get(value);
    if (byId !== undefined) return byId.filter((key) => couldBeSameRegion(key.region, region()));
    if (!throughAliases) return [];
    const byAliasArn = this.aliasesByArn.get(value);
    const aliases =
      byAliasArn !== undefined
        ? [byAliasArn]
        : (this.aliasesByName.get(value) ?? []).filter((alias) => couldBeSameRegion(alias.region, region()));
    return aliases.flatMap((alias) => this.aliasTargets(alias));
  }

  private aliasTargets(alias: AliasEntry): KeyEntry[] {
    const targetArn =
      alias.type.targetArnProperty === undefined
        ? undefined
        : readPath(alias.resource.props, [alias.type.targetArnProperty]);
    const byArn = this.byValue(targetArn, false, () => alias.region);
    return byArn.length > 0
      ? byArn
      : this.resolve(alias.resource, alias.type.targetProperty, false, alias.type);
  }

  /** A key with everything the stack says about it (primary's shared facts, attached key policy). */
  tracedKey(entry: KeyEntry): TracedKey {
    const cached = this.traced.get(entry.resource.urn);
    if (cached !== undefined) return cached;
    let facts = entry.facts;
    let primary: KeyEntry | undefined;
    let outsidePrimary: OutsideKeyReference | undefined;
    if (entry.type.role === "replica") {
      primary = this.resolve(entry.resource, "primaryKeyArn", false, entry.type).find(
        (k) => k.type.role === "key",
      );
      if (primary === undefined) outsidePrimary = outsideReference(entry.facts.primaryKeyArn);
      if (primary !== undefined) {
        const shared = primary.facts;
        facts = {
          ...facts,
          usage: shared.usage,
          spec: shared.spec,
          rotationEnabled: shared.rotationEnabled,
          rotationPeriodDays: shared.rotationPeriodDays,
          origin: shared.origin,
        };
      }
    }
    const keyPolicies = this.keyPoliciesByKeyUrn.get(entry.resource.urn) ?? [];
    // Any attached policy bypassing the lockout check counts, whichever is applied last.
    for (const keyPolicy of keyPolicies) {
      const attached = keyPolicyFacts(keyPolicy.type, keyPolicy.resource.props).bypassLockout;
      if (facts.bypassLockout !== true && attached !== false && attached !== undefined)
        facts = { ...facts, bypassLockout: attached };
    }
    const traced: TracedKey = {
      key: entry.resource,
      keyType: entry.type,
      facts,
      keyPolicies: keyPolicies.map((k) => k.resource),
      ...(primary === undefined ? {} : { primary: primary.resource }),
      ...(outsidePrimary === undefined ? {} : { outsidePrimary }),
    };
    this.traced.set(entry.resource.urn, traced);
    return traced;
  }

  /** What the key property of a guarded resource refers to. */
  trace(resource: StackResource, type: GuardedResourceType): KeyTrace {
    const value = readPath(resource.props, type.keyProperty);
    const keys = this.resolve(resource, type.keyProperty[0], true, type, [...type.keyProperty]);
    if (keys.length > 0) return { kind: "in-stack", keys: keys.map((k) => this.tracedKey(k)) };
    if (value === UNKNOWN) return { kind: "unresolved" };
    const reference = classifyKeyReference(value);
    const outside =
      reference.form === "key-arn" || reference.form === "key-id" || reference.form === "customer-alias";
    if (outside && type.acceptedKeyForms.includes(formOf(reference))) return { kind: "outside", reference };
    return { kind: "not-traced" };
  }
}

/** A replica's primary key ARN, known and outside the stack, as an outside key reference. */
function outsideReference(primaryKeyArn: unknown): OutsideKeyReference | undefined {
  if (typeof primaryKeyArn !== "string") return undefined;
  const reference = classifyKeyReference(primaryKeyArn);
  return reference.form === "key-arn" || reference.form === "key-id" || reference.form === "customer-alias"
    ? reference
    : undefined;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Every guarded resource of the stack (every family of the catalog) with the key it uses. */
export function traceStack(
  resources: readonly StackResource[],
  stackConfig: Readonly<Record<string, unknown>> = {},
  environmentRegion?: string,
): GuardedResourceTrace[] {
  const index = new KeyIndex(resources, stackConfig, environmentRegion);
  const traces: GuardedResourceTrace[] = [];
  for (const resource of resources) {
    const type = guardedType(resource.type);
    const family = familyOf(resource.type);
    if (type === undefined || family === undefined) continue;
    traces.push({ resource, family, type, trace: index.trace(resource, type) });
  }
  return traces;
}
