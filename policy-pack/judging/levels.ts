import type { PackState } from "../settings/pack-state";
import type { LevelOf } from "./final-values";
import { DEFAULT_LEVELS } from "./policies";

/** Each policy's level under the pack config: its own entry, else `all`, else its default. */
export function levelOf(state: PackState): LevelOf {
  return (policy) =>
    state.levels.get(policy) ?? state.levels.get("all") ?? DEFAULT_LEVELS.get(policy) ?? "mandatory";
}
