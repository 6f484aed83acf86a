/**
 * Every policy of the guard, in reporting order: the rule it runs, where it runs (on one resource,
 * or over the stack), its settings and whether Pulumi's `remediate` level can apply. The CrossGuard
 * pack declares exactly these policies; the audit, `check` and the AWS Config rule report under
 * the same names and levels.
 */
import { FAMILIES } from "../catalog/bedrock-resources";
import { keyReferenceRules } from "../rules";
import { cmkKeyAliasSource } from "../rules/cmk-key-alias-source";
import { cmkKeyCustomerManaged } from "../rules/cmk-key-customer-managed";
import { cmkKeyVerifiable } from "../rules/cmk-key-verifiable";
import { templateInspectable } from "../rules/cmk-template-inspectable";
import { templateReadable } from "../rules/cmk-template-readable";
import type { RuleMetadata } from "../rules/rule";
import {
  GUARD_SETTINGS_DESCRIPTION,
  GUARD_SETTINGS_POLICY,
  guardSettingsSpec,
} from "../settings/guard-settings";
import type { SettingsSpec } from "../settings/pack-config";
import { CONSUMED_KEY_RULES } from "./consumed-key-rules";
import { cmkUnverifiable, type PolicyLevel } from "./final-values";
import { KMS_HYGIENE_RULES } from "./kms-hygiene-rules";
import { policyDescription, type PolicyDescription } from "./policy-description";

/** Analyze judges one resource; AnalyzeStack the whole stack. */
export type PolicyStage = "resource" | "stack";

export interface PolicyDefinition {
  readonly rule: RuleMetadata;
  readonly stages: readonly PolicyStage[];
  readonly settings?: SettingsSpec<unknown>;
  /** Why `remediate` is refused; absent for the policies with a safe automatic fix. */
  readonly remediationUnavailable?: string;
}

/** The key behind a Bedrock resource is a design choice, and changing it re-creates the resource. */
const KEY_REFERENCE_CANNOT_REMEDIATE =
  "no automatic fix is safe: the guard cannot choose a resource's key (set it in the program; " +
  "changing it re-creates the resource)";
/** Pulumi calls Remediate on resource policies only; the kms-key-* twin of a check fixes the key. */
export const STACK_POLICY_CANNOT_REMEDIATE =
  "a stack policy cannot change resources (set its kms-key-* twin to remediate where it has one)";
const NO_AUTOMATIC_FIX = "this policy has no safe automatic fix";
const SETTINGS_CANNOT_REMEDIATE = "this policy holds the guard's settings and fixes nothing";

export const POLICY_DEFINITIONS: readonly PolicyDefinition[] = [
  ...FAMILIES.flatMap((family) =>
    keyReferenceRules(family).map((rule): PolicyDefinition => ({
      rule,
      stages: ["resource"],
      remediationUnavailable: KEY_REFERENCE_CANNOT_REMEDIATE,
    })),
  ),
  { rule: cmkKeyCustomerManaged, stages: ["stack"], remediationUnavailable: STACK_POLICY_CANNOT_REMEDIATE },
  ...CONSUMED_KEY_RULES.map((consumed): PolicyDefinition => ({
    rule: consumed.rule,
    stages: ["stack"],
    ...(consumed.settings === undefined ? {} : { settings: consumed.settings }),
    remediationUnavailable: STACK_POLICY_CANNOT_REMEDIATE,
  })),
  { rule: cmkKeyVerifiable, stages: ["stack"], remediationUnavailable: STACK_POLICY_CANNOT_REMEDIATE },
  { rule: cmkKeyAliasSource, stages: ["stack"], remediationUnavailable: STACK_POLICY_CANNOT_REMEDIATE },
  ...KMS_HYGIENE_RULES.map((hygiene): PolicyDefinition => ({
    rule: hygiene.rule,
    stages: ["resource"],
    ...(hygiene.settings === undefined ? {} : { settings: hygiene.settings }),
    ...(hygiene.remediation.kind === "manual" ? { remediationUnavailable: hygiene.remediation.reason } : {}),
  })),
  { rule: templateReadable, stages: ["resource"], remediationUnavailable: NO_AUTOMATIC_FIX },
  { rule: templateInspectable, stages: ["resource"], remediationUnavailable: NO_AUTOMATIC_FIX },
  { rule: cmkUnverifiable, stages: ["resource", "stack"], remediationUnavailable: NO_AUTOMATIC_FIX },
];

/** Every policy's default level (guard-settings, which holds settings, is advisory). */
export const DEFAULT_LEVELS: ReadonlyMap<string, PolicyLevel> = new Map<string, PolicyLevel>([
  ...POLICY_DEFINITIONS.map((d) => [d.rule.id, d.rule.defaultLevel] as const),
  [GUARD_SETTINGS_POLICY, "advisory"],
]);

/** guard-settings' own settings: exemptions may name any other policy. */
export const GUARD_SETTINGS_SPEC = guardSettingsSpec(new Set(POLICY_DEFINITIONS.map((d) => d.rule.id)));

/** Each policy's settings spec (undefined: the policy takes only an enforcement level). */
export const POLICY_SETTINGS: ReadonlyMap<string, SettingsSpec<unknown> | undefined> = new Map<
  string,
  SettingsSpec<unknown> | undefined
>([
  ...POLICY_DEFINITIONS.map((d) => [d.rule.id, d.settings] as const),
  [GUARD_SETTINGS_POLICY, GUARD_SETTINGS_SPEC],
]);

/** Why Pulumi's `remediate` level is refused, for every policy that has no safe automatic fix. */
export const REMEDIATION_UNAVAILABLE: ReadonlyMap<string, string> = new Map([
  ...POLICY_DEFINITIONS.flatMap((d) =>
    d.remediationUnavailable === undefined ? [] : [[d.rule.id, d.remediationUnavailable] as const],
  ),
  [GUARD_SETTINGS_POLICY, SETTINGS_CANNOT_REMEDIATE],
]);

/** Every policy as the pack declares it (what the engine's GetAnalyzerInfo reports), in order. */
export const POLICY_DESCRIPTIONS: readonly (PolicyDescription & {
  readonly settings?: SettingsSpec<unknown>;
})[] = [
  ...POLICY_DEFINITIONS.map((d) => ({
    ...policyDescription(d.rule),
    ...(d.settings === undefined ? {} : { settings: d.settings }),
  })),
  {
    ...GUARD_SETTINGS_DESCRIPTION,
    tags: [...GUARD_SETTINGS_DESCRIPTION.tags],
    settings: GUARD_SETTINGS_SPEC,
  },
];
