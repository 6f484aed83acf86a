/**
 * Runs the built command-line tool as a user does (`node dist/cli/main.js ...`, what the package's
 * `bin` points at) and collects its exit code, stdout and stderr.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

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

export function runCli(args: readonly string[], cwd = ROOT): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs several invocations, at most `limit` at a time (each preview loads @pulumi/aws). */
export async function runAll(runs: readonly (readonly string[])[], limit = 2): Promise<CliRun[]> {
  const results: CliRun[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const index = next++;
      results[index] = await runCli(runs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, runs.length) }, worker));
  return results;
}

export function describeRun(run: CliRun): string {
  return `exit ${run.code}\nstderr: ${run.stderr}\nstdout: ${run.stdout.slice(0, 2000)}`;
}
