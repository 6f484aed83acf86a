/**
 * The key-tracing and key-fitness part of the pack, assembled: the stack policies (the key behind
 * each guarded resource), the resource-level KMS hygiene policies, their settings, and the
 * guard-settings policy that holds trustedKeys and exemptions and reports exempted findings.
 */
import type { PolicyConfigSchema, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { SettingsSpec } from "../settings/pack-config";
import { keyFitnessRules, type KeyFitnessRule } from "../rules";
import { workspaceKeyBedrockTag } from "../rules/workspace-key-bedrock-tag";
import { workspaceKeyUsable } from "../rules/workspace-key-usable";
import {
  CONSUMED_KEY_SCOPE,
  KMS_HYGIENE_SCOPE,
  type KeyFitnessLimits,
  DEFAULT_LIMITS,
} from "../rules/key-fitness-input";
import { aliasSourceStackPolicy } from "./alias-source-policy";
import { kmsHygienePolicy } from "./kms-policies";
import type { PackState } from "../settings/pack-state";
import { guardSettingsPolicy } from "./stack-exemptions";
import type { PolicyEvaluator } from "./stack-findings";
import { outsideKeyVerifier } from "../judging/outside-keys";
import {
  customerManagedStackPolicy,
  keyFitnessStackPolicy,
  outsideKeyStackPolicy,
  type GuardPolicy,
} from "./stack-policies";
import {
  deletionWindowSettingsSpec,
  guardSettingsSpec,
  rotationSettingsSpec,
  settingsOf,
} from "../settings/guard-settings";

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

export interface KeyGuard {
  readonly policies: readonly GuardPolicy<AnyPolicy>[];
  /** Settings of the policies that take any (by policy name). */
  readonly settings: ReadonlyMap<string, SettingsSpec<unknown>>;
  /** Why `remediate` is refused, for each of these policies that cannot remediate. */
  readonly remediationUnavailable: ReadonlyMap<string, string>;
}

/** Pulumi calls Remediate on resource policies only; the kms-key-* twin of a check fixes the key. */
export const STACK_POLICY_CANNOT_REMEDIATE =
  "a stack policy cannot change resources (set its kms-key-* twin to remediate where it has one)";

/** The settings a fitness rule's policy takes, if any, and how its limits are read from them. */
export function limitsOf(
  rule: KeyFitnessRule,
  state: PackState,
): { spec?: SettingsSpec<unknown>; limits: () => KeyFitnessLimits } {
  if (rule.limit === "rotation") {
    return {
      spec: rotationSettingsSpec,
      limits: () => ({ ...DEFAULT_LIMITS, ...settingsOf(state, rule.rule.id, rotationSettingsSpec) }),
    };
  }
  if (rule.limit === "deletion-window") {
    return {
      spec: deletionWindowSettingsSpec,
      limits: () => ({ ...DEFAULT_LIMITS, ...settingsOf(state, rule.rule.id, deletionWindowSettingsSpec) }),
    };
  }
  return { limits: () => DEFAULT_LIMITS };
}

function withSchema<P extends AnyPolicy>(policy: P, spec: SettingsSpec<unknown> | undefined): P {
  return spec === undefined ? policy : { ...policy, configSchema: spec.schema as PolicyConfigSchema };
}

export function keyGuard(state: PackState): KeyGuard {
  const policies: GuardPolicy<AnyPolicy>[] = [];
  const settings = new Map<string, SettingsSpec<unknown>>();
  const remediationUnavailable = new Map<string, string>();
  const add = (
    guarded: GuardPolicy<AnyPolicy>,
    spec: SettingsSpec<unknown> | undefined,
    unavailable: string | undefined,
  ) => {
    policies.push({ policy: withSchema(guarded.policy, spec), evaluator: guarded.evaluator });
    if (spec !== undefined) settings.set(guarded.policy.name, spec);
    if (unavailable !== undefined) remediationUnavailable.set(guarded.policy.name, unavailable);
  };
  // Keys outside the stack are read from AWS once for every policy below (verifyKeysWithAws).
  const verifier = outsideKeyVerifier(state);
  add(customerManagedStackPolicy(state, verifier), undefined, STACK_POLICY_CANNOT_REMEDIATE);
  for (const fitness of keyFitnessRules(CONSUMED_KEY_SCOPE)) {
    const { spec, limits } = limitsOf(fitness, state);
    add(keyFitnessStackPolicy(fitness.rule, state, verifier, limits), spec, STACK_POLICY_CANNOT_REMEDIATE);
  }
  for (const workspaceRule of [workspaceKeyBedrockTag, workspaceKeyUsable]) {
    add(keyFitnessStackPolicy(workspaceRule, state, verifier), undefined, STACK_POLICY_CANNOT_REMEDIATE);
  }
  add(outsideKeyStackPolicy(state, verifier), undefined, STACK_POLICY_CANNOT_REMEDIATE);
  add(aliasSourceStackPolicy(state), undefined, STACK_POLICY_CANNOT_REMEDIATE);
  for (const fitness of keyFitnessRules(KMS_HYGIENE_SCOPE)) {
    const { spec, limits } = limitsOf(fitness, state);
    const remediation = fitness.remediation;
    add(
      kmsHygienePolicy(fitness.rule, state, fitness.judgesKeyPolicies, limits, remediation),
      spec,
      remediation.kind === "manual" ? remediation.reason : undefined,
    );
  }
  return { policies, settings, remediationUnavailable };
}

/**
 * The guard-settings policy over every other policy's evaluation (so that it can report their
 * exempted findings), and its settings spec (which checks that exemptions name real policies).
 */
export function guardSettings(
  state: PackState,
  evaluators: ReadonlyMap<string, PolicyEvaluator>,
): { policy: AnyPolicy; spec: SettingsSpec<unknown> } {
  const spec = guardSettingsSpec(new Set(evaluators.keys()));
  return { policy: withSchema(guardSettingsPolicy(state, evaluators), spec), spec };
}
