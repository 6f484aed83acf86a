import type { Policies } from "@pulumi/policy";
import { FAMILIES, GUARDED_TYPES } from "../catalog/bedrock-resources";
import type { SettingsSpec } from "../settings/pack-config";
import { keyReferenceRules } from "../rules";
import { KMS_TOKENS } from "../catalog/kms-types";
import { TEMPLATE_HOST_TYPES } from "../facts/cloudformation/template-resources";
import { BLUEPRINT_CONFIGURATION_TYPES } from "../catalog/workspace-blueprints";
import { keyReferenceEvaluator, keyReferencePolicy } from "./key-reference-policies";
import type { PackState } from "../settings/pack-state";
import { guardSettings, keyGuard } from "./stack-guard";
import { templatePolicies } from "./template-policies";

/** Everything the pack entry point and the engine gate need, built once per process. */
export interface Guard {
  readonly policies: Policies;
  /** Each policy's settings spec (undefined: the policy takes only an enforcement level). */
  readonly settings: ReadonlyMap<string, SettingsSpec<unknown> | undefined>;
  /** Resource types any policy reads; the engine gate answers for all others at once. */
  readonly relevantTypes: ReadonlySet<string>;
  /** Why Pulumi's `remediate` level is refused, for every policy that has no safe automatic fix. */
  readonly remediationUnavailable: ReadonlyMap<string, string>;
}

/** The key behind a Bedrock resource is a design choice, and changing it re-creates the resource. */
const KEY_REFERENCE_CANNOT_REMEDIATE =
  "no automatic fix is safe: the guard cannot choose a resource's key (set it in the program; " +
  "changing it re-creates the resource)";
const SETTINGS_CANNOT_REMEDIATE = "this policy holds the guard's settings and fixes nothing";
const NO_AUTOMATIC_FIX = "this policy has no safe automatic fix";

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
  const policies: Policies = [...guarded.map((g) => g.policy), settingsPolicy.policy].map(withConfigSchema);
  return {
    policies,
    settings: new Map<string, SettingsSpec<unknown> | undefined>([
      ...policies.map((p) => [p.name, keys.settings.get(p.name)] as const),
      [settingsPolicy.policy.name, settingsPolicy.spec],
    ]),
    // KMS keys, aliases and key policies: the stack policies trace keys through them. CloudFormation
    // stacks and Cloud Control resources: their templates may declare any of those. Blueprint
    // configurations: whether a domain is used by Bedrock Studio (the EnableBedrock tag).
    relevantTypes: new Set([
      ...GUARDED_TYPES.map((t) => t.token),
      ...KMS_TOKENS,
      ...TEMPLATE_HOST_TYPES.map((t) => t.token),
      ...BLUEPRINT_CONFIGURATION_TYPES.map((t) => t.token),
    ]),
    remediationUnavailable: refusedRemediations(policies, [
      ...keyReference.map((k) => [k.policy.name, KEY_REFERENCE_CANNOT_REMEDIATE] as const),
      ...keys.remediationUnavailable,
      [settingsPolicy.policy.name, SETTINGS_CANNOT_REMEDIATE],
    ]),
  };
}

/**
 * Every policy declares a config schema, an empty one when it takes only a level: Pulumi Cloud then
 * offers each policy's configuration, and `pulumi policy validate-config` knows every policy.
 */
function withConfigSchema<P extends Policies[number]>(policy: P): P {
  return policy.configSchema === undefined ? { ...policy, configSchema: { properties: {} } } : policy;
}

/**
 * The explained refusals, plus every other policy without a `remediateResource`: a policy added
 * later without a fix can never accept `remediate` and then silently fix nothing.
 */
function refusedRemediations(
  policies: Policies,
  explained: Iterable<readonly [string, string]>,
): ReadonlyMap<string, string> {
  const refused = new Map(explained);
  for (const policy of policies) {
    const remediates = "remediateResource" in policy && policy.remediateResource !== undefined;
    if (!remediates && !refused.has(policy.name)) refused.set(policy.name, NO_AUTOMATIC_FIX);
  }
  return refused;
}
