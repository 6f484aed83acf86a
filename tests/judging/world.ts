/**
 * Builders for in-process judging tests, over the shared builders: a fit key with its outputs, a
 * guarded resource of any catalog type that uses the key, and a pack state. One account, one region.
 */
import { GUARDED_TYPES, type GuardedResourceType } from "../../policy-pack/catalog/bedrock-resources";
import type { StackResource } from "../../policy-pack/facts/key-tracing";
import type { ValueMode } from "../../policy-pack/judging/final-values";
import { createPackState, type PackState } from "../../policy-pack/settings/pack-state";
import {
  ACCOUNT,
  ADMIN_STATEMENT,
  keyArn as builtKeyArn,
  FIT_KEY_PROPERTIES,
  policyDocument,
} from "../support/builders";

export const REGION = "us-east-1";

export const keyArn = (id: string) => builtKeyArn(REGION, id, ACCOUNT);

/** AWS's default key policy: the account's root, through IAM, and nobody else. */
export const RESTRICTED_POLICY = policyDocument(ADMIN_STATEMENT);

/** The properties of a fit `aws:kms/key:Key` (as a stack export holds them, outputs included). */
export function fitKeyProps(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...FIT_KEY_PROPERTIES,
    policy: RESTRICTED_POLICY,
    arn: keyArn(id),
    keyId: id,
    ...overrides,
  };
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:dev::world::${type}::${name}`;
}

export function resource(
  type: string,
  name: string,
  props: unknown,
  extra: Partial<Pick<StackResource, "propertyDependencies" | "providerProps">> = {},
): StackResource {
  return {
    type,
    urn: urnOf(type, name),
    name,
    props,
    propertyDependencies: extra.propertyDependencies ?? {},
    providerProps: extra.providerProps ?? { region: REGION },
  };
}

/** Sets a value at a property path, creating the objects on the way (plain data only). */
export function withPath(
  props: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return props;
  const inner = props[head];
  return {
    ...props,
    [head]:
      rest.length === 0
        ? value
        : withPath(
            typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : {},
            rest,
            value,
          ),
  };
}

/** Guarded types whose key applies without conditions on other properties (the simplest to build). */
export const UNCONDITIONAL_TYPES: readonly GuardedResourceType[] = GUARDED_TYPES.filter(
  (type) => type.appliesWhen === undefined && type.keyType === undefined,
);

/** A guarded resource of `type` that names `key` (a key ARN). */
export function guardedResource(type: GuardedResourceType, name: string, key: unknown): StackResource {
  return resource(type.token, name, withPath({ name }, type.keyProperty, key));
}

export function packState(
  mode: ValueMode,
  config: Record<string, unknown> = { "aws:region": REGION },
): PackState {
  const state = createPackState({ PULUMI_CONFIG: JSON.stringify(config) });
  state.mode = mode;
  return state;
}
