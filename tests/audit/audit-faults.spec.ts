/**
 * `bedrock-cmk-guard audit` against a fake AWS that fails the way AWS fails (fault injection in
 * tests/support/fake-aws/server.ts): nothing unread is ever PASSED, one failure never hides its
 * neighbours, every call is bounded, answers are checked against their questions, reports and
 * files say what was not read. The built CLI runs from a folder outside the repository.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type * as sarif from "sarif";
import type { Report, ResourceReport } from "../../cli/report/report";
import { assertBuilt } from "../cli/run-cli";
import type { FakeAwsCall, FaultRule, InjectedFault } from "../support/fake-aws/server";
import { describeAudit, FakeWorld, isolatedFolder, keyArn, MANAGEMENT, runAudit } from "./fake-world";

const GOOD_KEY = keyArn(MANAGEMENT, "us-east-1", 11);
const OTHER_KEY = keyArn(MANAGEMENT, "us-east-1", 12);
const PUBLIC_KEY = keyArn(MANAGEMENT, "us-east-1", 13);
const EXECUTION_ROLE = `arn:aws:iam::${MANAGEMENT}:role/service-role/AmazonBedrockStudioServiceRole-x`;
/** Tag keys that are members of Object.prototype: data like any other tag. */
const PROTOTYPE_TAGS: Record<string, string> = Object.fromEntries([
  ["toString", "x"],
  ["constructor", "z"],
  ["__proto__", "p"],
  ["team", "ml"],
]);
const PUBLIC_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
});

function resource(report: Report, name: string): ResourceReport {
  const found = report.resources.find((r) => r.name === name);
  assert.ok(found, `no resource '${name}' in the report: ${report.resources.map((r) => r.name).join(", ")}`);
  return found;
}

function policies(r: ResourceReport): string[] {
  return r.findings.map((f) => `${f.level} ${f.policy}`).sort();
}

const NOT_READ = "advisory aws-facts-unreadable";
/** A key the audit could not read: the judging layer's final-values finding. */
const KEY_NOT_VERIFIED = "mandatory cmk-unverifiable";

function fault(service: string, operation: string, injected: InjectedFault, when?: FaultRule["when"]) {
  return { service, operation, fault: injected, ...(when === undefined ? {} : { when }) };
}

const aboutDomain = (id: string) => (call: FakeAwsCall) =>
  (call.input as { params?: { identifier?: string } }).params?.identifier === id;
const aboutKey = (arn: string) => (call: FakeAwsCall) => (call.input as { KeyId?: string }).KeyId === arn;

describe("bedrock-cmk-guard audit under AWS faults (fake AWS)", function () {
  this.timeout(60_000);
  let world: FakeWorld;
  const audit = (args: readonly string[], cwd?: string) =>
    runAudit(["--regions", "us-east-1", ...args], {
      server: world.server,
      accessKeyId: "AKIDMANAGEMENT",
      ...(cwd === undefined ? {} : { cwd }),
    });
  const json = async (args: readonly string[] = []) => {
    const run = await audit(["-f", "json", "-q", ...args]);
    return { run, report: JSON.parse(run.stdout) as Report };
  };

  before(async () => {
    assertBuilt();
    world = await FakeWorld.start();
    world.accounts.addUser("AKIDMANAGEMENT", MANAGEMENT);
    const tagged = { EnableBedrock: "true" };
    world.kms
      .addKey({ arn: GOOD_KEY, rotationEnabled: true, tags: tagged })
      .addKey({ arn: OTHER_KEY, rotationEnabled: true, tags: tagged })
      .addKey({ arn: PUBLIC_KEY, rotationEnabled: true, tags: tagged, policy: PUBLIC_POLICY });
    const domain = (id: string, name: string, key?: string, tags: Record<string, string> = {}) => ({
      id,
      name,
      domainExecutionRole: EXECUTION_ROLE,
      tags,
      ...(key === undefined ? {} : { kmsKeyIdentifier: key }),
    });
    world.dataZone
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_good", "good", GOOD_KEY))
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_nokey", "no-key", undefined, PROTOTYPE_TAGS))
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_gone", "gone", GOOD_KEY));
    world.bedrock.add("guardrail", MANAGEMENT, "us-east-1", {
      id: "gr1",
      name: "safety",
      kmsKeyArn: GOOD_KEY,
    });
  });
  after(() => world?.close());
  beforeEach(() => {
    world.server.reset();
    world.server.faults = {};
  });

  it("a healthy run passes only the compliant resources and reports the key-less workspace (control)", async () => {
    const { run, report } = await json();
    assert.equal(run.code, 1, describeAudit(run));
    assert.equal(report.summary.verdict, "blocked");
    assert.deepEqual(policies(resource(report, "good")), []);
    assert.deepEqual(policies(resource(report, "no-key")), ["mandatory workspace-cmk-required"]);
  });

  for (const [label, injected] of [
    ["GetKeyPolicy AccessDenied", { kind: "error", code: "AccessDeniedException", status: 400 }],
    ["ExpiredTokenException from KMS", { kind: "error", code: "ExpiredTokenException", status: 400 }],
    ["an HTML 502 from KMS", { kind: "html-502" }],
    ["a malformed KMS answer", { kind: "malformed" }],
  ] as const) {
    it(`a key whose policy cannot be read (${label}) makes the resources using it NOT VERIFIED, never PASSED`, async () => {
      world.server.faults = { inject: [fault("kms", "GetKeyPolicy", injected)] };
      // Only the key-less workspace would block: drop it by judging the guardrail and `good` alone.
      const { run, report } = await json();
      assert.equal(run.code, 1, "the key-less workspace still blocks: exit 1 wins over 4");
      for (const name of ["good", "safety", "gone"]) {
        assert.ok(
          policies(resource(report, name)).includes(KEY_NOT_VERIFIED),
          `${name}: ${describeAudit(run)}`,
        );
      }
      assert.match(
        resource(report, "good")
          .findings.map((f) => f.message)
          .join("\n"),
        /GetKeyPolicy|ExpiredTokenException/,
      );
    });
  }

  it("exit 4 and verdict not-verified when the only unread thing is a key (JSON agrees with the exit code)", async () => {
    world.server.faults = {
      inject: [fault("kms", "GetKeyPolicy", { kind: "error", code: "AccessDeniedException", status: 400 })],
    };
    const cwd = isolatedFolder();
    fs.writeFileSync(path.join(cwd, "pack.json"), JSON.stringify({ "workspace-cmk-required": "advisory" }));
    const run = await audit(["-f", "json", "-q", "-c", "pack.json"], cwd);
    assert.equal(run.code, 4, describeAudit(run));
    assert.equal((JSON.parse(run.stdout) as Report).summary.verdict, "not-verified");
  });

  it("a DescribeKey answer about another key is not believed: NOT VERIFIED, and the workspace is not adopted", async () => {
    world.server.faults = {
      inject: [
        fault(
          "kms",
          "DescribeKey",
          {
            kind: "rewrite",
            edit: (answer: { KeyMetadata: Record<string, unknown> }) => ({
              KeyMetadata: { ...answer.KeyMetadata, Arn: OTHER_KEY, KeyId: OTHER_KEY.split("/")[1] },
            }),
          },
          aboutKey(GOOD_KEY),
        ),
      ],
    };
    const cwd = isolatedFolder();
    const run = await audit(["-f", "json", "-q", "--emit-import", "import.json"], cwd);
    const report = JSON.parse(run.stdout) as Report;
    assert.ok(policies(resource(report, "good")).includes(KEY_NOT_VERIFIED), describeAudit(run));
    assert.match(
      resource(report, "good")
        .findings.map((f) => f.message)
        .join("\n"),
      /another key/,
    );
    assert.ok(!world.server.callsOf("kms", "GetKeyPolicy").some((c) => aboutKey(OTHER_KEY)(c)));
    assert.equal(fs.existsSync(path.join(cwd, "import.json")), false, "nothing adopted");
  });

  for (const [label, injected] of [
    ["404 (being deleted)", { kind: "error", code: "ResourceNotFoundException", status: 404 }],
    ["403", { kind: "error", code: "AccessDeniedException", status: 403 }],
    ["throttled forever", { kind: "error", code: "ThrottlingException", status: 429 }],
  ] as const) {
    it(`one GetDomain answering ${label} is NOT VERIFIED on its own; its neighbours are judged and emitted`, async function () {
      this.timeout(120_000);
      world.server.faults = { inject: [fault("datazone", "GetDomain", injected, aboutDomain("dzd_gone"))] };
      const cwd = isolatedFolder();
      const run = await audit(["-f", "json", "-q", "--emit-stack-config", "Pulumi.re.yaml"], cwd);
      assert.equal(run.code, 1, describeAudit(run));
      const report = JSON.parse(run.stdout) as Report;
      assert.deepEqual(policies(resource(report, "gone")), [NOT_READ]);
      assert.match(resource(report, "gone").findings[0].message, /dzd_gone/);
      assert.deepEqual(policies(resource(report, "good")), []);
      assert.deepEqual(policies(resource(report, "no-key")), ["mandatory workspace-cmk-required"]);
      assert.equal(report.coverage?.[0].status, "incomplete");
      assert.match(fs.readFileSync(path.join(cwd, "Pulumi.re.yaml"), "utf8"), /name: no-key/);
    });
  }

  it("one GetMemory denied (AgentCore) is NOT VERIFIED on its own; the other memory is judged", async () => {
    const denied = { kind: "error", code: "AccessDeniedException", status: 403 } as const;
    world.server.faults = {
      inject: [
        fault("bedrock-agentcore", "GetMemory", denied, (call) =>
          JSON.stringify(call.input).includes("mem-denied"),
        ),
      ],
    };
    world.agentCore
      .add("memory", MANAGEMENT, "us-east-1", { id: "mem-denied", name: "mem_denied", kmsKeyArn: GOOD_KEY })
      .add("memory", MANAGEMENT, "us-east-1", { id: "mem-no-key", name: "mem_no_key" });
    const { run, report } = await json().finally(() => world.agentCore.clear());
    assert.equal(run.code, 1, describeAudit(run));
    assert.deepEqual(policies(resource(report, "mem-denied")), [NOT_READ]);
    assert.match(resource(report, "mem-denied").findings[0].message, /bedrock-agentcore:GetMemory/);
    assert.deepEqual(policies(resource(report, "mem_no_key")), ["mandatory agentcore-memory-cmk-required"]);
    assert.equal(report.coverage?.[0].status, "incomplete");
  });

  it("revoked credentials (UnrecognizedClientException) in a default region make the account unreadable, never a skipped region", async () => {
    const revoked = { kind: "error", code: "UnrecognizedClientException", status: 400 } as const;
    world.server.faults = {
      inject: [
        "ListDomains",
        "ListAgents",
        "ListFlows",
        "ListPrompts",
        "ListGuardrails",
        "ListCustomModels",
      ].map((operation) => fault(operation === "ListDomains" ? "datazone" : "bedrock", operation, revoked)),
    };
    const { run, report } = await json();
    assert.equal(run.code, 4, describeAudit(run));
    assert.equal(report.summary.verdict, "not-verified");
    assert.equal(report.coverage?.[0].status, "incomplete");
    assert.match(report.warnings.join("\n"), /rejected the credentials/);
  });

  it("a ListDomains that repeats its nextToken stops at once: that listing is NOT VERIFIED", async () => {
    world.server.faults = {
      inject: [
        fault("datazone", "ListDomains", {
          kind: "rewrite",
          edit: (page: object) => ({ ...page, nextToken: "again" }),
        }),
      ],
    };
    const { run, report } = await json();
    assert.ok(world.server.callsOf("datazone", "ListDomains").length <= 3, "stopped on the repeated token");
    assert.notEqual(run.code, 0, describeAudit(run));
    assert.equal(report.coverage?.[0].status, "incomplete");
    assert.match(report.warnings.join("\n"), /RepeatedPaginationToken/);
    assert.deepEqual(policies(resource(report, "safety")), [], "the other families are still read");
  });

  it("a DataZone endpoint that never answers ends with --timeout, with a report saying what was not read", async () => {
    world.server.faults = { inject: [fault("datazone", "ListDomains", { kind: "no-answer" })] };
    const { run, report } = await json(["--timeout", "3"]);
    assert.equal(run.code, 4, describeAudit(run));
    assert.ok(run.ms < 20_000, `took ${run.ms} ms`);
    assert.equal(report.summary.verdict, "not-verified");
    assert.match(report.warnings.join("\n"), /DataZone domains/);
  });

  it("SARIF of an incomplete audit: executionSuccessful false, a notification per unread item, no invented file", async () => {
    world.server.faults = {
      inject: [
        fault(
          "datazone",
          "GetDomain",
          { kind: "error", code: "AccessDeniedException", status: 403 },
          aboutDomain("dzd_gone"),
        ),
      ],
    };
    const run = await audit(["-f", "sarif", "-q"]);
    const log = JSON.parse(run.stdout) as sarif.Log;
    const invocation = log.runs[0].invocations![0];
    assert.equal(invocation.executionSuccessful, false);
    const notes = invocation.toolExecutionNotifications ?? [];
    assert.ok(
      notes.some((n) => n.level === "error" && /dzd_gone/.test(n.message.text ?? "")),
      JSON.stringify(notes),
    );
    for (const result of log.runs[0].results ?? []) {
      assert.equal(result.locations?.[0].physicalLocation, undefined);
      assert.match(result.locations?.[0].logicalLocations?.[0].fullyQualifiedName ?? "", /^arn:aws:/);
    }
  });

  it("-o into a missing folder exits 2 before any AWS call; an existing symlink is replaced, not followed", async () => {
    const cwd = isolatedFolder();
    const missing = await audit(
      ["-f", "json", "-o", "nowhere/report.json", "--emit-stack-config", "x.yaml"],
      cwd,
    );
    assert.equal(missing.code, 2, describeAudit(missing));
    assert.match(
      missing.stderr,
      /--output nowhere\/report.json: cannot write \(the folder .* does not exist\)/,
    );
    assert.equal(world.server.calls.length, 0);
    assert.equal(fs.existsSync(path.join(cwd, "x.yaml")), false);

    const target = path.join(cwd, "elsewhere.txt");
    fs.writeFileSync(target, "untouched");
    fs.symlinkSync(target, path.join(cwd, "report.json"));
    const run = await audit(["-f", "json", "-q", "-o", "report.json"], cwd);
    assert.equal(run.code, 1, describeAudit(run));
    assert.equal(fs.readFileSync(target, "utf8"), "untouched");
    assert.equal(fs.lstatSync(path.join(cwd, "report.json")).isSymbolicLink(), false);
    assert.equal(
      (JSON.parse(fs.readFileSync(path.join(cwd, "report.json"), "utf8")) as Report).command,
      "audit",
    );
  });

  it("a tag named after a prototype member survives into the emitted stack config as data; `__proto__` is left out, and the file says so", async () => {
    const cwd = isolatedFolder();
    const run = await audit(["-q", "--emit-stack-config", "Pulumi.re.yaml"], cwd);
    assert.equal(run.code, 1, describeAudit(run));
    const config = fs.readFileSync(path.join(cwd, "Pulumi.re.yaml"), "utf8");
    const emitted = yaml.load(config) as {
      config: Record<string, { name: string; tags: Record<string, string> }[]>;
    };
    const workspace = emitted.config["bedrock-cmk-guard:workspaces"].find((w) => w.name === "no-key");
    assert.deepEqual(
      Object.entries(workspace?.tags ?? {}),
      Object.entries(PROTOTYPE_TAGS).filter(([key]) => key !== "__proto__"),
      config,
    );
    assert.match(config, /^# Workspace no-key: its tag `__proto__` is left out/m);
  });
});
