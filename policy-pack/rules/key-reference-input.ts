import type { GuardedResourceType, ResourceFamily } from "../catalog/bedrock-resources";
import { resolveRegion } from "../facts/region";
import { readPath, UNKNOWN, type Unknown } from "../facts/values";

/** What the key-reference rules read: one guarded resource, normalised across both providers. */
export interface KeyReferenceInput {
  readonly family: ResourceFamily;
  readonly type: GuardedResourceType;
  /**
   * The key property's value: plain JSON, or UNKNOWN during preview. For a resource of a
   * CloudFormation template whose key names a key of the template, the value's form instead
   * (`!Ref Key` is a key id, `!GetAtt Key.Arn` a key ARN in the stack's region; see
   * {@link keyFromTemplate}): enough for the rules, which judge form and region, not identity.
   */
  readonly key: unknown;
  /** Set when `key` is the form a template's `Ref` / `Fn::GetAtt` gives, not the value itself. */
  readonly keyFromTemplate?: true;
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
  keyForm?: unknown,
): KeyReferenceInput {
  const value = readPath(props, type.keyProperty);
  const fromTemplate = value === UNKNOWN && keyForm !== undefined && keyForm !== UNKNOWN;
  return {
    family,
    type,
    key: fromTemplate ? keyForm : value,
    ...(fromTemplate ? { keyFromTemplate: true as const } : {}),
    props,
    region: resolveRegion(type, props, providerProps, stackConfig, environmentRegion),
  };
}
