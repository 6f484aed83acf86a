/**
 * The CLI with a pack config, run from a folder outside the repository: policies at `remediate`
 * rewrite inputs before Analyze (shown in the report, by property name), and a bad config is
 * reported by the pack's own validation before the pack starts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertBuilt, describeRun, FIXTURES, runCli } from "./run-cli";

interface JsonReport {
  resources: {
    name: string;
    remediations?: { policy: string; properties: string[] }[];
    findings: { policy: string }[];
  }[];
}

describe("CLI: the remediate level and config errors before the pack starts", function () {
  let work: string;
  const write = (name: string, config: unknown): string => {
    const file = path.join(work, name);
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
  };

  before(() => {
    assertBuilt();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "bedrock-cmk-guard-remediate-"));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("reports what `remediate` rewrote, and judges the rewritten inputs", async () => {
    const stack = path.join(FIXTURES, "stack-export.json");
    const config = write("remediate.json", { "kms-key-rotation": "remediate" });
    const [plain, run, text] = await Promise.all([
      runCli(["check", stack, "--format", "json", "-q"], { cwd: work }),
      runCli(["check", stack, "--format", "json", "-q", "--config", config], { cwd: work }),
      runCli(["check", stack, "-q", "--config", config], { cwd: work }),
    ]);
    const before = JSON.parse(plain.stdout) as JsonReport;
    const after = JSON.parse(run.stdout) as JsonReport;
    const key = after.resources.find((r) => r.name === "analytics-key");
    assert.deepEqual(key?.remediations, [{ policy: "kms-key-rotation", properties: ["enableKeyRotation"] }]);
    const rotationFindings = (report: JsonReport) =>
      report.resources.flatMap((r) => r.findings).filter((f) => f.policy.endsWith("-key-rotation")).length;
    assert.ok(rotationFindings(before) > 0, describeRun(plain));
    assert.equal(rotationFindings(after), 0, describeRun(run));
    assert.match(text.stdout, /remediated by kms-key-rotation: set enableKeyRotation/);
  });

  it("reports a misspelt policy with the nearest names, before starting the pack", async () => {
    const config = write("typo.json", { "kms-key-rotaton": "mandatory", "cmk-key-rotation": "remediate" });
    const run = await runCli(["check", path.join(FIXTURES, "stack-export.json"), "--config", config], {
      cwd: work,
    });
    assert.equal(run.code, 2, describeRun(run));
    assert.match(
      run.stderr,
      /kms-key-rotaton: expected the name of a policy in this pack; did you mean "kms-key-rotation"/,
    );
    assert.match(
      run.stderr,
      /cmk-key-rotation: "remediate" is not available: a stack policy cannot change resources/,
    );
    assert.doesNotMatch(run.stderr, /Starting the policy pack/);
    assert.ok(run.stderr.length < 600, run.stderr);
  });
});
