import type { Policies } from "@pulumi/policy";
import { FAMILIES, GUARDED_TYPES } from "../catalog";
import type { SettingsSpec } from "../config";
import { keyReferenceRules } from "../rules";
import { keyReferencePolicy } from "./key-reference-policies";
import type { PackState } from "./pack-state";

/** Everything the pack entry point and the engine gate need, built once per process. */
export interface Guard {
  readonly policies: Policies;
  /** Each policy's settings spec (undefined: the policy takes only an enforcement level). */
  readonly settings: ReadonlyMap<string, SettingsSpec<unknown> | undefined>;
  /** Resource types any policy reads; the engine gate answers for all others at once. */
  readonly relevantTypes: ReadonlySet<string>;
}

export function buildGuard(state: PackState): Guard {
  const policies: Policies = FAMILIES.flatMap((family) =>
    keyReferenceRules(family).map((rule) => keyReferencePolicy(family, rule, state)),
  );
  return {
    policies,
    settings: new Map(policies.map((p) => [p.name, undefined])),
    relevantTypes: new Set(GUARDED_TYPES.map((t) => t.token)),
  };
}
