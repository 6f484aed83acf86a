/**
 * The one error the command-line tool shows as a one-line reason and exit code 2: the input cannot
 * be used (a missing or unreadable file, bad JSON or YAML, a format it does not know, a pack config
 * the pack rejects). Anything else is a bug and is reported as such.
 */
import * as fs from "fs";

export class UnusableInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnusableInputError";
  }
}

export const EXIT_CLEAN = 0;
export const EXIT_MANDATORY_VIOLATION = 1;
export const EXIT_UNUSABLE_INPUT = 2;
/** Not part of the documented contract for inputs: the tool itself failed (a bug, or the pack crashed). */
export const EXIT_INTERNAL_ERROR = 3;
/** No mandatory violation, but a guarded key reference could not be read: not a pass for a gate. */
export const EXIT_NOT_VERIFIED = 4;

/** The message of any thrown value, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Reads an input file, or says in one line why it cannot: `label` names the file as the user gave
 * it (e.g. `--config x.json`), `missing` replaces the default "no such file" reason.
 */
export function readInputFile(file: string, label = file, missing = `${label}: no such file`): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnusableInputError(code === "ENOENT" ? missing : `${label}: cannot read (${code ?? "error"})`);
  }
}
