/**
 * The one source of truth for KMS resource types: which tokens are keys (and replicas, aliases,
 * key policies), which property holds each fact the key fitness rules judge, and the provider's
 * default when the property is absent. Like catalog.ts, tokens are plain data: the pack never
 * imports a provider SDK. Every token and property name here is proved against the installed
 * @pulumi/aws and @pulumi/aws-native typings by the catalog test (issue 7).
 */
import type { ProviderPackage } from "./bedrock-resources";
import { isPlainObject, readPath, UNKNOWN } from "../facts/values";

/** The facts about a key that the fitness rules read, whatever the provider calls them. */
export type KeyFactName =
  | "usage"
  | "spec"
  | "enabled"
  | "rotationEnabled"
  | "rotationPeriodDays"
  | "deletionWindowDays"
  | "bypassLockout"
  | "policy"
  | "tags"
  | "multiRegion"
  | "primaryKeyArn"
  | "arn"
  | "keyId";

/**
 * A property of a multi-Region replica that KMS shares from its primary key (usage, spec,
 * rotation, origin): judged from the primary when the primary is in the stack.
 */
export const ON_PRIMARY: unique symbol = Symbol("on-primary");
export type OnPrimary = typeof ON_PRIMARY;

/** Where the key material comes from: rotation is automatic only for `aws-kms` material. */
export type KeyOrigin = "aws-kms" | "external" | "custom-key-store";

/**
 * A key's facts, normalised across providers. Each value is the plain property value, UNKNOWN
 * (not known during preview), ON_PRIMARY (a replica's shared property), or undefined (not stated
 * and the provider has no default). An absent property with a provider default holds the default.
 * Values are not type-checked here: a value of the wrong type reaches the rule, which fails closed.
 */
export interface KeyFacts {
  /** `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, ... */
  readonly usage: unknown;
  /** `SYMMETRIC_DEFAULT`, `RSA_2048`, ... */
  readonly spec: unknown;
  readonly enabled: unknown;
  readonly rotationEnabled: unknown;
  readonly rotationPeriodDays: unknown;
  readonly deletionWindowDays: unknown;
  readonly bypassLockout: unknown;
  /** The key policy: a JSON string, a document object (aws-native), or undefined (KMS's default policy). */
  readonly policy: unknown;
  readonly tags: KeyTags;
  readonly multiRegion: unknown;
  readonly origin: KeyOrigin | typeof UNKNOWN | OnPrimary;
  /** For a replica, the ARN of the primary key it replicates. */
  readonly primaryKeyArn: unknown;
  readonly arn: unknown;
  readonly keyId: unknown;
}

export interface KmsKeyType {
  readonly token: string;
  readonly provider: ProviderPackage;
  readonly sdkClass: string;
  /** What a person calls this resource. */
  readonly displayName: string;
  readonly role: "key" | "replica";
  /** The resource's own region input (@pulumi/aws v7), absent for aws-native (its provider's region). */
  readonly regionProperty?: string;
  /** The property that holds each fact (absent: the type has no such property). */
  readonly factProperties: Readonly<Partial<Record<KeyFactName, string>>>;
  /** Every property the pack reads on this type (checked against the typings). */
  readonly properties: readonly string[];
  /**
   * Of those, the ones only the provider sets (outputs): aws-native has no State interface, so the
   * typings test finds them on the resource class rather than in its Args.
   */
  readonly outputProperties: readonly string[];
  normalise(props: unknown): KeyFacts;
}

const AWS_KEY_FACTS = {
  usage: "keyUsage",
  spec: "customerMasterKeySpec",
  enabled: "isEnabled",
  rotationEnabled: "enableKeyRotation",
  rotationPeriodDays: "rotationPeriodInDays",
  deletionWindowDays: "deletionWindowInDays",
  bypassLockout: "bypassPolicyLockoutSafetyCheck",
  policy: "policy",
  tags: "tags",
  multiRegion: "multiRegion",
  arn: "arn",
  keyId: "keyId",
} as const satisfies Partial<Record<KeyFactName, string>>;

const AWS_EXTERNAL_KEY_FACTS = {
  usage: "keyUsage",
  spec: "keySpec",
  enabled: "enabled",
  deletionWindowDays: "deletionWindowInDays",
  bypassLockout: "bypassPolicyLockoutSafetyCheck",
  policy: "policy",
  tags: "tags",
  multiRegion: "multiRegion",
  arn: "arn",
} as const satisfies Partial<Record<KeyFactName, string>>;

const AWS_REPLICA_KEY_FACTS = {
  // Outputs only: KMS reports the primary's shared properties on the replica once it exists.
  usage: "keyUsage",
  spec: "keySpec",
  rotationEnabled: "keyRotationEnabled",
  enabled: "enabled",
  deletionWindowDays: "deletionWindowInDays",
  bypassLockout: "bypassPolicyLockoutSafetyCheck",
  policy: "policy",
  tags: "tags",
  primaryKeyArn: "primaryKeyArn",
  arn: "arn",
  keyId: "keyId",
} as const satisfies Partial<Record<KeyFactName, string>>;

const NATIVE_KEY_FACTS = {
  usage: "keyUsage",
  spec: "keySpec",
  enabled: "enabled",
  rotationEnabled: "enableKeyRotation",
  rotationPeriodDays: "rotationPeriodInDays",
  deletionWindowDays: "pendingWindowInDays",
  bypassLockout: "bypassPolicyLockoutSafetyCheck",
  policy: "keyPolicy",
  tags: "tags",
  multiRegion: "multiRegion",
  arn: "arn",
  keyId: "keyId",
} as const satisfies Partial<Record<KeyFactName, string>>;

const NATIVE_REPLICA_KEY_FACTS = {
  enabled: "enabled",
  deletionWindowDays: "pendingWindowInDays",
  policy: "keyPolicy",
  tags: "tags",
  primaryKeyArn: "primaryKeyArn",
  arn: "arn",
  keyId: "keyId",
} as const satisfies Partial<Record<KeyFactName, string>>;

/** Reads a property; an absent one (undefined or null) takes the provider's default. */
function read(props: unknown, property: string | undefined, providerDefault?: unknown): unknown {
  if (property === undefined) return providerDefault;
  const value = readPath(props, [property]);
  return value === undefined || value === null ? providerDefault : value;
}

/**
 * A key's tags as one map. `complete` is false while the provider's default tags (@pulumi/aws's
 * `tagsAll`) are not known yet: a tag missing from the map may still come from the provider.
 */
export type KeyTags =
  | { readonly kind: "map"; readonly tags: Readonly<Record<string, unknown>>; readonly complete: boolean }
  | { readonly kind: "unknown" }
  | { readonly kind: "malformed" };

/**
 * One tag map from @pulumi/aws's `tags` merged over `tagsAll` (which adds the provider's default
 * tags), or from aws-native's `[{key, value}]` list.
 */
export function normaliseTags(tags: unknown, tagsAll?: unknown): KeyTags {
  if (tags === UNKNOWN) return { kind: "unknown" };
  if (Array.isArray(tags)) {
    const map: Record<string, unknown> = {};
    for (const entry of tags) {
      const key = readPath(entry, ["key"]);
      if (key === UNKNOWN) return { kind: "unknown" };
      if (typeof key !== "string") return { kind: "malformed" };
      map[key] = readPath(entry, ["value"]);
    }
    return { kind: "map", tags: map, complete: true };
  }
  if (tags !== undefined && tags !== null && !isPlainObject(tags)) return { kind: "malformed" };
  const own = tags ?? {};
  if (tagsAll === UNKNOWN) return { kind: "map", tags: own, complete: false };
  return { kind: "map", tags: { ...(isPlainObject(tagsAll) ? tagsAll : {}), ...own }, complete: true };
}

function keyFacts(
  type: { readonly factProperties: Readonly<Partial<Record<KeyFactName, string>>> },
  props: unknown,
  defaults: Readonly<Partial<Record<KeyFactName, unknown>>>,
  origin: KeyFacts["origin"],
  tagsAll?: unknown,
): KeyFacts {
  const fact = (name: KeyFactName) => read(props, type.factProperties[name], defaults[name]);
  return {
    usage: fact("usage"),
    spec: fact("spec"),
    enabled: fact("enabled"),
    rotationEnabled: fact("rotationEnabled"),
    rotationPeriodDays: fact("rotationPeriodDays"),
    deletionWindowDays: fact("deletionWindowDays"),
    bypassLockout: fact("bypassLockout"),
    policy: fact("policy"),
    tags: normaliseTags(read(props, type.factProperties.tags), tagsAll),
    multiRegion: fact("multiRegion"),
    origin,
    primaryKeyArn: fact("primaryKeyArn"),
    arn: fact("arn"),
    keyId: fact("keyId") ?? keyIdOfArn(fact("arn")),
  };
}

/** The key id at the end of a key ARN (`...:key/<id>`); undefined for anything else. */
export function keyIdOfArn(arn: unknown): string | undefined {
  if (typeof arn !== "string") return undefined;
  const marker = arn.lastIndexOf(":key/");
  return marker < 0 ? undefined : arn.slice(marker + ":key/".length);
}

/** Custom key stores (CloudHSM, external) cannot rotate automatically: judged like imported material. */
function awsKeyOrigin(props: unknown): KeyFacts["origin"] {
  const stores = [readPath(props, ["customKeyStoreId"]), readPath(props, ["xksKeyId"])];
  if (stores.some((v) => typeof v === "string" && v.trim() !== "")) return "custom-key-store";
  return stores.includes(UNKNOWN) ? UNKNOWN : "aws-kms";
}

function nativeKeyOrigin(props: unknown): KeyFacts["origin"] {
  // aws-native's `origin` defaults to AWS_KMS; EXTERNAL means imported key material.
  const origin = readPath(props, ["origin"]);
  if (origin === UNKNOWN) return UNKNOWN;
  return origin === "EXTERNAL" ? "external" : "aws-kms";
}

/**
 * An external key is enabled by default only once it has key material: without
 * `keyMaterialBase64` it stays pending import and cannot encrypt anything.
 */
function externalKeyEnabledDefault(props: unknown): unknown {
  const material = readPath(props, ["keyMaterialBase64"]);
  if (material === UNKNOWN) return UNKNOWN;
  return typeof material === "string" && material !== "";
}

const SHARED_FROM_PRIMARY = {
  usage: ON_PRIMARY,
  spec: ON_PRIMARY,
  rotationEnabled: ON_PRIMARY,
  rotationPeriodDays: ON_PRIMARY,
  multiRegion: true,
} as const;

export const KMS_KEY_TYPES: readonly KmsKeyType[] = [
  {
    token: "aws:kms/key:Key",
    provider: "aws",
    sdkClass: "aws.kms.Key",
    displayName: "KMS key",
    role: "key",
    factProperties: AWS_KEY_FACTS,
    regionProperty: "region",
    properties: [...Object.values(AWS_KEY_FACTS), "tagsAll", "customKeyStoreId", "xksKeyId", "region"],
    outputProperties: ["arn", "keyId", "tagsAll"],
    normalise: (props) =>
      keyFacts(
        { factProperties: AWS_KEY_FACTS },
        props,
        {
          // @pulumi/aws defaults (see its KeyArgs docs): keyUsage ENCRYPT_DECRYPT, customerMasterKeySpec
          // SYMMETRIC_DEFAULT, isEnabled true, enableKeyRotation false, deletionWindowInDays 30 (KMS),
          // bypassPolicyLockoutSafetyCheck false, multiRegion false; rotationPeriodInDays is KMS's 365.
          usage: "ENCRYPT_DECRYPT",
          spec: "SYMMETRIC_DEFAULT",
          enabled: true,
          rotationEnabled: false,
          rotationPeriodDays: 365,
          deletionWindowDays: 30,
          bypassLockout: false,
          multiRegion: false,
        },
        awsKeyOrigin(props),
        readPath(props, ["tagsAll"]),
      ),
  },
  {
    token: "aws:kms/externalKey:ExternalKey",
    provider: "aws",
    sdkClass: "aws.kms.ExternalKey",
    displayName: "KMS key with imported key material",
    role: "key",
    factProperties: AWS_EXTERNAL_KEY_FACTS,
    regionProperty: "region",
    properties: [...Object.values(AWS_EXTERNAL_KEY_FACTS), "tagsAll", "keyMaterialBase64", "region"],
    outputProperties: ["arn", "tagsAll"],
    normalise: (props) =>
      keyFacts(
        { factProperties: AWS_EXTERNAL_KEY_FACTS },
        props,
        {
          // @pulumi/aws defaults: keyUsage ENCRYPT_DECRYPT, keySpec SYMMETRIC_DEFAULT, deletionWindowInDays 30,
          // bypassPolicyLockoutSafetyCheck false, multiRegion false; enabled once key material is imported.
          // Imported material never rotates automatically: rotation is off by construction.
          usage: "ENCRYPT_DECRYPT",
          spec: "SYMMETRIC_DEFAULT",
          enabled: externalKeyEnabledDefault(props),
          rotationEnabled: false,
          deletionWindowDays: 30,
          bypassLockout: false,
          multiRegion: false,
        },
        "external",
        readPath(props, ["tagsAll"]),
      ),
  },
  {
    token: "aws:kms/replicaKey:ReplicaKey",
    provider: "aws",
    sdkClass: "aws.kms.ReplicaKey",
    displayName: "KMS replica key",
    role: "replica",
    factProperties: AWS_REPLICA_KEY_FACTS,
    regionProperty: "region",
    properties: [...Object.values(AWS_REPLICA_KEY_FACTS), "tagsAll", "region"],
    outputProperties: ["arn", "keyId", "tagsAll", "keyUsage", "keySpec", "keyRotationEnabled"],
    normalise: (props) => {
      const own = keyFacts(
        { factProperties: AWS_REPLICA_KEY_FACTS },
        props,
        // @pulumi/aws defaults: enabled true, deletionWindowInDays 30, bypassPolicyLockoutSafetyCheck false.
        { enabled: true, deletionWindowDays: 30, bypassLockout: false, multiRegion: true },
        ON_PRIMARY,
        readPath(props, ["tagsAll"]),
      );
      // Shared properties the replica reports itself (once it exists) stand; the rest are the primary's.
      return {
        ...own,
        usage: own.usage ?? ON_PRIMARY,
        spec: own.spec ?? ON_PRIMARY,
        rotationEnabled: own.rotationEnabled ?? ON_PRIMARY,
        rotationPeriodDays: ON_PRIMARY,
      };
    },
  },
  {
    token: "aws-native:kms:Key",
    provider: "aws-native",
    sdkClass: "awsnative.kms.Key",
    displayName: "KMS key (aws-native)",
    role: "key",
    factProperties: NATIVE_KEY_FACTS,
    properties: [...Object.values(NATIVE_KEY_FACTS), "origin"],
    outputProperties: ["arn", "keyId"],
    normalise: (props) =>
      keyFacts(
        { factProperties: NATIVE_KEY_FACTS },
        props,
        {
          // aws-native (CloudFormation AWS::KMS::Key) defaults: KeyUsage ENCRYPT_DECRYPT, KeySpec
          // SYMMETRIC_DEFAULT, Enabled true, EnableKeyRotation false, RotationPeriodInDays 365,
          // PendingWindowInDays 30, BypassPolicyLockoutSafetyCheck false, MultiRegion false.
          usage: "ENCRYPT_DECRYPT",
          spec: "SYMMETRIC_DEFAULT",
          enabled: true,
          rotationEnabled: false,
          rotationPeriodDays: 365,
          deletionWindowDays: 30,
          bypassLockout: false,
          multiRegion: false,
        },
        nativeKeyOrigin(props),
      ),
  },
  {
    token: "aws-native:kms:ReplicaKey",
    provider: "aws-native",
    sdkClass: "awsnative.kms.ReplicaKey",
    displayName: "KMS replica key (aws-native)",
    role: "replica",
    factProperties: NATIVE_REPLICA_KEY_FACTS,
    properties: Object.values(NATIVE_REPLICA_KEY_FACTS),
    outputProperties: ["arn", "keyId"],
    normalise: (props) =>
      keyFacts(
        { factProperties: NATIVE_REPLICA_KEY_FACTS },
        props,
        // CloudFormation AWS::KMS::ReplicaKey defaults: Enabled true, PendingWindowInDays 30.
        { ...SHARED_FROM_PRIMARY, enabled: true, deletionWindowDays: 30, bypassLockout: false },
        ON_PRIMARY,
      ),
  },
];

export interface KmsAliasType {
  readonly token: string;
  readonly provider: ProviderPackage;
  /** The alias name (`alias/...`). */
  readonly nameProperty: string;
  /** The target key as given: a key id or a key ARN. */
  readonly targetProperty: string;
  /** The target key's ARN, as the provider reports it (absent: none). */
  readonly targetArnProperty?: string;
  readonly arnProperty?: string;
  /** The resource's own region input (@pulumi/aws v7); absent: its provider's region. */
  readonly regionProperty?: string;
  readonly properties: readonly string[];
  readonly outputProperties: readonly string[];
}

export const KMS_ALIAS_TYPES: readonly KmsAliasType[] = [
  {
    token: "aws:kms/alias:Alias",
    provider: "aws",
    nameProperty: "name",
    targetProperty: "targetKeyId",
    targetArnProperty: "targetKeyArn",
    arnProperty: "arn",
    regionProperty: "region",
    properties: ["name", "targetKeyId", "targetKeyArn", "arn", "region"],
    outputProperties: ["targetKeyArn", "arn"],
  },
  {
    token: "aws-native:kms:Alias",
    provider: "aws-native",
    nameProperty: "aliasName",
    targetProperty: "targetKeyId",
    properties: ["aliasName", "targetKeyId"],
    outputProperties: [],
  },
];

export interface KmsKeyPolicyType {
  readonly token: string;
  readonly provider: ProviderPackage;
  readonly sdkClass: string;
  readonly displayName: string;
  /** The key the policy is attached to: a key id or a key ARN. */
  readonly keyProperty: string;
  readonly policyProperty: string;
  readonly bypassLockoutProperty: string;
  /** The resource's own region input (@pulumi/aws v7). */
  readonly regionProperty?: string;
  readonly properties: readonly string[];
  readonly outputProperties: readonly string[];
}

export const KMS_KEY_POLICY_TYPES: readonly KmsKeyPolicyType[] = [
  {
    token: "aws:kms/keyPolicy:KeyPolicy",
    provider: "aws",
    sdkClass: "aws.kms.KeyPolicy",
    displayName: "KMS key policy",
    keyProperty: "keyId",
    policyProperty: "policy",
    bypassLockoutProperty: "bypassPolicyLockoutSafetyCheck",
    regionProperty: "region",
    properties: ["keyId", "policy", "bypassPolicyLockoutSafetyCheck", "region"],
    outputProperties: [],
  },
];

/** Every KMS token the pack reads (the engine gate must let these through). */
export const KMS_TOKENS: readonly string[] = [
  ...KMS_KEY_TYPES.map((t) => t.token),
  ...KMS_ALIAS_TYPES.map((t) => t.token),
  ...KMS_KEY_POLICY_TYPES.map((t) => t.token),
];

/**
 * Every KMS type and property path the pack reads, as the catalog typings test checks them: for
 * @pulumi/aws against the `<Class>State` interface (inputs and outputs), for aws-native against
 * `<Class>Args` (inputs; its outputs are class properties, listed in `outputProperties`).
 */
export const KMS_TYPED_PROPERTIES: readonly {
  readonly token: string;
  readonly provider: ProviderPackage;
  readonly argsType: string;
  readonly paths: readonly (readonly string[])[];
}[] = [...KMS_KEY_TYPES, ...KMS_ALIAS_TYPES, ...KMS_KEY_POLICY_TYPES].map((type) => {
  const className = type.token.slice(type.token.lastIndexOf(":") + 1);
  const native = type.provider === "aws-native";
  return {
    token: type.token,
    provider: type.provider,
    argsType: `${className}${native ? "Args" : "State"}`,
    paths: type.properties.filter((p) => !native || !type.outputProperties.includes(p)).map((p) => [p]),
  };
});

const keyTypeByToken = new Map(KMS_KEY_TYPES.map((t) => [t.token, t]));
const aliasTypeByToken = new Map(KMS_ALIAS_TYPES.map((t) => [t.token, t]));
const keyPolicyTypeByToken = new Map(KMS_KEY_POLICY_TYPES.map((t) => [t.token, t]));

export function kmsKeyType(token: string): KmsKeyType | undefined {
  return keyTypeByToken.get(token);
}

export function kmsAliasType(token: string): KmsAliasType | undefined {
  return aliasTypeByToken.get(token);
}

export function kmsKeyPolicyType(token: string): KmsKeyPolicyType | undefined {
  return keyPolicyTypeByToken.get(token);
}

/** The facts a standalone key policy resource contributes to its key (policy and lockout check). */
export function keyPolicyFacts(
  type: KmsKeyPolicyType,
  props: unknown,
): Pick<KeyFacts, "policy" | "bypassLockout"> {
  return {
    policy: read(props, type.policyProperty),
    // @pulumi/aws default: false.
    bypassLockout: read(props, type.bypassLockoutProperty, false),
  };
}

/** Where a key's facts come from: a key type's properties, or AWS KMS's answers about a key. */
export type KeySource = Pick<KmsKeyType, "role" | "factProperties"> & {
  /**
   * Set for facts read from an existing key: KMS states a deletion waiting period only once a
   * deletion is scheduled (the window is chosen then), so its absence means none is scheduled.
   */
  readonly deletionWindowWhenScheduled?: true;
};

/** AWS KMS's names for the facts of an existing key (DescribeKey, GetKeyRotationStatus, ...). */
export const KMS_API_KEY_SOURCE: KeySource = {
  role: "key",
  factProperties: {
    usage: "KeyUsage",
    spec: "KeySpec",
    enabled: "Enabled",
    rotationEnabled: "KeyRotationEnabled",
    rotationPeriodDays: "RotationPeriodInDays",
    deletionWindowDays: "PendingDeletionWindowInDays",
    policy: "Policy",
    tags: "Tags",
    multiRegion: "MultiRegion",
    arn: "Arn",
    keyId: "KeyId",
  },
  deletionWindowWhenScheduled: true,
};
