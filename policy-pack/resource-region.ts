import type { GuardedResourceType } from "./catalog";
import { readPath, UNKNOWN, type Unknown } from "./values";

/**
 * The region a resource is created in, as the provider decides it: the resource's own `region`
 * input (@pulumi/aws v7), else its provider's `region`, else the stack's default for that provider
 * package (`aws:region` / `aws-native:region`). A value of the wrong type counts as not saying.
 */
export function resolveRegion(
  type: Pick<GuardedResourceType, "provider" | "regionProperty">,
  props: unknown,
  providerProps: unknown,
  stackConfig: Readonly<Record<string, unknown>>,
): string | Unknown | undefined {
  const candidates: unknown[] = [
    type.regionProperty === undefined ? undefined : readPath(props, [type.regionProperty]),
    readPath(providerProps, ["region"]),
    stackConfig[`${type.provider}:region`],
  ];
  for (const candidate of candidates) {
    if (candidate === UNKNOWN) return UNKNOWN;
    if (typeof candidate === "string" && candidate.trim() !== "") return candidate;
  }
  return undefined;
}
