import type { ResourceFamily } from "../catalog/bedrock-resources";
import { ON_PRIMARY, type KeyFactName, type KeyFacts, type KeySource } from "../catalog/kms-types";
import type { EnforcementLevel } from "../catalog/compliance";
import { UNKNOWN } from "../facts/values";
import type { ConsumerRole } from "../facts/role-policies";

/** Thresholds a team can configure (each policy's settings); the defaults follow the issue. */
export interface KeyFitnessLimits {
  /** Longest accepted automatic rotation period. KMS allows 90-2560 days and defaults to 365. */
  readonly maxRotationPeriodDays: number;
  /** Shortest accepted deletion waiting period. KMS allows 7-30 days and defaults to 30. */
  readonly minDeletionWindowDays: number;
}

export const DEFAULT_LIMITS: KeyFitnessLimits = { maxRotationPeriodDays: 365, minDeletionWindowDays: 30 };

/** What the key fitness rules read: one key, normalised across providers. */
export interface KeyFitnessInput {
  readonly facts: KeyFacts;
  /** Where the facts come from (a key type, or a standalone key policy's properties). */
  readonly keyType: KeySource;
  /** A replica's primary, when it is in the stack (its shared facts are in `facts`). */
  readonly primaryType?: KeySource;
  readonly limits: KeyFitnessLimits;
  /**
   * Standalone key policy resources (`aws:kms/keyPolicy:KeyPolicy`) attached to the key, in URN
   * order: each one's document is the key's policy at some point of a deployment.
   */
  readonly attachedPolicies?: readonly { readonly name: string; readonly policy: unknown }[];
  /** The current time in epoch milliseconds, for key policies with time conditions (default: now). */
  readonly now?: number;
  /** The guarded resource that uses the key (stack policies); absent when a key is judged on its own. */
  readonly consumer?: {
    readonly family: ResourceFamily;
    readonly props: unknown;
    /**
     * Environment blueprint configurations the stack enables in this resource (a DataZone domain);
     * absent when the stack is not known.
     */
    readonly blueprintConfigurations?: number;
    /**
     * The IAM roles the resource names, with their identity policies as the stack shows them;
     * absent when the front end has no stack (the roles are then read from `props`).
     */
    readonly roles?: readonly ConsumerRole[];
  };
}

/**
 * Who a family of key rules speaks about: the key behind a guarded resource (stack policies,
 * mandatory by default) or every KMS key of the stack on its own (hygiene, advisory by default).
 */
export interface KeyRuleScope {
  /** Prefix of the rule ids: `cmk-key` or `kms-key`. */
  readonly idPrefix: string;
  /** Plural subject of the rule titles. */
  readonly subject: string;
  /** The level of the rules the issue makes mandatory. */
  readonly defaultLevel: EnforcementLevel;
}

export const CONSUMED_KEY_SCOPE: KeyRuleScope = {
  idPrefix: "cmk-key",
  subject: "Customer-managed keys of Bedrock resources",
  defaultLevel: "mandatory",
};

export const KMS_HYGIENE_SCOPE: KeyRuleScope = {
  idPrefix: "kms-key",
  subject: "KMS keys",
  defaultLevel: "advisory",
};

/** Shared by every rule's rationale: why the key's fitness matters at all. */
export const KEY_FITNESS_WHY =
  "A Bedrock resource is only as protected as its customer-managed key: an unfit key breaks encryption, access control or recovery of the data it protects.";

/** Facts KMS shares between a multi-Region primary key and its replicas. */
const SHARED_FACTS: ReadonlySet<KeyFactName> = new Set([
  "usage",
  "spec",
  "rotationEnabled",
  "rotationPeriodDays",
]);

/** The property that holds a fact, as the person fixing it writes it (on the primary for shared facts). */
export function propertyOf(input: KeyFitnessInput, fact: KeyFactName): string {
  const onPrimary = input.keyType.role === "replica" && SHARED_FACTS.has(fact);
  const type = onPrimary ? input.primaryType : input.keyType;
  const property = type?.factProperties[fact];
  const where = onPrimary ? " on the multi-Region primary key" : "";
  return property === undefined ? `the key's ${fact}${where}` : `\`${property}\`${where}`;
}

/**
 * The resource's own property that holds a fact, where a fix can be written: none for a fact a
 * replica shares with its primary (a replica only reports it, as an output).
 */
export function ownProperty(input: KeyFitnessInput, fact: KeyFactName): string | undefined {
  if (input.keyType.role === "replica" && SHARED_FACTS.has(fact)) return undefined;
  return input.keyType.factProperties[fact];
}

export type Fact<T> =
  | { readonly state: "known"; readonly value: T }
  | { readonly state: "unknown" }
  /** A replica's shared fact whose primary key is not in the stack. */
  | { readonly state: "on-primary" }
  | { readonly state: "absent" }
  | { readonly state: "wrong-type" };

function fact<T>(value: unknown, isType: (v: unknown) => v is T): Fact<T> {
  if (value === UNKNOWN) return { state: "unknown" };
  if (value === ON_PRIMARY) return { state: "on-primary" };
  if (value === undefined || value === null) return { state: "absent" };
  return isType(value) ? { state: "known", value } : { state: "wrong-type" };
}

export const booleanFact = (value: unknown): Fact<boolean> =>
  fact(value, (v): v is boolean => typeof v === "boolean");
export const numberFact = (value: unknown): Fact<number> =>
  fact(value, (v): v is number => typeof v === "number" && Number.isFinite(v));
export const stringFact = (value: unknown): Fact<string> =>
  fact(value, (v): v is string => typeof v === "string");

/** Why a fact cannot be judged yet (for `undetermined` outcomes). */
export function pendingReason(
  input: KeyFitnessInput,
  name: KeyFactName,
  state: "unknown" | "on-primary",
): string {
  return state === "unknown"
    ? `${propertyOf(input, name)} is not known until the key exists.`
    : `this replica shares ${propertyOf(input, name)} with its multi-Region primary key, which is judged on its own (or is not in this stack).`;
}

/** A value for one key fact that makes a rule pass and loses nothing (Pulumi's `remediate` level). */
export interface KeyFactFix {
  readonly fact: KeyFactName;
  readonly value: boolean | number;
}

/**
 * What Pulumi's `remediate` level may do for a key fitness rule: the safe fixes for a key the rule
 * found non-compliant, or why no automatic fix is safe (the level is then refused at Configure).
 */
export type KeyRemediation =
  | { readonly kind: "automatic"; fixes(input: KeyFitnessInput): readonly KeyFactFix[] }
  | { readonly kind: "manual"; readonly reason: string };
