import { readStackConfig } from "../config";

/**
 * What the engine tells the pack process once: the stack's configuration (env `PULUMI_CONFIG`) and
 * the pack configuration (the Configure call). Policies read it on every evaluation.
 */
export interface PackState {
  readonly stackConfig: Readonly<Record<string, unknown>>;
  /** Parsed settings per policy name; absent means the policy's defaults. */
  settings: ReadonlyMap<string, unknown>;
}

export function createPackState(env: NodeJS.ProcessEnv = process.env): PackState {
  return { stackConfig: readStackConfig(env), settings: new Map() };
}
