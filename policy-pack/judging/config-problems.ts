/**
 * The pack's Configure validation without a running pack: the CLI runs it on a config file before
 * it starts the pack, so that a bad config is reported first and by the very code the pack runs.
 */
import { InvalidConfigError, parsePackConfig, type RawPolicyConfig } from "../settings/pack-config";
import { POLICY_SETTINGS, REMEDIATION_UNAVAILABLE } from "./policies";

/** Every problem Configure would report for this config (none: it would be accepted). */
export function packConfigProblems(raw: ReadonlyMap<string, RawPolicyConfig>): readonly string[] {
  try {
    parsePackConfig(raw, POLICY_SETTINGS, REMEDIATION_UNAVAILABLE);
    return [];
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.problems;
    throw error;
  }
}
