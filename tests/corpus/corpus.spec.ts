import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Report } from "../../cli/report/report";
import { blocks } from "../../cli/report/report";
import { assertBuilt, describeRun, ROOT, runAll, type CliRun } from "../cli/run-cli";
import { CORPUS, corpusDoc, corpusEntries, type CorpusEntry } from "./corpus";
import { patient } from "../support/patience";

const entries = corpusEntries();

/** The policy names a report shows, split by whether they stop an update. */
function policies(report: Report): { blocking: string[]; advisory: string[] } {
  const findings = [...report.resources.flatMap((r) => r.findings), ...report.stackFindings];
  const names = (keep: (level: (typeof findings)[number]["level"]) => boolean) =>
    [...new Set(findings.filter((f) => keep(f.level)).map((f) => f.policy))].sort();
  return { blocking: names(blocks), advisory: names((level) => level === "advisory") };
}

describe("the real-world corpus through the built CLI, from a folder outside the repository", function () {
  this.timeout(patient(300_000));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "guard-corpus-"));
  const runs = new Map<string, CliRun>();

  /** The arguments for one entry; a program is copied out of the repository with its packages linked. */
  function argsFor(entry: CorpusEntry): string[] {
    const folder = path.join(CORPUS, entry.name);
    if (entry.kind === "stack-file") return ["check", path.join(folder, "stack.json"), "--format", "json"];
    const program = path.join(work, entry.name);
    fs.cpSync(path.join(folder, "program"), program, { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(program, "node_modules"), "dir");
    return ["preview", "--program", program, "--format", "json"];
  }

  before(async () => {
    assertBuilt();
    // PULUMI_NODEJS_TRANSPILE_ONLY, Pulumi's own setting, reaches its launcher as under `pulumi
    // preview`: the published TypeScript programs are run as published but not type-checked
    // against @pulumi/aws (about 15 CPU-seconds each); what they declare is what is judged.
    const results = await runAll(entries.map(argsFor), 3, { env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } });
    entries.forEach((entry, i) => runs.set(entry.name, results[i]));
  });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("holds at least 15 entries, each with a source, an adaptation note and a reason", () => {
    assert.ok(entries.length >= 15, `${entries.length} entries`);
    for (const entry of entries) {
      assert.ok(entry.adapted.length > 0 && entry.why.length > 0, entry.name);
      const file = entry.kind === "program" ? "program/Pulumi.yaml" : "stack.json";
      assert.ok(fs.existsSync(path.join(CORPUS, entry.name, file)), `${entry.name}/${file}`);
    }
  });

  for (const entry of entries) {
    it(`${entry.name}: exit ${entry.verdict.exit}${entry.verdict.blocking.length > 0 ? `, blocks ${entry.verdict.blocking.join(", ")}` : ""}`, () => {
      const run = runs.get(entry.name)!;
      assert.equal(run.code, entry.verdict.exit, describeRun(run));
      if (entry.verdict.error !== undefined) {
        assert.match(run.stderr, new RegExp(entry.verdict.error));
        return;
      }
      const report = JSON.parse(run.stdout) as Report;
      const found = policies(report);
      assert.deepEqual(found.blocking, [...entry.verdict.blocking].sort(), "blocking policies");
      assert.deepEqual(found.advisory, [...entry.verdict.advisory].sort(), "advisory policies");
      if (entry.verdict.warning !== undefined) assert.match(run.stderr, new RegExp(entry.verdict.warning));
      if (entry.verdict.minResources !== undefined) {
        assert.ok(
          report.resources.length >= entry.verdict.minResources,
          `${report.resources.length} resources: ${report.resources.map((r) => r.type).join(", ")}`,
        );
      }
    });
  }

  it("docs/corpus.md is generated from the manifests (regenerate with `npm run docs:corpus`)", () => {
    assert.equal(fs.readFileSync(path.join(ROOT, "docs", "corpus.md"), "utf8"), corpusDoc(entries));
  });
});
