/**
 * The environments a documented command can declare (`<!-- env: NAME -->`), and how a command is
 * run in one. A command runs through bash, as a reader pastes it (no `pipefail`, as in a default
 * shell); its stdout is normalised only
 * where a real run must differ from the docs (the repository's path, the temporary folder).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, type DocCommand } from "./doc-blocks";

export const CLI = path.join(ROOT, "dist/cli/main.js");
/** Placeholders that stand, in the docs, for the paths that differ between runs. */
export const REPO_PLACEHOLDER = "<repo>";
export const TEMP_PLACEHOLDER = "<tmp>";

/** How long one documented command may take before it counts as failed. */
const COMMAND_TIMEOUT_MS = 120_000;

export interface CommandRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Workspace {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

interface Environment {
  /** What a reader needs for the block, said in the docs test's messages. */
  readonly description: string;
  prepare(files: string | undefined): Promise<Workspace>;
}

/**
 * Environments whose commands are run. `pulumi` (commands that need the Pulumi CLI) is not among
 * them: the docs test checks those statically (docs-commands.spec.ts).
 */
export const RUNNABLE_ENVIRONMENTS: Readonly<Record<string, Environment>> = {
  repo: {
    description: "the repository root of a clone, after `npm ci`",
    prepare: async (files) => {
      if (files !== undefined) throw new Error("`files:` needs an environment outside the repository");
      return { cwd: ROOT, env: repoEnvironment(), dispose: async () => undefined };
    },
  },
  installed: {
    description: "an empty folder outside the repository, with `bedrock-cmk-guard` installed on PATH",
    prepare: (files) => installedWorkspace(files, {}),
  },
  "fake-aws": {
    description: "as `installed`, with the AWS SDK pointed at the local fake AWS endpoint",
    prepare: async (files) => {
      const fakeAws = await startFakeAws();
      const workspace = await installedWorkspace(files, fakeAws.env);
      return {
        ...workspace,
        dispose: async () => {
          await workspace.dispose();
          await fakeAws.stop();
        },
      };
    },
  },
};

/** Environments the test knows but does not run: the checks it makes instead are in the spec. */
export const CHECKED_ENVIRONMENTS = { pulumi: "needs the Pulumi CLI and a backend" } as const;

export function isKnownEnvironment(name: string): boolean {
  return name in RUNNABLE_ENVIRONMENTS || name in CHECKED_ENVIRONMENTS;
}

/**
 * The repository's environment, with `npx bedrock-cmk-guard ...` and `npm start [-- ARGS]` run
 * as npm resolves them (the root package's bin file; the `start` script with ARGS appended) but
 * without npm's own start-up, about a CPU-second per command; every other npx or npm command
 * goes to the real one. The docs test proves once that the real npx and npm resolve to the same
 * runs (`REAL_RESOLUTION_CHECKS`).
 */
let repoEnv: NodeJS.ProcessEnv | undefined;
function repoEnvironment(): NodeJS.ProcessEnv {
  if (repoEnv !== undefined) return repoEnv;
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "bedrock-cmk-guard-docs-bin-"));
  const realPath = process.env.PATH ?? "";
  const which = (name: string) =>
    realPath
      .split(path.delimiter)
      .map((dir) => path.join(dir, name))
      .find((file) => fs.existsSync(file)) ?? name;
  const node = JSON.stringify(process.execPath);
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    name: string;
    version: string;
    scripts: { start: string };
  };
  const start = manifest.scripts.start;
  if (start.includes("'"))
    throw new Error("the start script holds a quote: the npm start shortcut cannot run it");
  fs.writeFileSync(
    path.join(bin, "npx"),
    `#!/bin/sh\nif [ "$1" = bedrock-cmk-guard ]; then shift; exec ${node} ${JSON.stringify(CLI)} "$@"; fi\n` +
      `exec ${JSON.stringify(which("npx"))} "$@"\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(bin, "npm"),
    // npm prints the script it runs, with the arguments it appends, before running it.
    `#!/bin/sh\nif [ "$1" = start ]; then shift; [ "$1" = -- ] && shift\n` +
      `printf '\\n> %s start\\n> %s\\n\\n' '${manifest.name}@${manifest.version}' "${start}\${*:+ $*}"\n` +
      `cd ${JSON.stringify(ROOT)} && exec sh -c '${start} "$@"' npm-start "$@"; fi\n` +
      `exec ${JSON.stringify(which("npm"))} "$@"\n`,
    { mode: 0o755 },
  );
  process.once("exit", () => fs.rmSync(bin, { recursive: true, force: true }));
  repoEnv = { ...process.env, PATH: `${bin}${path.delimiter}${realPath}` };
  return repoEnv;
}

/**
 * Commands run both through the real npx or npm and through the repository environment's
 * shortcuts: each pair must print the same and exit the same.
 */
export const REAL_RESOLUTION_CHECKS = ["npx bedrock-cmk-guard --version", "npm start -- --help"] as const;

/** Runs `command` at the repository root with the machine's own npx and npm. */
export function runWithRealNpm(command: string): Promise<CommandRun> {
  return bash(command, ROOT, process.env);
}

/** Runs `command` at the repository root as the docs test runs a `repo` block's commands. */
export function runInRepoEnvironment(command: string): Promise<CommandRun> {
  return bash(command, ROOT, repoEnvironment());
}

/**
 * A fresh folder outside the repository, `bedrock-cmk-guard` on PATH (a shim running the built
 * CLI, as `npm install --global` would link it), and the files named by `files:` copied in
 * (`name=repo/relative/path`, separated by spaces).
 */
async function installedWorkspace(
  files: string | undefined,
  extraEnv: NodeJS.ProcessEnv,
): Promise<Workspace> {
  const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "bedrock-cmk-guard-docs-")));
  const bin = path.join(cwd, ".bin");
  fs.mkdirSync(bin);
  const shim = path.join(bin, "bedrock-cmk-guard");
  fs.writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  for (const pair of (files ?? "").split(/\s+/).filter(Boolean)) {
    const [name, source] = pair.split("=");
    if (!name || !source) throw new Error(`files: "${pair}" is not name=repo/relative/path`);
    fs.copyFileSync(path.join(ROOT, source), path.join(cwd, name));
  }
  return {
    cwd,
    env: { ...process.env, ...extraEnv, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` },
    dispose: async () => fs.rmSync(cwd, { recursive: true, force: true }),
  };
}

interface FakeAws {
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * The AWS world the docs' examples describe (accounts, workspaces, keys), served by the fake AWS
 * endpoint of tests/support/fake-aws: `tests/docs/fake-aws-world.ts` exports `startFakeAws()`,
 * whose `env` points the SDK at it (`AWS_ENDPOINT_URL`, credentials, an isolated `HOME` and AWS
 * config files). Until that module exists, a block that needs it fails with this message: it is
 * never skipped.
 */
async function startFakeAws(): Promise<FakeAws> {
  const modulePath = path.join(ROOT, "tests/docs/fake-aws-world");
  let support: { startFakeAws?: () => Promise<FakeAws> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    support = require(modulePath) as typeof support;
  } catch (error) {
    throw new Error(`environment fake-aws needs ${modulePath} (${(error as Error).message})`);
  }
  if (typeof support.startFakeAws !== "function") {
    throw new Error(`environment fake-aws: ${modulePath} exports no startFakeAws(): {env, stop()}`);
  }
  return support.startFakeAws();
}

/**
 * Runs the commands of one block in order, in one workspace of the block's environment (so a
 * command may use a file an earlier one wrote); stdout normalised, stderr as printed.
 */
export async function runDocSession(commands: readonly DocCommand[]): Promise<CommandRun[]> {
  if (commands.length === 0) return [];
  const { env, files, where } = commands[0];
  const environment = RUNNABLE_ENVIRONMENTS[env];
  if (environment === undefined) throw new Error(`${where}: "${env}" is not a runnable environment`);
  const workspace = await environment.prepare(files);
  try {
    const runs: CommandRun[] = [];
    for (const command of commands) {
      const run = await bash(command.text, workspace.cwd, workspace.env);
      runs.push({ ...run, stdout: normalise(run.stdout, workspace.cwd) });
    }
    return runs;
  } finally {
    await workspace.dispose();
  }
}

/** Runs one documented command in a workspace of its own. */
export async function runDocCommand(command: DocCommand): Promise<CommandRun> {
  return (await runDocSession([command]))[0];
}

/** The only differences between runs: where the repository and the temporary folder are. */
export function normalise(output: string, cwd: string): string {
  let text = output;
  if (cwd !== ROOT) text = text.split(cwd).join(TEMP_PLACEHOLDER);
  return text.split(ROOT).join(REPO_PLACEHOLDER);
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${COMMAND_TIMEOUT_MS} ms)`;
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, COMMAND_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs jobs at most `limit` at a time (the CLI starts a pack process per run). */
export async function runBounded<T, R>(items: readonly T[], limit: number, job: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
