#!/usr/bin/env node
/**
 * bedrock-cmk-guard: the policy pack's verdict without a cloud account or the Pulumi CLI. This file
 * only wires the commands (cli/commands/) to commander:
 *   preview: runs a Pulumi program (the current folder's project, --program DIR or --sample) with
 *            Pulumi's own Node.js runtime, this tool playing the engine, through the real pack.
 *   check:   runs the same pack over a `pulumi stack export` or `pulumi preview --json` file.
 *   audit:   reads what already exists in AWS accounts and judges it with the pack's rules.
 *   new:     starts a project from the sample stack's template.
 * Exit codes: 0 no mandatory violation, 1 mandatory violation, 2 unusable input, 3 internal error,
 * 4 not verified. Results go to stdout (or --output); progress and warnings to stderr.
 */
import "./engine/compile-cache";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { EXIT_CLEAN, EXIT_INTERNAL_ERROR, EXIT_UNUSABLE_INPUT, oneLine, UnusableInputError } from "./errors";
import { FORMATS } from "./commands/output";
import { toolVersion } from "./commands/tool-package";

function withOutputOptions(command: Command): Command {
  return command
    .addOption(new Option("-f, --format <format>", "output format").choices(FORMATS).default("text"))
    .option(
      "-c, --config <file>",
      "policy pack config: the JSON file `pulumi preview --policy-pack-config` takes",
    )
    .option("--policy-pack-config <file>", "Pulumi's name for -c/--config")
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option(
      "-v, --verbose",
      "list every resource with its result and the checks each policy skipped (default: findings only)",
      false,
    )
    .option("-q, --quiet", "no progress on stderr", false);
}

function withPolicyPack(command: Command): Command {
  return command.option(
    "--policy-pack <dir>",
    "the policy pack folder to run (e.g. the unpacked release your CI uses) instead of the bundled one",
  );
}

export function buildProgram(run: (work: () => Promise<number>) => void): Command {
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
  bedrock-cmk-guard preview                       # the Pulumi project of the current folder
  bedrock-cmk-guard preview --stack prod -c policy-config.json
  bedrock-cmk-guard new my-workspaces             # a project from the sample stack template
  pulumi stack export --file stack.json && bedrock-cmk-guard check stack.json --format sarif > guard.sarif
  pulumi preview --json --show-sames > preview.json && bedrock-cmk-guard check preview.json
  bedrock-cmk-guard audit --regions all --emit-stack-config Pulumi.recreate.yaml`,
    );

  withPolicyPack(
    withOutputOptions(
      program
        .command("preview")
        .description(
          "run a Pulumi program with Pulumi's Node.js runtime, this tool as the engine, in preview " +
            "mode (unknown values as in a first `pulumi preview`) and send its resources through the " +
            "policy pack; the program is the Pulumi project of the current folder (nearest Pulumi.yaml), " +
            "as `pulumi preview` runs it, unless --program or --sample names another",
        )
        .option("--stack <name>", "the stack whose config to use: Pulumi.<name>.yaml beside Pulumi.yaml")
        .option(
          "-s, --stack-config <file>",
          "stack configuration, a Pulumi.<stack>.yaml file (stack named after it)",
        )
        .option("-p, --program <dir>", "Pulumi project folder (with Pulumi.yaml) to run")
        .option("--sample", "run the sample stack (in a clone of the repository)", false),
    ),
  ).action((options) => run(async () => (await import("./commands/preview")).preview(options)));

  withPolicyPack(
    withOutputOptions(
      program
        .command("check")
        .description(
          "run the policy pack over an existing stack: a `pulumi stack export` file (deployment " +
            "version 1 to 4, or a file backend's checkpoint) or a `pulumi preview --json` file " +
            "(detected from its content)",
        )
        .argument("<file>", "the stack export or preview JSON file; `-` reads standard input"),
    ),
  ).action((file: string, options) =>
    run(async () => (await import("./commands/check")).check(file, options)),
  );

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
  ).action((options) => run(async () => (await import("./commands/audit")).audit(options)));

  program
    .command("new")
    .description(
      "start a Pulumi project from the sample stack's template (what `pulumi new` makes of it), " +
        "from the copy installed with this tool",
    )
    .argument("<dir>", "the new project's folder (new or empty)")
    .option("--name <project>", "the project's name (default: the folder's name)")
    .option("-q, --quiet", "no progress on stderr", false)
    .action((dir: string, options) =>
      run(async () => (await import("./commands/new")).newProject(dir, options)),
    );

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
    work().then(exit, (error) => exit(fail(error)));
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
