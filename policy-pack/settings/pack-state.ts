import { environmentRegion } from "../facts/region";
import type { PolicyLevel, ValueMode } from "../judging/final-values";
import { readStackConfig } from "./pack-config";

/**
 * What the engine tells the pack process once: the stack's configuration (env `PULUMI_CONFIG`),
 * the region the providers would take from the environment (`AWS_REGION`, `AWS_DEFAULT_REGION`),
 * whether values may still change (ConfigureStack's dry run), and the pack configuration (the
 * Configure call). Judging reads it on every evaluation.
 */
export interface PackState {
  readonly stackConfig: Readonly<Record<string, unknown>>;
  readonly environmentRegion: string | undefined;
  /** `preview` until the engine says the values are final (an update, `pulumi policy analyze`). */
  mode: ValueMode;
  /** Parsed settings per policy name; absent means the policy's defaults. */
  settings: ReadonlyMap<string, unknown>;
  /** Levels the pack config sets, by policy name (`all`: every policy not named); absent: defaults. */
  levels: ReadonlyMap<string, PolicyLevel>;
}

export function createPackState(env: NodeJS.ProcessEnv = process.env): PackState {
  return {
    stackConfig: readStackConfig(env),
    environmentRegion: environmentRegion(env),
    mode: modeOf(env),
    settings: new Map(),
    levels: new Map(),
  };
}

/** The launcher's environment says whether this is a preview; ConfigureStack may say it again. */
function modeOf(env: NodeJS.ProcessEnv): ValueMode {
  const dryRun = env.PULUMI_NODEJS_DRY_RUN ?? env.PULUMI_DRY_RUN;
  return dryRun === "false" ? "final" : "preview";
}
