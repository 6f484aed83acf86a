/**
 * Reads the fenced blocks of README.md and docs/*.md with the marker comments that precede them,
 * and splits shell blocks into the commands a reader would type. The convention is described in
 * docs/development.md ("Documentation that cannot drift").
 */
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");

/** Shell languages: every block in one of these is a list of commands that the docs test runs. */
const SHELL_LANGUAGES = new Set(["sh", "bash", "shell"]);
/** Marker keys a comment such as `<!-- env: installed -->` may carry. */
/** `permissions`: a block generated from the audit's readers (checked by audit-permissions.spec). */
const MARKER_KEYS = ["env", "output", "files", "permissions"] as const;
type MarkerKey = (typeof MARKER_KEYS)[number];

export interface DocBlock {
  /** Path relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: string;
  /** The block's text, without the fences. */
  readonly body: string;
  /** Line indexes (0-based) of the first and last body lines in the file, for rewriting. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly markers: Partial<Record<MarkerKey, string>>;
}

export interface DocCommand {
  /** `file:line` of the block, for messages. */
  readonly where: string;
  /** The command as shown (continuation lines joined, trailing comment removed). */
  readonly text: string;
  /** The exit code the block states with a trailing `# ... exits N` comment; 0 otherwise. */
  readonly expectedExit: number;
  readonly env: string;
  readonly files: string | undefined;
}

/** README.md and every docs/*.md, relative to the root. */
export function docFiles(root = ROOT): string[] {
  const docs = path.join(root, "docs");
  const inDocs = fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ["README.md", ...inDocs];
}

/** Every fenced block of a markdown file, with the marker comments right above it (blank lines between allowed). */
export function readBlocks(file: string, root = ROOT): DocBlock[] {
  const lines = fs.readFileSync(path.join(root, file), "utf8").split("\n");
  const blocks: DocBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^ {0,3}(`{3,})([\w-]*)\s*$/.exec(lines[index]);
    if (!open) continue;
    // CommonMark: the closing fence is at least as long as the opening one.
    const closing = new RegExp(`^ {0,3}\`{${open[1].length},}\\s*$`);
    const close = lines.findIndex((text, at) => at > index && closing.test(text));
    if (close < 0) throw new Error(`${file}:${index + 1}: a fenced block is never closed`);
    blocks.push({
      file,
      line: index + 1,
      language: open[2],
      body: lines.slice(index + 1, close).join("\n"),
      bodyStart: index + 1,
      bodyEnd: close - 1,
      markers: markersAbove(lines, index, file),
    });
    index = close;
  }
  return blocks;
}

function markersAbove(lines: readonly string[], fence: number, file: string): DocBlock["markers"] {
  const markers: Partial<Record<MarkerKey, string>> = {};
  for (let at = fence - 1; at >= 0; at--) {
    if (lines[at].trim() === "") continue; // Prettier may put a blank line between a comment and a fence.
    const comment = /^<!--\s*([\w-]+):\s*(.*?)\s*-->$/.exec(lines[at].trim());
    if (!comment) break;
    const key = comment[1] as MarkerKey;
    if (!MARKER_KEYS.includes(key)) {
      throw new Error(`${file}:${at + 1}: unknown marker "${comment[1]}" (known: ${MARKER_KEYS.join(", ")})`);
    }
    markers[key] = comment[2];
  }
  return markers;
}

export function isShellBlock(block: DocBlock): boolean {
  return SHELL_LANGUAGES.has(block.language);
}

/** The commands of a shell block: one per line, `\` continuations joined, comments removed. */
export function commandsOf(block: DocBlock): DocCommand[] {
  const commands: DocCommand[] = [];
  let pending = "";
  for (const raw of block.body.split("\n")) {
    const joined = pending + raw;
    if (joined.endsWith("\\")) {
      pending = `${joined.slice(0, -1).trimEnd()} `;
      continue;
    }
    pending = "";
    const command = parseCommand(joined, block);
    if (command !== undefined) commands.push(command);
  }
  if (pending !== "") throw new Error(`${block.file}:${block.line}: the last line continues with \\`);
  return commands;
}

/** The command of an `<!-- output: COMMAND -->` marker, if the block has one. */
export function outputCommand(block: DocBlock): DocCommand | undefined {
  return block.markers.output === undefined ? undefined : parseCommand(block.markers.output, block);
}

function parseCommand(line: string, block: DocBlock): DocCommand | undefined {
  const { command, comment } = splitComment(line);
  if (command === "") return undefined;
  const exit = comment === undefined ? undefined : /\bexits (\d+)\b/.exec(comment);
  return {
    where: `${block.file}:${block.line}`,
    text: command.replace(/\s+/g, " "),
    expectedExit: exit ? Number(exit[1]) : 0,
    env: block.markers.env ?? "repo",
    files: block.markers.files,
  };
}

/** Splits `cmd args   # comment` at the first `#` that starts a word outside quotes. */
function splitComment(line: string): { command: string; comment?: string } {
  let quote: string | undefined;
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === "#" && (at === 0 || /\s/.test(line[at - 1]))) {
      return { command: line.slice(0, at).trim(), comment: line.slice(at + 1).trim() };
    }
  }
  return { command: line.trim() };
}

/** Splits `a && b` into its simple commands (the docs use no other shell operators between them). */
export function simpleCommands(command: string): string[] {
  return command.split(/\s+&&\s+/).map((part) => part.trim());
}
