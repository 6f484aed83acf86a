/**
 * What every command shares once it has a report: the output options, progress on stderr, the
 * chosen format written to stdout or a file, and the exit code of the verdict.
 */
import { EXIT_CLEAN, EXIT_MANDATORY_VIOLATION, EXIT_NOT_VERIFIED, UnusableInputError } from "../errors";
import { formatJson } from "../report/json";
import { formatSarif } from "../report/sarif";
import { formatText } from "../report/text";
import { writeAtomically } from "../report/output-file";
import type { Report } from "../report/report";
import type { PackInput } from "../sources/pack-input";
import type { Progress } from "./run-pack";
import { toolVersion } from "./tool-package";

export const FORMATS = ["text", "json", "sarif"] as const;
export type Format = (typeof FORMATS)[number];

export interface OutputOptions {
  readonly format: Format;
  /** The pack config file (`-c`, or Pulumi's name `--policy-pack-config`). */
  readonly config?: string;
  readonly policyPackConfig?: string;
  readonly output?: string;
  readonly verbose: boolean;
  readonly quiet: boolean;
}

/** The pack config file, whichever of its two names was given (both: an error, not a silent pick). */
export function packConfigFile(options: OutputOptions): string | undefined {
  if (
    options.config !== undefined &&
    options.policyPackConfig !== undefined &&
    options.config !== options.policyPackConfig
  ) {
    throw new UnusableInputError(
      "-c/--config and --policy-pack-config name the same setting: give one pack config file",
    );
  }
  return options.config ?? options.policyPackConfig;
}

export function progressFor(options: Pick<OutputOptions, "quiet">): Progress {
  return options.quiet ? () => undefined : (message) => process.stderr.write(`${message}\n`);
}

/** Writes the report in the chosen format and returns the exit code of its verdict. */
export function emit(
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
