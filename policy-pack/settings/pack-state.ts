import { readStackConfig } from "./pack-config";
import { environmentRegion } from "../facts/region";

/**
 * What the engine tells the pack process once: the stack's configuration (env `PULUMI_CONFIG`),
 * the region the providers would take from the environment (`AWS_REGION`, `AWS_DEFAULT_REGION`)
 * and the pack configuration (the Configure call). Policies read it on every evaluation.
 */
export interface PackState {
  readonly stackConfig: Readonly<Record<string, unknown>>;
  readonly environmentRegion: string | undefined;
  /** Parsed settings per policy name; absent means the policy's defaults. */
  settings: ReadonlyMap<string, unknown>;
}

export function createPackState(env: NodeJS.ProcessEnv = process.env): PackState {
  return {
    stackConfig: readStackConfig(env),
    environmentRegion: environmentRegion(env),
    settings: new Map(),
  };
}
