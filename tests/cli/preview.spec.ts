import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { Report } from "../../cli/report/report";
import { assertBuilt, describeRun, ROOT, runAll, type CliRun } from "./run-cli";
import { patient } from "../support/patience";

const DOMAIN = "aws:datazone/domain:Domain";
const KEY = "aws:kms/key:Key";
const EXAMPLES = path.join(ROOT, "examples");
/** The workspace every example stack config defines. */
const WORKSPACE = "research";

/** Each non-compliant example, and the resource types its violation may be reported on. */
const BLOCKED_EXAMPLES: Record<string, readonly string[]> = {
  "Pulumi.no-cmk.yaml": [DOMAIN],
  "Pulumi.aws-managed-key.yaml": [DOMAIN],
  "Pulumi.rotation-off.yaml": [DOMAIN, KEY],
};

describe("bedrock-cmk-guard preview (the sample stack, this tool as the engine)", function () {
  this.timeout(patient(300_000));
  let defaultRun: CliRun;
  let compliant: CliRun;
  const blocked: Record<string, CliRun> = {};

  before(async () => {
    assertBuilt();
    const files = Object.keys(BLOCKED_EXAMPLES);
    // From a folder outside the repository, as a user runs it (issue 11, observed failure 1).
    const results = await runAll(
      [
        ["preview", "--sample", "--verbose"],
        [
          "preview",
          "--sample",
          "--stack-config",
          path.join(EXAMPLES, "Pulumi.compliant.yaml"),
          "--format",
          "json",
        ],
        ...files.map((file) => [
          "preview",
          "--sample",
          "--stack-config",
          path.join(EXAMPLES, file),
          "--format",
          "json",
          "--quiet",
        ]),
      ],
      2,
    );
    [defaultRun, compliant] = results;
    files.forEach((file, i) => (blocked[file] = results[i + 2]));
  });

  it("ships the compliant default and at least three non-compliant examples", () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    assert.ok(files.includes("Pulumi.compliant.yaml"));
    for (const file of Object.keys(BLOCKED_EXAMPLES)) assert.ok(files.includes(file), file);
  });

  it("passes the sample stack with its defaults (npm start), listing its resources with --verbose", () => {
    assert.equal(defaultRun.code, 0, describeRun(defaultRun));
    const lines = defaultRun.stdout.split("\n");
    for (const type of [DOMAIN, KEY, "aws:kms/alias:Alias", "aws:iam/role:Role"]) {
      assert.ok(
        lines.some((line) => /^\s+✓ /.test(line) && line.includes(type)),
        `${type} listed as passing`,
      );
    }
    assert.match(defaultRun.stdout, /^Previewing bedrock-cmk-guard\/dev: /);
    assert.match(defaultRun.stdout, /Summary: \d+ resources, 0 mandatory violations/);
    assert.match(defaultRun.stdout, /Result: PASSED/);
    assert.match(defaultRun.stderr, /this tool as the engine/, "progress on stderr");
  });

  it("runs the sample stack from a folder without tsconfig.json (observed failure 1)", () => {
    assert.equal(defaultRun.code, 0, describeRun(defaultRun));
    const domainLines = defaultRun.stdout
      .split("\n")
      .filter((line) => /^\s+[✓✗!] aws:datazone\/domain:Domain\s/.test(line));
    assert.equal(domainLines.length, 1, describeRun(defaultRun));
  });

  it("passes the compliant example, whose key the workspace uses", () => {
    assert.equal(compliant.code, 0, describeRun(compliant));
    const report = JSON.parse(compliant.stdout) as Report;
    assert.equal(report.stack, "compliant", "the stack is named after the file");
    assert.equal(report.sourceKind, "program");
    const domains = report.resources.filter((r) => r.type === DOMAIN);
    assert.ok(
      domains.length > 0 && domains.every((d) => d.name.startsWith(WORKSPACE)),
      domains.map((d) => d.name).join(),
    );
    assert.ok(report.resources.some((r) => r.type === KEY));
    assert.equal(report.summary.mandatory, 0);
  });

  for (const [file, types] of Object.entries(BLOCKED_EXAMPLES)) {
    it(`blocks examples/${file} with exit 1 and names the resource`, () => {
      const run = blocked[file];
      assert.equal(run.code, 1, describeRun(run));
      const report = JSON.parse(run.stdout) as Report;
      const offenders = report.resources.filter((r) =>
        r.findings.some((f) => f.level === "mandatory" || f.level === "remediate"),
      );
      assert.ok(offenders.length > 0);
      for (const offender of offenders) {
        assert.ok(types.includes(offender.type), `${offender.type} ${offender.name}`);
        assert.ok(offender.name.startsWith(WORKSPACE) || offender.type === KEY, offender.name);
        for (const finding of offender.findings) assert.ok(finding.message.includes(`'${offender.name}'`));
      }
      assert.ok(offenders.some((o) => o.type === DOMAIN || o.type === KEY));
    });
  }
});
