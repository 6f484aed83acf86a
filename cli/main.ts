#!/usr/bin/env node
/**
 * bedrock-cmk-guard: the policy pack's verdict without a cloud account or the Pulumi CLI.
 *   preview: runs a Pulumi program (the sample stack by default) with Pulumi's own Node.js runtime,
 *            this tool playing the engine, as a first `pulumi preview` would, and sends its
 *            resources through the real pack.
 *   check:   runs the same pack over a `pulumi stack export` or `pulumi preview --json` file.
 *   audit:   reads what already exists in AWS accounts and judges it with the pack's rules.
 * Exit codes: 0 no mandatory violation, 1 mandatory violation, 2 unusable input, 3 internal error,
 * 4 not verified: the key of a guarded resource could not be read (a secret the file does not hold,
 *   or a value only known online), or (audit) an account or region could not be fully read.
 * Results go to stdout (or --output); progress and warnings to stderr.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  EXIT_CLEAN,
  EXIT_INTERNAL_ERROR,
  EXIT_MANDATORY_VIOLATION,
  EXIT_NOT_VERIFIED,
  EXIT_UNUSABLE_INPUT,
  oneLine,
  UnusableInputError,
} from "./errors";
import { formatJson } from "./report/json";
import { formatSarif } from "./report/sarif";
import { formatText } from "./report/text";
import { writeAtomically } from "./report/output-file";
import { readPackConfig } from "./sources/pack-config-file";
import type { ResourceSpec } from "./engine/pack-client";
import type { PackInput } from "./sources/pack-input";
import type { Report } from "./report/report";
import type { Progress } from "./commands/run-pack";

const FORMATS = ["text", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

interface OutputOptions {
  readonly format: Format;
  readonly config?: string;
  readonly output?: string;
  readonly verbose: boolean;
  readonly quiet: boolean;
}

interface AuditOptions extends OutputOptions {
  readonly regions?: string;
  readonly profile?: string;
  readonly accounts?: string;
  readonly roleName: string;
  readonly concurrency: number;
  readonly emitStackConfig?: string;
  readonly emitImport?: string;
  readonly timeout?: number;
}

interface PreviewOptions extends OutputOptions {
  readonly stackConfig?: string;
  readonly program?: string;
}

/** This package's root (the folder of its package.json), from the source, dist/ or an installation. */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (packageName(path.join(dir, "package.json")) === "bedrock-cmk-guard") return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, "..");
  }
}

function packageName(file: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** The program `preview` runs without --program: the sample stack, which only a clone holds. */
function defaultProgram(): string {
  const root = packageRoot();
  if (fs.existsSync(path.join(root, "Pulumi.yaml"))) return root;
  throw new UnusableInputError(
    "no --program given, and the sample stack is only in a clone of the repository: " +
      "pass --program <folder with your Pulumi.yaml>",
  );
}

function toolVersion(): string {
  try {
    return (
      JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }
    ).version;
  } catch {
    return "0.0.0";
  }
}

function progressFor(options: OutputOptions): Progress {
  return options.quiet ? () => undefined : (message) => process.stderr.write(`${message}\n`);
}

async function preview(options: PreviewOptions): Promise<number> {
  const progress = progressFor(options);
  const { readProject, readStackConfig } = await import("./sources/stack-config");
  const project = readProject(
    options.program === undefined ? defaultProgram() : path.resolve(options.program),
  );
  const stackFile = options.stackConfig;
  const stack =
    stackFile === undefined
      ? { stack: "dev", config: {}, warnings: [] }
      : readStackConfig(stackFile, project);
  const config: Record<string, string> = { ...project.configDefaults, ...stack.config };
  if (config["aws:region"] === undefined) {
    config["aws:region"] = "us-east-1";
    progress("No `aws:region` in the stack config: using us-east-1.");
  }
  const packConfig = options.config === undefined ? undefined : readPackConfig(options.config);

  const { runPack, startPack } = await import("./commands/run-pack");
  const identity = { project: project.name, stack: stack.stack, stackConfig: config };
  // The pack starts while the program runs: both take about a second or more.
  const pack = startPack({ ...identity, valuesFinal: false });
  progress(
    `Running ${path.relative(process.cwd(), project.programDir) || "."} with Pulumi's Node.js runtime, this tool as the engine (preview)...`,
  );
  const { runProgram, ProgramError } = await import("./engine/run-program");
  let captured: ResourceSpec[];
  let programWarnings: string[];
  try {
    const run = await runProgram({
      project,
      stack: stack.stack,
      config,
      preview: true,
      // The program's own output is progress: stdout carries only the report.
      onOutput: options.quiet ? undefined : (text) => process.stderr.write(text),
    });
    captured = run.resources;
    programWarnings = run.warnings;
    // What the program logged as warnings, as `pulumi preview` shows them.
    for (const log of run.logs)
      if (log.severity === "warning") progress(`warning (program): ${log.message.trim()}`);
  } catch (error) {
    await pack.then((client) => client.stop()).catch(() => undefined);
    // The program's own failure is the user's input to fix; anything else is ours (exit 3).
    if (!(error instanceof ProgramError)) throw error;
    throw new UnusableInputError(`the program in ${project.programDir} failed: ${oneLine(error)}`);
  }
  const { isProviderType } = await import("./urn");
  const { unverifiedKeyReferences } = await import("./sources/unverified-keys");
  // The engine analyses no provider resources.
  const resources = captured.filter((resource) => !isProviderType(resource.type));
  const input: PackInput = {
    sourceKind: "program",
    source: stackFile ?? path.relative(process.cwd(), path.join(project.dir, "Pulumi.yaml")),
    ...identity,
    resources,
    stackResources: resources,
    valuesFinal: false,
    warnings: [...stack.warnings, ...programWarnings],
    // Offline, a data source lookup or a `.get` read answers unknown where `pulumi preview` knows.
    unreadableKeyReferences: unverifiedKeyReferences(resources, {
      hides: () => true,
      why: "not known offline (a data source lookup, a resource read with `.get`, or another value only AWS or `pulumi up` knows)",
      remedy:
        "judge it where the value is known: `pulumi preview --policy-pack <pack>` (lookups answered by AWS), or `bedrock-cmk-guard check` of the stack's `pulumi stack export --show-secrets` after `pulumi up`",
    }),
    lineOf: () => 1,
  };
  const report = await runPack(input, {
    command: "preview",
    packConfig,
    configFile: options.config,
    progress,
    pack,
  });
  return emit(report, input, options);
}

async function check(file: string, options: OutputOptions): Promise<number> {
  const progress = progressFor(options);
  const { readStateFile } = await import("./sources/stack-file");
  const input = readStateFile(file);
  const packConfig = options.config === undefined ? undefined : readPackConfig(options.config);
  progress(
    `Read ${input.resources.length} resources of ${input.project}/${input.stack} from ${input.source} (${input.sourceKind}).`,
  );
  const { runPack } = await import("./commands/run-pack");
  const report = await runPack(input, { command: "check", packConfig, configFile: options.config, progress });
  return emit(report, input, options);
}

async function audit(options: AuditOptions): Promise<number> {
  const packConfig = options.config === undefined ? undefined : readPackConfig(options.config);
  const { runAudit } = await import("./audit/run");
  const report = await runAudit({
    ...options,
    timeoutSeconds: options.timeout,
    packConfig,
    configFile: options.config,
    packVersion: toolVersion(),
    progress: progressFor(options),
  });
  // No file holds these resources: SARIF locates each result by its ARN (logical location) only.
  return emit(report, { source: undefined, lineOf: () => 1 }, options);
}

function emit(
  report: Report,
  input: { readonly source: PackInput["source"] | undefined; lineOf: PackInput["lineOf"] },
  options: OutputOptions,
): number {
  if (options.format !== "text" && !options.quiet) {
    for (const warning of report.warnings) process.stderr.write(`warning: ${warning}\n`);
  }
  const text =
    options.format === "json"
      ? formatJson(report)
      : options.format === "sarif"
        ? formatSarif(report, { toolVersion: toolVersion(), artifact: input.source, lineOf: input.lineOf })
        : formatText(report, { verbose: options.verbose });
  if (options.output === undefined) {
    process.stdout.write(text);
  } else {
    writeAtomically(options.output, text, "--output");
    progressFor(options)(`Wrote the ${options.format} report to ${options.output}.`);
  }
  if (options.format !== "text" || options.output !== undefined) {
    const { verdict, mandatory, advisory, unverified } = report.summary;
    const notRead = unverified > 0 ? `, ${unverified} key reference(s) or resource(s) not read` : "";
    progressFor(options)(
      `${VERDICT_WORDS[verdict]}: ${mandatory} mandatory, ${advisory} advisory${notRead}.`,
    );
  }
  return VERDICT_EXIT_CODES[report.summary.verdict];
}

const VERDICT_WORDS: Record<Report["summary"]["verdict"], string> = {
  blocked: "BLOCKED",
  "not-verified":
    "NOT VERIFIED (something guarded could not be read: see the findings' Fix and the warnings)",
  passed: "PASSED",
};
const VERDICT_EXIT_CODES: Record<Report["summary"]["verdict"], number> = {
  blocked: EXIT_MANDATORY_VIOLATION,
  "not-verified": EXIT_NOT_VERIFIED,
  passed: EXIT_CLEAN,
};

function withOutputOptions(command: Command): Command {
  return command
    .addOption(new Option("-f, --format <format>", "output format").choices(FORMATS).default("text"))
    .option(
      "-c, --config <file>",
      "policy pack config: the JSON file `pulumi preview --policy-pack-config` takes",
    )
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option("-v, --verbose", "also list the checks each policy skipped, with the reason", false)
    .option("-q, --quiet", "no progress on stderr", false);
}

export function buildProgram(run: (work: Promise<number>) => void): Command {
  const program = new Command("bedrock-cmk-guard")
    .description(
      "Blocks Amazon Bedrock Studio workspaces without a fit customer-managed KMS key (Bedrock-006), " +
        "with the real Pulumi policy pack, without an AWS account or the Pulumi CLI.",
    )
    .version(toolVersion(), "-V, --version")
    .exitOverride()
    .addHelpText(
      "after",
      `
Exit codes:
  0  no mandatory violation
  1  at least one mandatory violation (what would stop \`pulumi up\`)
  2  unusable input: missing file, bad JSON/YAML, unknown format, bad pack config, failing program;
     audit: no AWS credentials
  3  internal error
  4  no mandatory violation, but not everything was verified: a guarded key reference could
     not be read (a secret the file does not hold: check a \`pulumi stack export --show-secrets\`
     file; a lookup only AWS answers), or (audit) an account or region could not be fully read

Examples:
  bedrock-cmk-guard preview
  bedrock-cmk-guard preview --stack-config examples/Pulumi.no-cmk.yaml
  pulumi stack export --file stack.json && bedrock-cmk-guard check stack.json --format sarif > guard.sarif
  pulumi preview --json --show-sames > preview.json && bedrock-cmk-guard check preview.json
  bedrock-cmk-guard audit --regions all --emit-stack-config Pulumi.recreate.yaml`,
    );

  withOutputOptions(
    program
      .command("preview")
      .description(
        "run a Pulumi program with Pulumi's Node.js runtime, this tool as the engine, in preview " +
          "mode (unknown values as in a first `pulumi preview`) and send its resources through the " +
          "policy pack",
      )
      .option(
        "-s, --stack-config <file>",
        "stack configuration, a Pulumi.<stack>.yaml file (stack named after it)",
      )
      .option(
        "-p, --program <dir>",
        "Pulumi project folder (with Pulumi.yaml) to run instead of the sample stack",
      ),
  ).action((options: PreviewOptions) => run(preview(options)));

  withOutputOptions(
    program
      .command("check")
      .description(
        "run the policy pack over an existing stack: a `pulumi stack export` file (deployment " +
          "version 3 or 4, or a file backend's checkpoint) or a `pulumi preview --json` file " +
          "(detected from its content)",
      )
      .argument("<file>", "the stack export or preview JSON file; `-` reads standard input"),
  ).action((file: string, options: OutputOptions) => run(check(file, options)));

  withOutputOptions(
    program
      .command("audit")
      .description(
        "read the Bedrock Studio workspaces, agents, guardrails and custom models that already exist in " +
          "AWS accounts and regions, verify their keys with AWS KMS, and judge them with the pack's rules " +
          "(exit 4: something could not be read)",
      )
      .option(
        "--regions <list>",
        "regions to read: `us-east-1,eu-west-1`, or `all` (where DataZone is offered)",
      )
      .option("--profile <name>", "AWS profile (default: AWS_PROFILE, then the default credential chain)")
      .option(
        "--accounts <list>",
        "accounts to read: `111122223333,444455556666`, or `organization` (the active accounts of the AWS Organization)",
      )
      .option("--role-name <name>", "role assumed in each other account", "OrganizationAccountAccessRole")
      .addOption(
        new Option("--concurrency <n>", "AWS requests in flight at once")
          .default(16)
          .argParser((value: string) => {
            const n = Number(value);
            if (!Number.isInteger(n) || n < 1 || n > 256)
              throw new InvalidArgumentError("expected an integer from 1 to 256");
            return n;
          }),
      )
      .addOption(
        new Option(
          "--timeout <seconds>",
          "stop reading AWS after this long; what was not read by then is NOT VERIFIED (exit 4)",
        ).argParser((value: string) => {
          const n = Number(value);
          if (!Number.isFinite(n) || n <= 0 || n > 86_400)
            throw new InvalidArgumentError("expected a number of seconds from 1 to 86400");
          return n;
        }),
      )
      .option(
        "--emit-stack-config <file>",
        "write a Pulumi.<stack>.yaml re-creating the non-compliant workspaces",
      )
      .option(
        "--emit-import <file>",
        "write a `pulumi import --file` document for the compliant workspaces and keys",
      ),
  ).action((options: AuditOptions) => run(audit(options)));

  return program;
}

function fail(error: unknown): number {
  if (error instanceof UnusableInputError) {
    process.stderr.write(`bedrock-cmk-guard: ${oneLine(error)}\n`);
    return EXIT_UNUSABLE_INPUT;
  }
  process.stderr.write(`bedrock-cmk-guard: internal error: ${oneLine(error)}\n`);
  if (process.env.BEDROCK_CMK_GUARD_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT_INTERNAL_ERROR;
}

function exit(code: number): void {
  // Flush stdout first: a pipe may still hold the report.
  process.stdout.write("", () => process.exit(code));
}

export function main(argv: readonly string[]): void {
  const program = buildProgram((work) => {
    work.then(exit, (error) => exit(fail(error)));
  });
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message; asked-for help and the version exit 0, usage errors 2.
      exit(error.exitCode === 0 ? EXIT_CLEAN : EXIT_UNUSABLE_INPUT);
      return;
    }
    exit(fail(error));
  }
}

if (require.main === module) main(process.argv);
