import type { GuardedResourceType, ResourceFamily } from "../catalog/bedrock-resources";
import { resolveRegion } from "../facts/region";
import { readPath, type Unknown } from "../facts/values";

/** What the key-reference rules read: one guarded resource, normalised across both providers. */
export interface KeyReferenceInput {
  readonly family: ResourceFamily;
  readonly type: GuardedResourceType;
  /** The key property's value: plain JSON, or UNKNOWN during preview. */
  readonly key: unknown;
  /**
   * The resource's whole property bag (wire form: secrets and unknown sentinels as the engine sends
   * them; read it with values.ts readPath). The catalog's conditions (`appliesWhen`, `keyType`) read it.
   */
  readonly props: unknown;
  /** The region the resource is created in; undefined when nothing says. */
  readonly region: string | Unknown | undefined;
}

/** `kmsKeyIdentifier` or `serverSideEncryptionConfiguration.kmsKeyArn`, as the SDK spells it. */
export function keyPropertyName(input: KeyReferenceInput): string {
  return input.type.keyProperty.join(".");
}

/**
 * Normalises a resource's raw properties (engine wire form: sentinels and secret wrappers allowed)
 * into what the key-reference rules read. Every front end builds rule input through here.
 */
export function keyReferenceInput(
  family: ResourceFamily,
  type: GuardedResourceType,
  props: unknown,
  providerProps: unknown,
  stackConfig: Readonly<Record<string, unknown>>,
  environmentRegion?: string,
): KeyReferenceInput {
  return {
    family,
    type,
    key: readPath(props, type.keyProperty),
    props,
    region: resolveRegion(type, props, providerProps, stackConfig, environmentRegion),
  };
}
