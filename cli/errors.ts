/**
 * The one error the command-line tool shows as a one-line reason and exit code 2: the input cannot
 * be used (a missing or unreadable file, bad JSON or YAML, a format it does not know, a pack config
 * the pack rejects). Anything else is a bug and is reported as such.
 */
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

/** The message of any thrown value, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, " ").trim();
}
