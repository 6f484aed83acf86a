import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Report } from "../../cli/report/report";
import { assertBuilt, describeRun, FIXTURES, ROOT, runAll, runCli, type CliRun } from "./run-cli";
import { patient } from "../support/patience";

const EXPORT = path.join(FIXTURES, "stack-export.json");
const DOMAIN = "aws:datazone/domain:Domain";
const OUTSIDE_KEY = "arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab";

interface Deployment {
  version: number;
  features?: string[];
  deployment: { resources: Record<string, unknown>[] };
}

function exported(): Deployment {
  return JSON.parse(fs.readFileSync(EXPORT, "utf8")) as Deployment;
}

/** Policy names per resource name, for comparing two runs over the same resources. */
function verdicts(run: CliRun): Record<string, string[]> {
  const report = JSON.parse(run.stdout) as Report;
  return Object.fromEntries(report.resources.map((r) => [r.name, r.findings.map((f) => f.policy).sort()]));
}

describe("bedrock-cmk-guard check: stack files as Pulumi writes them", function () {
  this.timeout(patient(180_000));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-stack-files-"));
  const write = (name: string, document: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(document, null, 2));
    return file;
  };
  let runs: Record<string, CliRun>;

  before(async () => {
    assertBuilt();
    // Version 4: what Pulumi writes once a resource uses a feature, with the fields it adds.
    const v4 = exported();
    v4.version = 4;
    v4.features = ["hooks", "refreshBeforeUpdate", "taint"];
    for (const resource of v4.deployment.resources) {
      if (resource.type === DOMAIN) {
        resource.taint = true;
        resource.refreshBeforeUpdate = true;
        resource.resourceHooks = { beforeCreate: ["audit"] };
      }
    }
    const future = { ...v4, features: ["refreshBeforeUpdate", "quantumState"] };
    // The file backend's checkpoint: the same deployment under checkpoint.latest, with the config.
    const plain = exported();
    const checkpoint = {
      version: 3,
      checkpoint: { stack: "prod", config: { "aws:region": "us-east-1" }, latest: plain.deployment },
    };
    // A workspace whose key ARN is a secret the export does not hold and no key of the stack explains.
    const hidden = exported();
    hidden.deployment.resources = hidden.deployment.resources.filter(
      (r) => !/::(legacy|analytics|analytics-key)$/.test(String(r.urn)),
    );
    for (const resource of hidden.deployment.resources) {
      if (String(resource.urn).endsWith("::finance")) {
        (resource.propertyDependencies as Record<string, string[]>).kmsKeyIdentifier = [];
        resource.dependencies = (resource.dependencies as string[]).filter((urn) => !urn.includes("kms"));
      }
    }
    // The same with a mandatory violation too: blocked wins over not verified.
    const hiddenAndBlocked = exported();
    for (const resource of hiddenAndBlocked.deployment.resources) {
      if (String(resource.urn).endsWith("::finance")) {
        (resource.propertyDependencies as Record<string, string[]>).kmsKeyIdentifier = [];
      }
    }

    // A workspace whose key ARN names a key outside the stack, which nothing vouches for.
    const outside = exported();
    outside.deployment.resources = outside.deployment.resources
      .filter((r) => !/::(legacy|analytics|analytics-key|finance|research-key)$/.test(String(r.urn)))
      .map((r) => {
        if (r.type !== DOMAIN) return r;
        const props = (p: unknown) => ({ ...(p as object), kmsKeyIdentifier: OUTSIDE_KEY });
        return {
          ...r,
          inputs: props(r.inputs),
          outputs: props(r.outputs),
          dependencies: [],
          propertyDependencies: {},
        };
      });

    const cases: Record<string, string[]> = {
      v3: ["check", EXPORT, "--format", "json"],
      v4: ["check", write("v4.json", v4), "--format", "json"],
      futureFeature: ["check", write("future.json", future), "--format", "json"],
      checkpoint: ["check", write("checkpoint.json", checkpoint), "--format", "json"],
      // Versions 1 and 2, as the Pulumi CLI reads them: migrated up to version 3.
      v1: ["check", write("v1.json", { ...exported(), version: 1 }), "--format", "json"],
      v2: ["check", write("v2.json", { ...exported(), version: 2 }), "--format", "json"],
      v5: ["check", write("v5.json", { ...v4, version: 5 }), "--quiet"],
      noVersion: ["check", write("noversion.json", { deployment: v4.deployment }), "--quiet"],
      badFeatures: ["check", write("features.json", { ...v4, features: "taint" }), "--quiet"],
      hiddenText: ["check", write("hidden.json", hidden)],
      hiddenJson: ["check", path.join(dir, "hidden.json"), "--format", "json"],
      hiddenAndBlocked: ["check", write("hidden-blocked.json", hiddenAndBlocked), "--format", "json"],
    };
    const [results, outsideKey] = await Promise.all([
      runAll(Object.values(cases)),
      // Credentials in the environment, and an endpoint where nothing answers: an offline run asks nothing.
      runCli(["check", write("outside.json", outside), "--format", "json"], {
        env: {
          AWS_ACCESS_KEY_ID: "AKIDOFFLINE",
          AWS_SECRET_ACCESS_KEY: "x",
          AWS_ENDPOINT_URL: "http://127.0.0.1:9",
        },
      }),
    ]);
    runs = Object.fromEntries(Object.keys(cases).map((name, i) => [name, results[i]]));
    runs.outsideKey = outsideKey;
    // Standard input, as in `pulumi stack export | bedrock-cmk-guard check -`.
    runs.stdin = await runCli(["check", "-", "--format", "json"], { stdin: fs.readFileSync(EXPORT, "utf8") });
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs from a folder outside the repository", () => {
    assert.ok(path.relative(ROOT, os.tmpdir()).startsWith(".."));
  });

  it("reads deployment version 4 (features and the fields they add) as version 3", () => {
    assert.equal(runs.v4.code, runs.v3.code, describeRun(runs.v4));
    assert.equal(runs.v4.code, 1);
    assert.deepEqual(verdicts(runs.v4), verdicts(runs.v3));
    assert.doesNotMatch(runs.v4.stderr, /feature/, "known features: no warning");
  });

  it("names a v4 feature it does not know, and still judges the stack", () => {
    assert.equal(runs.futureFeature.code, 1, describeRun(runs.futureFeature));
    assert.match(runs.futureFeature.stderr, /feature\(s\) quantumState are unknown/);
    assert.doesNotMatch(runs.futureFeature.stderr, /refreshBeforeUpdate/);
    assert.deepEqual(verdicts(runs.futureFeature), verdicts(runs.v3));
  });

  it("reads a file backend's checkpoint like the export", () => {
    assert.equal(runs.checkpoint.code, 1, describeRun(runs.checkpoint));
    assert.deepEqual(verdicts(runs.checkpoint), verdicts(runs.v3));
  });

  it("reads standard input with `check -`", () => {
    assert.equal(runs.stdin.code, 1, describeRun(runs.stdin));
    assert.deepEqual(verdicts(runs.stdin), verdicts(runs.v3));
    assert.equal((JSON.parse(runs.stdin.stdout) as Report).source, "<stdin>");
  });

  it("reads deployment versions 1 and 2 as Pulumi migrates them to version 3, and says so", () => {
    for (const [run, version] of [
      [runs.v1, 1],
      [runs.v2, 2],
    ] as const) {
      assert.equal(run.code, 1, describeRun(run));
      assert.deepEqual(verdicts(run), verdicts(runs.v3));
      const report = JSON.parse(run.stdout) as Report;
      assert.ok(
        report.warnings.some((w) => w.startsWith(`deployment version ${version} `) && /migrates it/.test(w)),
        JSON.stringify(report.warnings),
      );
    }
  });

  for (const [name, shown] of [["noVersion", "undefined"]]) {
    it(`refuses deployment version ${shown}, naming the supported ones`, () => {
      const run = runs[name];
      assert.equal(run.code, 2, describeRun(run));
      assert.match(
        run.stderr,
        new RegExp(`deployment version ${shown} is not supported \\(supported: 1, 2, 3, 4`),
      );
      assert.equal(run.stdout, "");
    });
  }

  it("refuses a `features` that is not a list of names", () => {
    assert.equal(runs.badFeatures.code, 2, describeRun(runs.badFeatures));
    assert.match(runs.badFeatures.stderr, /`features` is not a list/);
  });

  it("does not say PASSED when a guarded key reference is a secret it cannot read (exit 4)", () => {
    const text = runs.hiddenText;
    assert.equal(text.code, 4, describeRun(text));
    assert.match(
      text.stdout,
      /mandatory cmk-unverifiable: .*'finance': NOT VERIFIED: .*`kmsKeyIdentifier` is not known \(a secret this input does not hold/,
    );
    assert.match(text.stdout, /Result: NOT VERIFIED/);
    assert.match(text.stdout, /pulumi stack export --show-secrets/);
    assert.doesNotMatch(text.stdout, /PASSED/);

    const report = JSON.parse(runs.hiddenJson.stdout) as Report;
    assert.equal(runs.hiddenJson.code, 4);
    assert.equal(report.summary.verdict, "not-verified");
    assert.equal(report.summary.unverified, 1);
    const finance = report.resources.find((r) => r.name === "finance")!;
    assert.deepEqual(
      finance.findings.map((f) => [f.policy, f.level, f.stage]),
      [["cmk-unverifiable", "mandatory", "stack"]],
    );
    assert.match(runs.hiddenJson.stderr, /NOT VERIFIED/);
  });

  it("a key outside the stack that nothing vouches for is NOT VERIFIED (exit 4) offline, credentials or not", () => {
    const run = runs.outsideKey;
    assert.equal(run.code, 4, describeRun(run));
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.summary.verdict, "not-verified");
    const research = report.resources.filter((r) => r.findings.length > 0);
    assert.deepEqual(
      research.map((r) => [r.name, r.findings.map((f) => [f.policy, f.level])]),
      [["research", [["cmk-key-verifiable", "mandatory"]]]],
    );
    assert.match(research[0]!.findings[0]!.message, /AWS KMS was not asked about it: this run is offline/);
  });

  it("does not flag a hidden key reference that a key of the stack explains", () => {
    const report = JSON.parse(runs.v3.stdout) as Report;
    assert.equal(report.summary.unverified, 0, "finance's key is traced through its property dependencies");
  });

  it("still blocks (exit 1) when there is also a mandatory violation", () => {
    const report = JSON.parse(runs.hiddenAndBlocked.stdout) as Report;
    assert.equal(runs.hiddenAndBlocked.code, 1, describeRun(runs.hiddenAndBlocked));
    assert.equal(report.summary.verdict, "blocked");
    assert.equal(report.summary.unverified, 1);
  });
});
