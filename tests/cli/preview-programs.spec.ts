/**
 * `bedrock-cmk-guard preview` runs programs the way the Pulumi CLI runs them (issue 11, observed
 * failures 1-4): the built CLI as a child process, from a folder outside the repository, on programs
 * copied there with the repository's node_modules linked in (what the user's own `npm install`
 * provides).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Report, ResourceReport } from "../../cli/report/report";
import { assertBuilt, describeRun, ROOT, runCli as runTool, type CliRun } from "./run-cli";
import { patient } from "../support/patience";

const runCli = (args: readonly string[], cwd: string, env: Record<string, string> = {}) =>
  runTool(args, { cwd, env });

const PROGRAMS = path.join(ROOT, "tests/fixtures/programs");
const DOMAIN = "aws:datazone/domain:Domain";

type Run = CliRun;

function report(run: Run): Report {
  try {
    return JSON.parse(run.stdout) as Report;
  } catch {
    throw new Error(`no JSON report: ${describeRun(run)}`);
  }
}

const policiesOf = (resource: ResourceReport) => resource.findings.map((f) => f.policy);

describe("preview runs programs as the Pulumi CLI does (from a folder outside the repository)", function () {
  this.timeout(patient(300_000));
  let outside: string;
  const runs: Record<string, Run> = {};

  /** A copy of a fixture program in the outside folder, with node_modules as `npm install` gives. */
  function copyProgram(name: string, installed = true): string {
    const dir = path.join(outside, installed ? name : `${name}-not-installed`);
    fs.cpSync(path.join(PROGRAMS, name), dir, { recursive: true });
    if (installed) fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
  }

  before(async () => {
    assertBuilt();
    outside = fs.mkdtempSync(path.join(os.tmpdir(), "bedrock-cmk-guard-programs-"));
    const empty = fs.mkdtempSync(path.join(outside, "cwd-"));
    const badConfig = path.join(empty, "Pulumi.bad.yaml");
    fs.writeFileSync(
      badConfig,
      "config:\n  bedrock-cmk-guard:workspaces:\n    - name: x\n      version: V3\n",
    );
    const json = ["--format", "json", "--quiet"];
    const planned: [string, () => Promise<Run>][] = [
      ["sample", () => runCli(["preview", "--sample", ...json], empty)],
      // The user's PULUMI_NODEJS_TRANSPILE_ONLY reaches Pulumi's launcher as under `pulumi preview`
      // (it skips ts-node's type check of @pulumi/aws, about 15 seconds here).
      [
        "async",
        () =>
          runCli(["preview", "--program", ".", ...json], copyProgram("async-entry"), {
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
          }),
      ],
      // No --program: the project of the current folder, as `pulumi preview` runs it.
      ["esm", () => runCli(["preview", ...json], copyProgram("esm-program"))],
      ["lookups", () => runCli(["preview", "--program", ".", ...json], copyProgram("key-lookups"))],
      ["failing", () => runCli(["preview", "--sample", "--stack-config", badConfig], empty)],
      ["not installed", () => runCli(["preview", "--program", "."], copyProgram("key-lookups", false))],
    ];
    // Two at a time: each run is a program process and a policy pack process.
    let next = 0;
    const worker = async () => {
      while (next < planned.length) {
        const [label, start] = planned[next++];
        runs[label] = await start();
      }
    };
    await Promise.all([worker(), worker()]);
  });

  after(() => {
    if (outside) fs.rmSync(outside, { recursive: true, force: true });
  });

  it("judges the resources of an async entry point (`export = async () => ...`, observed failure 2)", () => {
    const run = runs.async;
    assert.equal(run.code, 0, describeRun(run));
    const { resources, summary } = report(run);
    assert.ok(summary.resources >= 3, `resources judged: ${summary.resources}`);
    const domain = resources.find((r) => r.type === DOMAIN);
    assert.ok(domain, describeRun(run));
    assert.ok(resources.some((r) => r.type === "aws:kms/key:Key"));
    assert.ok(!policiesOf(domain).includes("workspace-cmk-required"), "its key is the stack's own");
  });

  it("runs an ES-module JavaScript program and blocks its unencrypted workspace (observed failure 3)", () => {
    const run = runs.esm;
    assert.equal(run.code, 1, describeRun(run));
    const domain = report(run).resources.find((r) => r.type === DOMAIN);
    assert.ok(domain && policiesOf(domain).includes("workspace-cmk-required"), describeRun(run));
  });

  it("never judges a key found by a data source as absent, nor passes it: NOT VERIFIED offline (observed failure 4)", () => {
    const run = runs.lookups;
    assert.equal(run.code, 4, describeRun(run));
    const { resources, warnings, summary } = report(run);
    assert.equal(summary.verdict, "not-verified");
    const domains = resources.filter((r) => r.type === DOMAIN);
    assert.deepEqual(domains.map((d) => d.name).sort(), ["by-alias", "by-key", "by-plain-lookup"]);
    assert.ok(
      warnings.some((w) =>
        /no offline answer.*aws:kms\/getAlias:getAlias \(2\), aws:kms\/getKey:getKey/.test(w),
      ),
      `the report names the lookups: ${warnings.join("; ")}`,
    );
    for (const domain of domains) {
      assert.ok(
        !policiesOf(domain).includes("workspace-cmk-required"),
        `${domain.name}: ${policiesOf(domain)}`,
      );
      const unread = domain.findings.find((f) => f.policy === "key-reference-unreadable");
      assert.ok(unread, `${domain.name}: ${JSON.stringify(domain)}`);
      assert.match(unread.message, /not known offline/);
    }
  });

  it("says that a program without its packages needs its own `npm install`", () => {
    const run = runs["not installed"];
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /cannot find the package @pulumi\/aws: run `npm install` in /);
  });

  it("fails with the program's own message when the program throws", () => {
    const run = runs.failing;
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /the program in .* failed: .*`workspaces\[0\]\.version` is neither V1 nor V2/);
  });
});
