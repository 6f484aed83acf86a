import { environmentRegion } from "../facts/region";
import type { PolicyLevel, ValueMode } from "../judging/final-values";
import { readStackConfig } from "./pack-config";

/**
 * Where the values an engine request carries come from:
 * - `program`: a deployment (`pulumi preview`, `pulumi up`): Analyze gets the program's complete
 *   inputs, judged before anything is created.
 * - `state`: a recorded state (`pulumi policy analyze`, which runs no program): Analyze gets the
 *   inputs the state recorded, which an imported or discovered resource may lack, and AnalyzeStack
 *   every resource's outputs, what AWS holds. Resource verdicts are then made on the outputs.
 */
export type ValueSource = "program" | "state";

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
  /** `program` unless the engine analyzes a recorded state (see ValueSource). */
  source: ValueSource;
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
    source: "program",
    settings: new Map(),
    levels: new Map(),
  };
}

/**
 * The dry-run variable a deployment's engine sets in the pack's environment (Pulumi's
 * constructEnv, pkg/resource/plugin/analyzer_plugin.go), if any: `pulumi policy analyze` sets none.
 */
export function dryRunVariable(env: NodeJS.ProcessEnv): string | undefined {
  return env.PULUMI_NODEJS_DRY_RUN ?? env.PULUMI_DRY_RUN;
}

/** The launcher's environment says whether this is a preview; ConfigureStack may say it again. */
function modeOf(env: NodeJS.ProcessEnv): ValueMode {
  return dryRunVariable(env) === "false" ? "final" : "preview";
}
