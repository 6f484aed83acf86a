/**
 * `preview`: runs a Pulumi program with Pulumi's own Node.js runtime, this tool playing the engine,
 * as a first `pulumi preview` would, and sends its resources through the pack. The program is the
 * project of the current folder (the nearest Pulumi.yaml, as `pulumi` finds it), `--program DIR`,
 * or the sample stack (`--sample`).
 */
import * as fs from "fs";
import * as path from "path";
import { oneLine, UnusableInputError } from "../errors";
import type { ResourceSpec } from "../engine/pack-client";
import type { PackInput } from "../sources/pack-input";
import { readPackConfig } from "../sources/pack-config-file";
import { policyPackFolder } from "../sources/pack-folder";
import {
  findProjectDir,
  readProject,
  readStackConfig,
  stackConfigFiles,
  type PulumiProject,
  type StackConfig,
} from "../sources/stack-config";
import { emit, packConfigFile, progressFor, type OutputOptions } from "./output";
import type { Progress } from "./run-pack";
import { packageRoot } from "./tool-package";

export interface PreviewOptions extends OutputOptions {
  readonly stackConfig?: string;
  readonly stack?: string;
  readonly program?: string;
  readonly sample: boolean;
  readonly policyPack?: string;
}

/** The stack `pulumi stack init` would suggest first; used when no stack is named. */
const DEFAULT_STACK = "dev";

export async function preview(options: PreviewOptions): Promise<number> {
  const progress = progressFor(options);
  const project = readProject(programFolder(options));
  const stack = stackOf(options, project, progress);
  const config: Record<string, string> = { ...project.configDefaults, ...stack.config };
  if (config["aws:region"] === undefined) {
    config["aws:region"] = "us-east-1";
    progress("No `aws:region` in the stack config: using us-east-1.");
  }
  const configFile = packConfigFile(options);
  const packDir = policyPackFolder(options.policyPack);
  const packConfig = configFile === undefined ? undefined : readPackConfig(configFile, packDir);

  const { runPack, startPack } = await import("./run-pack");
  const identity = { project: project.name, stack: stack.stack, stackConfig: config };
  // The pack starts while the program runs: both take about a second or more.
  const pack = startPack({ ...identity, valuesFinal: false }, packDir);
  progress(
    `Running ${path.relative(process.cwd(), project.programDir) || "."} with Pulumi's Node.js runtime, this tool as the engine (preview)...`,
  );
  const { runProgram, ProgramError } = await import("../engine/run-program");
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
  const { isProviderType } = await import("../urn");
  const { unverifiedKeyReferences } = await import("../sources/unverified-keys");
  // The engine analyses no provider resources.
  const resources = captured.filter((resource) => !isProviderType(resource.type));
  const input: PackInput = {
    sourceKind: "program",
    source: stack.file ?? path.relative(process.cwd(), path.join(project.dir, "Pulumi.yaml")),
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
  const report = await runPack(input, { command: "preview", packConfig, configFile, progress, pack });
  return emit(report, input, options);
}

/** `--program`, `--sample`, or the project of the current folder, as `pulumi preview` runs it. */
function programFolder(options: PreviewOptions): string {
  if (options.program !== undefined && options.sample) {
    throw new UnusableInputError("--program and --sample each name the program to run: give one");
  }
  if (options.program !== undefined) return path.resolve(options.program);
  if (options.sample) return sampleStackFolder();
  const found = findProjectDir(process.cwd());
  if (found !== undefined) return found;
  throw new UnusableInputError(
    `no Pulumi.yaml in ${process.cwd()} or a folder above it: run from a Pulumi project's folder ` +
      "(as `pulumi preview`), name one with --program <folder>, preview the sample stack with " +
      "--sample, or start a project from it with `bedrock-cmk-guard new <folder>`",
  );
}

/** The sample stack: the project at the root of a clone (Pulumi.yaml, `main: sample-stack/`). */
function sampleStackFolder(): string {
  const root = packageRoot();
  if (fs.existsSync(path.join(root, "Pulumi.yaml"))) return root;
  throw new UnusableInputError(
    "--sample: the sample stack runs only in a clone of the repository (it needs @pulumi/aws); " +
      "`bedrock-cmk-guard new <folder>` copies it as a project of your own",
  );
}

/**
 * The stack's config: `--stack-config FILE`, or `--stack NAME` (Pulumi.NAME.yaml beside Pulumi.yaml,
 * as `pulumi --stack NAME` reads it), or no stack config (the project's defaults).
 */
function stackOf(
  options: PreviewOptions,
  project: PulumiProject,
  progress: Progress,
): StackConfig & { readonly file?: string } {
  if (options.stackConfig !== undefined && options.stack !== undefined) {
    throw new UnusableInputError(
      "--stack and --stack-config each name the stack's config: give one (--stack NAME reads Pulumi.NAME.yaml)",
    );
  }
  if (options.stackConfig !== undefined) {
    return { ...readStackConfig(options.stackConfig, project), file: options.stackConfig };
  }
  const files = stackConfigFiles(project);
  if (options.stack !== undefined) {
    const file = files.get(options.stack);
    if (file !== undefined) return { ...readStackConfig(file, project), file };
    // A stack without config has no file (`pulumi stack init` writes none): the defaults apply.
    progress(
      `No Pulumi.${options.stack}.yaml in ${project.dir}: stack ${options.stack} with the project's defaults` +
        (files.size > 0 ? ` (stack config files there: ${[...files.keys()].join(", ")}).` : "."),
    );
    return { stack: options.stack, config: {}, warnings: [] };
  }
  if (files.size > 0) {
    progress(
      `No --stack: the project's defaults, as stack ${DEFAULT_STACK}; pick a stack's config with --stack ${[...files.keys()].join(" | ")}.`,
    );
  }
  return { stack: DEFAULT_STACK, config: {}, warnings: [] };
}
