import type { GuardedResourceType } from "../catalog/bedrock-resources";
import { readPath, UNKNOWN, type Unknown } from "./values";

/**
 * The region the AWS providers fall back to when neither the resource, its provider nor the stack
 * config names one: `AWS_REGION`, then `AWS_DEFAULT_REGION`, from the environment the engine
 * starts the pack with (the user's own, the one the providers read).
 */
export function environmentRegion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ["AWS_REGION", "AWS_DEFAULT_REGION"]) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * The region a resource is created in, as the provider decides it: the resource's own `region`
 * input (@pulumi/aws v7), else its provider's `region`, else the stack's default for that provider
 * package (`aws:region` / `aws-native:region`), else the environment's (see environmentRegion).
 * A value of the wrong type counts as not saying.
 */
export function resolveRegion(
  type: Pick<GuardedResourceType, "regionProperty" | "provider">,
  props: unknown,
  providerProps: unknown,
  stackConfig: Readonly<Record<string, unknown>>,
  fromEnvironment?: string,
): string | Unknown | undefined {
  const candidates: unknown[] = [
    type.regionProperty === undefined ? undefined : readPath(props, [type.regionProperty]),
    readPath(providerProps, ["region"]),
    stackConfig[`${type.provider}:region`],
    fromEnvironment,
  ];
  for (const candidate of candidates) {
    if (candidate === UNKNOWN) return UNKNOWN;
    if (typeof candidate === "string" && candidate.trim() !== "") return candidate;
  }
  return undefined;
}
