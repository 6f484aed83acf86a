/**
 * The real-world corpus: programs and stack files written by others, each in `tests/corpus/<name>/`
 * with a manifest (source, what was adapted, the verdict AWS's documentation justifies and why).
 * `npm run docs:corpus` renders docs/corpus.md from the manifests; a spec keeps the two in sync.
 */
import * as fs from "fs";
import * as path from "path";

export const CORPUS = __dirname;

export interface CorpusEntry {
  readonly name: string;
  /** `program`: a Pulumi project in `program/`, run with `preview --program`; `stack-file`: `stack.json`, run with `check`. */
  readonly kind: "program" | "stack-file";
  readonly source:
    | { readonly repository: string; readonly path: string; readonly example?: string }
    | { readonly document: string; readonly url: string };
  readonly adapted: string;
  readonly verdict: {
    readonly exit: number;
    /** Policies whose findings stop an update (mandatory), as the report names them. */
    readonly blocking: readonly string[];
    readonly advisory: readonly string[];
    /** At least this many resources in the report (a program that silently registers nothing fails). */
    readonly minResources?: number;
    /** A pattern stderr must show (a warning about the input). */
    readonly warning?: string;
    /** For exit 2: the pattern of the one-line reason. */
    readonly error?: string;
  };
  readonly why: string;
}

export function corpusEntries(): CorpusEntry[] {
  return fs
    .readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const manifest = JSON.parse(
        fs.readFileSync(path.join(CORPUS, entry.name, "manifest.json"), "utf8"),
      ) as CorpusEntry;
      if (manifest.name !== entry.name) throw new Error(`${entry.name}/manifest.json names ${manifest.name}`);
      return manifest;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function sourceText(entry: CorpusEntry): string {
  const { source } = entry;
  if ("document" in source) return `[${source.document}](${source.url})`;
  const example = source.example === undefined ? "" : `, example "${source.example}"`;
  return `\`${source.repository}\`: \`${source.path}\`${example}`;
}

function verdictText(entry: CorpusEntry): string {
  const { verdict } = entry;
  const parts = [`exit ${verdict.exit}`];
  if (verdict.blocking.length > 0)
    parts.push(`blocks: ${verdict.blocking.map((p) => `\`${p}\``).join(", ")}`);
  if (verdict.advisory.length > 0)
    parts.push(`advisory: ${verdict.advisory.map((p) => `\`${p}\``).join(", ")}`);
  if (verdict.minResources !== undefined) parts.push(`at least ${verdict.minResources} resources`);
  return parts.join("; ");
}

/** docs/corpus.md, from the manifests. */
export function corpusDoc(entries: readonly CorpusEntry[] = corpusEntries()): string {
  const lines = [
    "# The real-world corpus",
    "",
    "Programs and stack files written by others (Pulumi's provider examples and test data, AWS",
    "documentation), each with the verdict AWS's documentation justifies. `npm test` runs every",
    "entry through the built CLI from a folder outside the repository (`tests/corpus/corpus.spec.ts`):",
    "`preview --program` for programs, `check` for stack files, and compares the exit code and the",
    "policies reported with the manifest. This page is generated from the manifests",
    "(`npm run docs:corpus`); a test fails when it is out of date.",
    "",
    "Each entry lives in `tests/corpus/<name>/`: `manifest.json`, and `program/` or `stack.json`.",
    "A key policy from AWS documentation goes into a small `pulumi stack export` (a key used by the",
    "resource the page is about) so that `check` can judge it.",
    "",
  ];
  for (const entry of entries) {
    lines.push(
      `## ${entry.name}`,
      "",
      `- Kind: ${entry.kind === "program" ? "program (`preview --program`)" : "stack file (`check`)"}`,
      `- Source: ${sourceText(entry)}`,
      `- Adapted: ${entry.adapted}`,
      `- Verdict: ${verdictText(entry)}`,
      `- Why: ${entry.why}`,
      "",
    );
  }
  lines.push(
    "## Disagreements",
    "",
    "- `pulumi-aws-agentcore-policy-engine-cmk`: the policy engine family is advisory (no CMK is",
    "  an advisory finding), but the `cmk-key-*` stack policies that judge the key it uses are",
    "  mandatory for every family. A policy engine with an unfit CMK is therefore blocked while one",
    "  without any CMK passes. Reported to the policy owners; the corpus records today's verdict.",
    "",
  );
  return lines.join("\n");
}

if (require.main === module) {
  fs.writeFileSync(path.join(CORPUS, "..", "..", "docs", "corpus.md"), corpusDoc());
}
