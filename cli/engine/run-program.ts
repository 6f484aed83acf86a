/**
 * Runs a Pulumi program exactly as the Pulumi CLI's Node.js language host does, with this tool
 * playing the engine: `node [nodeargs] <@pulumi/pulumi/cmd/run> --monitor <addr> --engine <addr>
 * --organization <org> --project <p> --stack <s> --pwd <program dir> [--dry-run] <entry point>`,
 * resolved from the program's own folder, with the stack config in PULUMI_CONFIG and
 * PULUMI_CONFIG_SECRET_KEYS and the project's `runtime.options` in PULUMI_NODEJS_TYPESCRIPT and
 * PULUMI_NODEJS_TSCONFIG_PATH (sdk/nodejs/cmd/pulumi-language-nodejs in pulumi/pulumi). Pulumi's
 * own launcher then handles TypeScript, ES modules and async entry points.
 */
import * as fs from "fs";
import type { PulumiProject } from "../sources/stack-config";
import { EngineServer, type EngineRecord } from "./resource-monitor";
import { killGroup, spawnGroup } from "./process-group";
import { MOCK_ACCOUNT_ID, SimulatedCloud } from "./simulated-cloud";

export { MOCK_ACCOUNT_ID };

export interface RunOptions {
  readonly project: PulumiProject;
  readonly stack?: string;
  readonly organization?: string;
  /**
   * Stack config as the engine holds it: `namespace:key` keys (a key without namespace belongs to
   * the project), text values (structured values as JSON). Project defaults are the caller's to
   * merge in (cli/sources/stack-config.ts reads them).
   */
  readonly config?: Readonly<Record<string, string>>;
  /** Config keys whose values are secrets. */
  readonly secretKeys?: readonly string[];
  /** Preview (default): outputs of new resources unknown. false: plausible values, as after `up`. */
  readonly preview?: boolean;
  /** The account the offline caller identity reports. */
  readonly accountId?: string;
  /** Extra environment for the program (the user's own environment is passed on, as Pulumi does). */
  readonly env?: Readonly<Record<string, string>>;
  /** Receives the program's own output (console.log, warnings): never the tool's stdout. */
  readonly onOutput?: (text: string) => void;
  /** The program is stopped after this long (default 5 minutes). */
  readonly timeoutMs?: number;
}

export interface ProgramRun extends EngineRecord {
  /** How long the program took, from start to exit. */
  readonly elapsedMs: number;
}

/** A program that failed: its message is the program's own (logged error or output). */
export class ProgramError extends Error {}

/** The launcher the language host runs: the program's own @pulumi/pulumi, else this tool's. */
export function launcherFor(programDir: string): string {
  try {
    return require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDir] });
  } catch {
    return require.resolve("@pulumi/pulumi/cmd/run");
  }
}

export async function runProgram(options: RunOptions): Promise<ProgramRun> {
  const { project } = options;
  if (!fs.existsSync(project.programDir)) {
    throw new ProgramError(
      `the program folder ${project.programDir} (\`main:\` of Pulumi.yaml) does not exist`,
    );
  }
  const stack = options.stack ?? "dev";
  const organization = options.organization ?? "organization";
  const preview = options.preview ?? true;
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
  const config = Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [qualify(k), v]));
  const cloud = new SimulatedCloud(config, preview, options.accountId ?? accountFromConfig(config));
  const engine = await EngineServer.start(
    { organization, project: project.name, stack, programDir: project.programDir },
    cloud,
  );
  const started = Date.now();
  try {
    const exit = await launch(options, engine.address, { stack, organization, preview, config });
    const record = engine.record();
    const errors = record.logs.filter((log) => log.severity === "error").map((log) => readable(log.message));
    if (errors.length > 0) throw new ProgramError(withRemedy(errors.join("\n"), project.programDir));
    if (exit.code !== 0) {
      const why = exit.signal ? `was stopped (${exit.signal})` : `exited with code ${exit.code}`;
      const output = exit.stderr ? `: ${readable(exit.stderr)}` : "";
      throw new ProgramError(withRemedy(`the program ${why}${output}`, project.programDir));
    }
    return { ...record, elapsedMs: Date.now() - started };
  } finally {
    await engine.stop();
  }
}

/** A program's error for the terminal: no colour codes, no stack frames (the message says where). */
function readable(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, "")
      .split("\n")
      .filter((line) => !/^\s*at /.test(line))
      .join("\n")
      .trim()
  );
}

/** A missing package is the program's missing `npm install`, as under `pulumi preview`. */
function withRemedy(message: string, programDir: string): string {
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(message)?.[1];
  // A relative or absolute path is the program's own file, not a package.
  if (missing === undefined || /^[./]/.test(missing)) return message;
  return `cannot find the package ${missing}: run \`npm install\` in ${programDir} (a program needs its own packages, as under \`pulumi preview\`)`;
}

/** The caller identity's account: the one `aws:allowedAccountIds` names, when it names exactly one. */
function accountFromConfig(config: Record<string, string>): string | undefined {
  try {
    const allowed = JSON.parse(config["aws:allowedAccountIds"] ?? "[]") as unknown;
    return Array.isArray(allowed) && allowed.length === 1 ? String(allowed[0]) : undefined;
  } catch {
    return undefined;
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of the program's stderr, for a failure that logged nothing. */
  readonly stderr: string;
}

function launch(
  options: RunOptions,
  address: string,
  run: { stack: string; organization: string; preview: boolean; config: Record<string, string> },
): Promise<Exit> {
  const { project } = options;
  const runtime = project.runtimeOptions;
  const args = [
    ...splitArguments(runtime.nodeargs),
    launcherFor(project.programDir),
    ...["--monitor", address, "--engine", address],
    ...["--organization", run.organization, "--project", project.name, "--stack", run.stack],
    ...["--pwd", project.programDir],
    ...(run.preview ? ["--dry-run"] : []),
    project.entryPoint,
  ];
  // The language host's config form: `namespace:config:key`, as older SDKs read it too.
  const pulumiConfig = Object.fromEntries(
    Object.entries(run.config).map(([key, value]) => {
      const separator = key.indexOf(":");
      return [`${key.slice(0, separator)}:config:${key.slice(separator + 1)}`, value];
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    PULUMI_CONFIG: JSON.stringify(pulumiConfig),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(options.secretKeys ?? []),
  };
  if (runtime.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (runtime.tsconfig !== undefined) env.PULUMI_NODEJS_TSCONFIG_PATH = runtime.tsconfig;

  return new Promise((resolve, reject) => {
    const child = spawnGroup(process.execPath, args, {
      cwd: project.programDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const forward = (text: string) => options.onOutput?.(text);
    child.stdout!.setEncoding("utf8").on("data", forward);
    child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-4000);
      forward(text);
    });
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), options.timeoutMs ?? 300_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      // Whatever the program left running in its group (a stray child process) ends with it.
      killGroup(child, "SIGKILL");
      resolve({ code, signal, stderr });
    });
  });
}

/** Splits `nodeargs` into words as the language host does (shell quoting and escapes respected). */
export function splitArguments(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += char;
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word ??= "";
      if (char === '"' || char === "'") quote = char;
      else if (char === "\\" && i + 1 < text.length) word += text[++i];
      else word += char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
