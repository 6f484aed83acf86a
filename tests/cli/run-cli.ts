/**
 * Runs the built command-line tool as a user does (`node dist/cli/main.js ...`, what the package's
 * `bin` points at) and collects its exit code, stdout and stderr. By default from a folder outside
 * the repository, as a user runs it: nothing of the repository (tsconfig.json, node_modules,
 * relative paths) may leak into the run, so tests name files by absolute path.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { killGroup, spawnGroup } from "../../cli/engine/process-group";
import { patient } from "../support/patience";

export const ROOT = path.resolve(__dirname, "../..");
export const CLI = path.join(ROOT, "dist/cli/main.js");
export const FIXTURES = path.join(ROOT, "tests/fixtures/cli");

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function assertBuilt(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
}

let outside: string | undefined;
/** An empty folder outside the repository, made once per test process and removed at its exit. */
export function outsideFolder(): string {
  if (outside === undefined) {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), "cmk-guard-cwd-"));
    if (path.relative(ROOT, made).split(path.sep)[0] !== "..") {
      throw new Error(`${made} is inside the repository ${ROOT}: set TMPDIR to a folder outside it`);
    }
    process.once("exit", () => fs.rmSync(made, { recursive: true, force: true }));
    outside = made;
  }
  return outside;
}

export interface RunOptions {
  /** Working directory; a folder outside the repository by default. */
  readonly cwd?: string;
  /** Text for the tool's standard input (none by default). */
  readonly stdin?: string;
  /** Variables set over this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The run is stopped (its whole process group) after this long; 4 minutes idle, stretched by load. */
  readonly timeoutMs?: number;
}

/** How long a stopped run's process group gets to end its own children (the pack, the program). */
const GRACE_MS = 5_000;

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // Its own process group: a run that outlives its budget is stopped with all it started.
    const child = spawnGroup(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? outsideFolder(),
      env: { ...process.env, ...options.env },
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // SIGTERM first: the tool then stops the pack and program groups it started; SIGKILL if it hangs.
    let kill: NodeJS.Timeout | undefined;
    const stop = setTimeout(
      () => {
        killGroup(child, "SIGTERM");
        kill = setTimeout(() => killGroup(child, "SIGKILL"), GRACE_MS);
      },
      options.timeoutMs ?? patient(240_000),
    );
    const settle = () => {
      clearTimeout(stop);
      clearTimeout(kill);
    };
    child.once("error", (error) => {
      settle();
      reject(error);
    });
    child.once("close", (code) => {
      settle();
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs several invocations, at most `limit` at a time (each preview loads @pulumi/aws). */
export async function runAll(
  runs: readonly (readonly string[])[],
  limit = 2,
  options: RunOptions = {},
): Promise<CliRun[]> {
  const results: CliRun[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const index = next++;
      results[index] = await runCli(runs[index], options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, runs.length) }, worker));
  return results;
}

export function describeRun(run: CliRun): string {
  return `exit ${run.code}\nstderr: ${run.stderr}\nstdout: ${run.stdout.slice(0, 2000)}`;
}
