/**
 * The rules applied to the key behind a guarded resource (the `cmk-key-*` stack policies and the
 * EnableBedrock tag), with the settings each reads. Adding a rule about a resource's key is one
 * entry here: the pack, `check`, the audit and the AWS Config rule all judge through this list.
 */
import { keyFitnessRules } from "../rules";
import {
  CONSUMED_KEY_SCOPE,
  DEFAULT_LIMITS,
  type KeyFitnessInput,
  type KeyFitnessLimits,
} from "../rules/key-fitness-input";
import type { Rule } from "../rules/rule";
import { workspaceKeyBedrockTag } from "../rules/workspace-key-bedrock-tag";
import type { SettingsSpec } from "../settings/pack-config";
import { deletionWindowSettingsSpec, rotationSettingsSpec, settingsOf } from "../settings/guard-settings";
import type { PackState } from "../settings/pack-state";

export interface ConsumedKeyRule {
  readonly rule: Rule<KeyFitnessInput>;
  /** The settings the rule's policy takes (its limit), if any. */
  readonly settings?: SettingsSpec<unknown>;
  /** The limits in force for this rule under the pack config. */
  limits(state: PackState): KeyFitnessLimits;
}

/** The settings a key fitness rule's policy takes and how its limits are read from them. */
export function fitnessLimits(
  ruleId: string,
  limit: "rotation" | "deletion-window" | undefined,
): Pick<ConsumedKeyRule, "settings" | "limits"> {
  if (limit === "rotation") {
    return {
      settings: rotationSettingsSpec,
      limits: (state) => ({ ...DEFAULT_LIMITS, ...settingsOf(state, ruleId, rotationSettingsSpec) }),
    };
  }
  if (limit === "deletion-window") {
    return {
      settings: deletionWindowSettingsSpec,
      limits: (state) => ({ ...DEFAULT_LIMITS, ...settingsOf(state, ruleId, deletionWindowSettingsSpec) }),
    };
  }
  return { limits: () => DEFAULT_LIMITS };
}

export const CONSUMED_KEY_RULES: readonly ConsumedKeyRule[] = [
  ...keyFitnessRules(CONSUMED_KEY_SCOPE).map((fitness) => ({
    rule: fitness.rule,
    ...fitnessLimits(fitness.rule.id, fitness.limit),
  })),
  { rule: workspaceKeyBedrockTag, limits: () => DEFAULT_LIMITS },
];
