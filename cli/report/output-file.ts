/**
 * Files the tool writes (`-o`, `--emit-stack-config`, `--emit-import`): checked before any work
 * that costs time or AWS calls, then written atomically (a temporary file in the same folder,
 * renamed over the target), so that a reader never sees half a file, and an existing symlink at
 * the target is replaced, never followed.
 */
import * as fs from "fs";
import * as path from "path";
import { UnusableInputError } from "../errors";

/**
 * Says in one line (exit 2) why `file` could not be written: its folder is missing or not
 * writable, or the path is a folder. Run before the work whose result the file holds.
 */
export function checkWritable(file: string, option: string): void {
  const folder = path.dirname(path.resolve(file));
  let problem: string | undefined;
  try {
    if (!fs.statSync(folder).isDirectory()) problem = `${folder} is not a folder`;
    else fs.accessSync(folder, fs.constants.W_OK);
  } catch (error) {
    problem ??= `the folder ${folder} ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "is not writable"}`;
  }
  if (problem === undefined) {
    const existing = fs.lstatSync(file, { throwIfNoEntry: false });
    if (existing?.isDirectory()) problem = "it is a folder";
  }
  if (problem !== undefined) throw new UnusableInputError(`${option} ${file}: cannot write (${problem})`);
}

/** Writes `text` to `file` atomically (temporary file + rename); a symlink at `file` is replaced. */
export function writeAtomically(file: string, text: string, option: string): void {
  const temporary = path.join(
    path.dirname(path.resolve(file)),
    `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`,
  );
  try {
    // `wx`: the temporary name is new; never opened through a link someone placed there.
    fs.writeFileSync(temporary, text, { flag: "wx" });
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new UnusableInputError(
      `${option} ${file}: cannot write (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}
