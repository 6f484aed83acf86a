import type { Policies } from "@pulumi/policy";
import { FAMILIES, GUARDED_TYPES } from "../catalog";
import type { SettingsSpec } from "../config";
import { keyReferenceRules } from "../rules";
import { KMS_TOKENS } from "../kms-catalog";
import { TEMPLATE_HOST_TYPES } from "../cloudformation";
import { keyReferenceEvaluator, keyReferencePolicy } from "./key-reference-policies";
import type { PackState } from "./pack-state";
import { guardSettings, keyGuard } from "./stack-guard";
import { templatePolicies } from "./template-policies";

/** Everything the pack entry point and the engine gate need, built once per process. */
export interface Guard {
  readonly policies: Policies;
  /** Each policy's settings spec (undefined: the policy takes only an enforcement level). */
  readonly settings: ReadonlyMap<string, SettingsSpec<unknown> | undefined>;
  /** Resource types any policy reads; the engine gate answers for all others at once. */
  readonly relevantTypes: ReadonlySet<string>;
}

export function buildGuard(state: PackState): Guard {
  const keyReference = FAMILIES.flatMap((family) =>
    keyReferenceRules(family).map((rule) => ({
      policy: keyReferencePolicy(family, rule, state),
      evaluator: { resource: keyReferenceEvaluator(family, rule, state) },
    })),
  );
  const keys = keyGuard(state);
  const guarded = [...keyReference, ...keys.policies, ...templatePolicies(state)];
  // guard-settings re-runs the other policies' evaluations to report their exempted findings.
  const settingsPolicy = guardSettings(state, new Map(guarded.map((g) => [g.policy.name, g.evaluator])));
  const policies: Policies = [...guarded.map((g) => g.policy), settingsPolicy.policy];
  return {
    policies,
    settings: new Map<string, SettingsSpec<unknown> | undefined>([
      ...policies.map((p) => [p.name, keys.settings.get(p.name)] as const),
      [settingsPolicy.policy.name, settingsPolicy.spec],
    ]),
    // KMS keys, aliases and key policies: the stack policies trace keys through them. CloudFormation
    // stacks and Cloud Control resources: their templates may declare any of those.
    relevantTypes: new Set([
      ...GUARDED_TYPES.map((t) => t.token),
      ...KMS_TOKENS,
      ...TEMPLATE_HOST_TYPES.map((t) => t.token),
    ]),
  };
}
