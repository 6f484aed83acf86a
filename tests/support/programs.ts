/**
 * Program runs shared by every spec of a test process: each program (folder) with a given config
 * and mode runs once, through Pulumi's own runtime with this tool as the engine, and every test
 * that needs it awaits the same run. At most CONCURRENT_RUNS run at a time (each is a Node.js
 * process loading @pulumi/aws).
 */
import { runProgram, type ProgramRun } from "../../cli/engine/run-program";
import type { PulumiProject } from "../../cli/sources/stack-config";
import { patient } from "./patience";

/** Preview: outputs of new resources unknown. Up: plausible outputs, as after `pulumi up`. */
export type ProgramMode = "preview" | "up";

const CONCURRENT_RUNS = 3;
/** Budget of one run on an idle machine (about 10-20 s there). */
const RUN_MS = 120_000;

const runs = new Map<string, Promise<ProgramRun>>();
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENT_RUNS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * The run of `project` with exactly `config` (engine form: `namespace:key` keys, text values) in
 * `mode`, started on first request and shared afterwards. A failing run is shared too: each test
 * that awaits it sees the same error.
 */
export function programRun(
  project: PulumiProject,
  config: Readonly<Record<string, string>>,
  mode: ProgramMode = "preview",
): Promise<ProgramRun> {
  const sortedConfig = Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = JSON.stringify([project.programDir, project.name, sortedConfig, mode]);
  let run = runs.get(key);
  if (run === undefined) {
    run = limited(() =>
      runProgram({ project, config, preview: mode === "preview", timeoutMs: patient(RUN_MS) }),
    );
    // A failing run is awaited (and asserted) by its test, maybe after other tests.
    run.catch(() => undefined);
    runs.set(key, run);
  }
  return run;
}
