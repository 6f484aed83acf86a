import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as sarif from "sarif";
import type { Report, ResourceReport } from "../../cli/report/report";
import { assertBuilt, describeRun, FIXTURES, runAll, type CliRun } from "./run-cli";
import { patient } from "../support/patience";

const EXPORT = path.join(FIXTURES, "stack-export.json");
const PREVIEW = path.join(FIXTURES, "preview.json");
const DOMAIN = "aws:datazone/domain:Domain";

function parseReport(run: CliRun): Report {
  return JSON.parse(run.stdout) as Report;
}

function resource(report: Report, type: string, name: string): ResourceReport {
  const found = report.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(
    found.length,
    1,
    `exactly one ${type} ${name} in ${report.resources.map((r) => r.name).join(", ")}`,
  );
  return found[0];
}

function blocking(r: ResourceReport): string[] {
  return r.findings.filter((f) => f.level === "mandatory" || f.level === "remediate").map((f) => f.policy);
}

/** The verdicts both fixtures share: they describe the same workspaces, at `up` and at preview. */
function assertWorkspaceVerdicts(report: Report, file: string): void {
  assert.deepEqual(blocking(resource(report, DOMAIN, "research")), [], "compliant workspace passes");
  assert.ok(
    blocking(resource(report, DOMAIN, "legacy")).includes("workspace-cmk-required"),
    "no key: blocked",
  );

  // The key is in the stack but its rotation is off: the pack traces the workspace to it and blocks.
  const analytics = [
    resource(report, DOMAIN, "analytics"),
    resource(report, "aws:kms/key:Key", "analytics-key"),
  ];
  assert.ok(
    analytics.some((r) => blocking(r).length > 0),
    "workspace with an unfit key: blocked",
  );

  // A secret the file does not hold (ciphertext / [secret]) is neither absent nor a bad value.
  const finance = resource(report, DOMAIN, "finance");
  assert.deepEqual(blocking(finance), [], JSON.stringify(finance.findings));
  const text = JSON.stringify(report);
  assert.ok(!text.includes("ciphertext") && !text.includes("v1:"), "no secret material in the report");

  for (const [type, name] of [
    ["aws:s3/bucketV2:BucketV2", "audit-logs"],
    ["aws:iam/role:Role", "research-service-role"],
    ["pulumi:pulumi:Stack", `bedrock-cmk-guard-${report.stack}`],
  ]) {
    assert.deepEqual(resource(report, type, name).findings, [], `${type} is not judged`);
  }
  assert.ok(
    report.resources.every((r) => !r.type.startsWith("pulumi:providers:")),
    "providers are not analysed",
  );
  assert.equal(report.source, file);
  assert.equal(report.summary.verdict, "blocked");
}

describe("bedrock-cmk-guard check", function () {
  this.timeout(patient(120_000));
  let runs: Record<string, CliRun>;
  let otherRegion: string;
  let imported: string;
  let configFile: string;
  let outputFile: string;

  before(async () => {
    assertBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-check-"));
    // The same export, with the workspaces' provider in another region than their keys: the
    // state records that region in the provider and in every resource's outputs.
    const exported = JSON.parse(fs.readFileSync(EXPORT, "utf8"));
    for (const r of exported.deployment.resources) {
      if (r.type === "pulumi:providers:aws") r.inputs.region = r.outputs.region = "eu-west-1";
      if (r.type === DOMAIN) {
        delete r.inputs.region;
        r.outputs.region = "eu-west-1";
      }
    }
    otherRegion = path.join(dir, "other-region.json");
    fs.writeFileSync(otherRegion, JSON.stringify(exported));
    // The same export, with the compliant workspace imported: its recorded inputs lack the key
    // that its outputs hold (what `pulumi import` may record).
    const withImport = JSON.parse(fs.readFileSync(EXPORT, "utf8"));
    for (const r of withImport.deployment.resources) {
      if (r.type === DOMAIN && r.urn.endsWith("::research")) delete r.inputs.kmsKeyIdentifier;
    }
    imported = path.join(dir, "imported.json");
    fs.writeFileSync(imported, JSON.stringify(withImport));
    configFile = path.join(dir, "policy-config.json");
    fs.writeFileSync(configFile, JSON.stringify({ all: "advisory" }));
    outputFile = path.join(dir, "report.sarif");

    const cases: Record<string, string[]> = {
      exportJson: ["check", EXPORT, "--format", "json"],
      previewJson: ["check", PREVIEW, "--format", "json"],
      exportText: ["check", EXPORT, "--verbose"],
      exportSarif: ["check", EXPORT, "--format", "sarif", "--quiet"],
      previewSarifToFile: ["check", PREVIEW, "--format", "sarif", "--output", outputFile],
      allAdvisory: ["check", EXPORT, "--format", "json", "--config", configFile],
      otherRegion: ["check", otherRegion, "--format", "json"],
      imported: ["check", imported, "--format", "json"],
    };
    const results = await runAll(Object.values(cases));
    runs = Object.fromEntries(Object.keys(cases).map((name, i) => [name, results[i]]));
  });

  it("judges a `pulumi stack export` (deployment v3) and exits 1 on a mandatory violation", () => {
    const run = runs.exportJson;
    assert.equal(run.code, 1, describeRun(run));
    const report = parseReport(run);
    assert.equal(report.sourceKind, "stack-export");
    assert.equal(`${report.project}/${report.stack}`, "bedrock-cmk-guard/prod");
    assertWorkspaceVerdicts(report, EXPORT);
    // The replaced workspace pending deletion is not analysed: one `research` domain only.
    assert.equal(report.resources.filter((r) => r.name === "research" && r.type === DOMAIN).length, 1);
    assert.match(run.stderr, /Secret values of 1 resource\(s\) cannot be read/);
    assert.match(run.stderr, /Analyzing \d+ resources/, "progress on stderr");
  });

  it("judges a `pulumi preview --json` file with unknown values, like a first preview", () => {
    const run = runs.previewJson;
    assert.equal(run.code, 1, describeRun(run));
    const report = parseReport(run);
    assert.equal(report.sourceKind, "preview-json");
    assertWorkspaceVerdicts(report, PREVIEW);
    assert.ok(!report.resources.some((r) => r.name === "scratch"), "a deleted resource is not judged");
    const warnings = run.stderr.split("\n").filter((l) => l.startsWith("warning:"));
    // The secrets warning, and workspace-key-usable deferred to up (the keys' ARNs do not exist yet).
    assert.equal(warnings.length, 2, run.stderr);
    assert.ok(warnings.some((l) => l.startsWith("warning: stack policy workspace-key-usable did not run")));
  });

  it("resolves each resource's provider reference to the provider in the file (its region)", () => {
    const run = runs.otherRegion;
    assert.equal(run.code, 1, describeRun(run));
    const research = resource(parseReport(run), DOMAIN, "research");
    assert.ok(blocking(research).includes("workspace-cmk-region"), JSON.stringify(research.findings));
  });

  it("judges an imported workspace on its recorded outputs: its key, not a false 'not set'", () => {
    const report = parseReport(runs.imported);
    for (const research of report.resources.filter((r) => r.type === DOMAIN && r.name === "research"))
      assert.deepEqual(blocking(research), [], JSON.stringify(research.findings));
    // The rest of the verdicts are those of the export as it was.
    assert.ok(blocking(resource(report, DOMAIN, "legacy")).includes("workspace-cmk-required"));
  });

  it("prints a preview-like text report: every resource, its results, then a summary", () => {
    const run = runs.exportText;
    assert.equal(run.code, 1, describeRun(run));
    const report = parseReport(runs.exportJson);
    const lines = run.stdout.split("\n");
    for (const r of report.resources) {
      assert.ok(
        lines.some((line) => line.includes(r.type) && line.trimEnd().endsWith(` ${r.name}`)),
        `${r.type} ${r.name} listed`,
      );
    }
    const legacy = lines.findIndex((line) => line.includes(DOMAIN) && line.endsWith(" legacy"));
    assert.match(lines[legacy], /^\s+✗/);
    assert.match(lines[legacy + 1], /mandatory workspace-cmk-required: .*'legacy'/);
    assert.match(run.stdout, /Fix: Set `kmsKeyIdentifier`/);
    // A recorded state's resources are judged on their outputs (AnalyzeStack, as `pulumi policy
    // analyze` sends them), whose skipped checks the engine protocol reports per policy, naming
    // the resource.
    assert.match(
      run.stdout,
      /workspace-cmk-key-arn did not run: not determinable yet: .*'finance'/,
      "the skipped check is reported",
    );
    const { mandatory, advisory } = report.summary;
    assert.match(
      run.stdout,
      new RegExp(`Summary: ${report.resources.length} resources, ${mandatory} mandatory`),
    );
    assert.match(run.stdout, new RegExp(`${advisory} advisory`));
    assert.match(run.stdout, /Result: BLOCKED/);
  });

  for (const [name, file, kind] of [
    ["exportSarif", EXPORT, "stack export"],
    ["previewSarifToFile", PREVIEW, "preview JSON"],
  ] as const) {
    it(`writes SARIF 2.1.0 that code scanning accepts (${kind})`, () => {
      const run = runs[name];
      assert.equal(run.code, 1, describeRun(run));
      const text = name === "previewSarifToFile" ? fs.readFileSync(outputFile, "utf8") : run.stdout;
      if (name === "previewSarifToFile") assert.equal(run.stdout, "", "--output keeps stdout empty");
      else assert.equal(run.stderr, "", "--quiet: nothing on stderr");
      assertSarif(
        JSON.parse(text) as sarif.Log,
        file,
        parseReport(name === "exportSarif" ? runs.exportJson : runs.previewJson),
      );
    });
  }

  it("sends --config to the pack as `pulumi preview --policy-pack-config` does", () => {
    const run = runs.allAdvisory;
    assert.equal(run.code, 0, describeRun(run));
    const report = parseReport(run);
    const legacy = resource(report, DOMAIN, "legacy");
    assert.deepEqual(
      legacy.findings.filter((f) => f.policy === "workspace-cmk-required").map((f) => f.level),
      ["advisory"],
    );
    assert.equal(report.summary.mandatory, 0);
    assert.equal(report.summary.verdict, "passed");
  });
});

function assertSarif(log: sarif.Log, file: string, report: Report): void {
  assert.equal(log.version, "2.1.0");
  assert.match(log.$schema ?? "", /sarif-2\.1\.0/);
  assert.equal(log.runs.length, 1);
  const [run] = log.runs;
  assert.equal(run.tool.driver.name, "bedrock-cmk-guard");
  const rules = run.tool.driver.rules ?? [];
  const ruleIds = rules.map((r) => r.id);
  for (const rule of rules) {
    assert.ok(rule.shortDescription?.text, `${rule.id} has a short description`);
    assert.ok(rule.help?.text?.startsWith("Fix: "), `${rule.id} carries its remediation`);
  }
  const results = run.results ?? [];
  const findings = report.resources.flatMap((r) => r.findings.map((f) => ({ r, f })));
  assert.equal(results.length, findings.length + report.stackFindings.length);
  assert.ok(results.length > 0);
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (const result of results) {
    assert.ok(result.ruleId && ruleIds.includes(result.ruleId), `${result.ruleId} is a rule`);
    assert.equal(rules[result.ruleIndex!].id, result.ruleId);
    assert.ok(result.level === "error" || result.level === "warning", String(result.level));
    assert.ok(result.message.text && result.message.text.length > 0);
    assert.ok(typeof result.properties?.fix === "string" && result.properties.fix.length > 0, "fix");
    const location = result.locations?.[0];
    assert.equal(location?.physicalLocation?.artifactLocation?.uri, file);
    const urn = location?.logicalLocations?.[0]?.fullyQualifiedName ?? "";
    const finding = findings.find(({ r, f }) => r.urn === urn && f.policy === result.ruleId);
    assert.ok(finding, `result for ${result.ruleId} on ${urn} matches a finding`);
    assert.equal(result.level, finding.f.level === "advisory" ? "warning" : "error");
    // The region points at the resource's URN in the input file.
    const line = lines[location!.physicalLocation!.region!.startLine! - 1];
    assert.ok(line.includes(JSON.stringify(urn)), `line ${line} names ${urn}`);
  }
  const errors = results.filter((r) => r.level === "error").length;
  assert.equal(errors, report.summary.mandatory);
}
