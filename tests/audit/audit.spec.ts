/**
 * `bedrock-cmk-guard audit` against a fake AWS on 127.0.0.1 that speaks the real wire protocols,
 * read by the real SDK clients through AWS_ENDPOINT_URL; the CLI runs as a child process from a
 * folder outside the repository, isolated from the machine's AWS configuration.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { Report, ResourceReport } from "../../cli/report/report";
import { assertBuilt, CLI, ROOT } from "../cli/run-cli";
import { describeAudit, FakeWorld, isolatedFolder, keyArn, MANAGEMENT, runAudit } from "./fake-world";
import { patient } from "../support/patience";

const MEMBER = "222222222222";
const SUSPENDED = "444444444444";
/** An active member account without the role: it cannot be read. */
const NO_ROLE = "555555555555";
const FOREIGN = "333333333333";
const ROLES = {
  execution: `arn:aws:iam::${MANAGEMENT}:role/service-role/AmazonBedrockStudioServiceRole-old`,
};
const PUBLIC_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
});
const KEYS = {
  good: keyArn(MANAGEMENT, "us-east-1", 1),
  goodEu: keyArn(MANAGEMENT, "eu-west-1", 6),
  awsManaged: keyArn(MANAGEMENT, "us-east-1", 2),
  rotationOff: keyArn(MANAGEMENT, "us-east-1", 3),
  publicPolicy: keyArn(MANAGEMENT, "us-east-1", 4),
  foreign: keyArn(FOREIGN, "us-east-1", 5),
};

const TAGS = { team: "ml", "aws:cloudformation:stack-name": "console" };
/**
 * Tag keys and values AWS accepts that are also names JavaScript gives meaning to: the emitted
 * stack config must carry them as data, and the sample stack must preview with them (a `toString`
 * tag used to hang the preview).
 */
const DATA_TAGS: Record<string, string> = Object.fromEntries([
  ...Object.entries(TAGS),
  ["toString", "x"],
  ["valueOf", "v"],
  ["constructor", "c"],
  ["hasOwnProperty", "h"],
  ["Kostenstelle/Équipe: ü", ""],
]);

function resource(report: Report, name: string): ResourceReport {
  const found = report.resources.find((r) => r.name === name);
  assert.ok(found, `no resource '${name}' in the report: ${report.resources.map((r) => r.name).join(", ")}`);
  return found;
}

function policies(r: ResourceReport): string[] {
  return r.findings.map((f) => `${f.level} ${f.policy}`).sort();
}

describe("bedrock-cmk-guard audit (fake AWS)", function () {
  this.timeout(patient(60_000));
  let world: FakeWorld;

  before(async () => {
    assertBuilt();
    world = await FakeWorld.start();
    world.accounts.addUser("AKIDMANAGEMENT", MANAGEMENT).addRole(MEMBER, "OrganizationAccountAccessRole");
    world.accounts.setRegionAccess(MANAGEMENT, "eu-central-1", "denied");
    world.accounts.setRegionAccess(MANAGEMENT, "ap-east-1", "not-enabled");
    world.dataZone.pageSize = 2;
    const tagged = { EnableBedrock: "true" };
    world.kms
      .addKey({ arn: KEYS.good, rotationEnabled: true, tags: tagged })
      .addKey({ arn: KEYS.goodEu, rotationEnabled: true, tags: tagged })
      .addKey({ arn: KEYS.awsManaged, keyManager: "AWS", rotationEnabled: true, tags: tagged })
      .addKey({ arn: KEYS.rotationOff, rotationEnabled: false, tags: tagged })
      .addKey({ arn: KEYS.publicPolicy, rotationEnabled: true, tags: tagged, policy: PUBLIC_POLICY })
      .addKey({ arn: KEYS.foreign, rotationEnabled: true, tags: tagged })
      .deny({ operation: "DescribeKey", keyArn: KEYS.foreign });
    const domain = (
      id: string,
      name: string,
      kmsKeyIdentifier?: string,
      tags: Record<string, string> = TAGS,
    ) => ({
      id,
      name,
      description: `workspace ${name}`,
      domainExecutionRole: ROLES.execution,
      tags,
      ...(kmsKeyIdentifier === undefined ? {} : { kmsKeyIdentifier }),
    });
    world.dataZone
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_nokey", "no key", undefined, DATA_TAGS))
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_awsmanaged", "aws-managed", KEYS.awsManaged))
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_rotation", "rotation-off", KEYS.rotationOff))
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_public", "public-policy", KEYS.publicPolicy))
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_foreign", "foreign-key", KEYS.foreign))
      .addDomain(MANAGEMENT, "us-east-1", domain("dzd_good", "good", KEYS.good))
      .addDomain(MANAGEMENT, "eu-west-1", domain("dzd_goodeu", "good-eu", KEYS.goodEu))
      .addDomain(MEMBER, "us-east-1", {
        id: "dzd_member",
        name: "member-ws",
        domainExecutionRole: ROLES.execution,
      });
    world.bedrock
      .add("agent", MANAGEMENT, "us-east-1", { id: "AGENT00001", name: "support-agent" })
      .add("guardrail", MANAGEMENT, "us-east-1", { id: "gr00000001", name: "safety", kmsKeyArn: KEYS.good })
      .add("custom-model", MANAGEMENT, "us-east-1", { id: "model00001", name: "tuned" })
      .add("knowledge-base", MANAGEMENT, "us-east-1", { id: "KB00000001", name: "kb-no-key" })
      .add("knowledge-base", MANAGEMENT, "us-east-1", {
        id: "KB00000002",
        name: "kb-good",
        kmsKeyArn: KEYS.good,
      })
      // Its store is the team's own (a vector database): the knowledge base has no key to judge.
      .add("knowledge-base", MANAGEMENT, "us-east-1", {
        id: "KB00000003",
        name: "kb-vector",
        knowledgeBaseType: "VECTOR",
      });
    world.bedrock
      .add("data-source", MANAGEMENT, "us-east-1", {
        id: "DS00000001",
        name: "ds-good",
        knowledgeBaseId: "KB00000002",
        kmsKeyArn: KEYS.good,
      })
      .add("data-source", MANAGEMENT, "us-east-1", {
        id: "DS00000002",
        name: "ds-no-key",
        knowledgeBaseId: "KB00000002",
      })
      .add("data-automation-project", MANAGEMENT, "us-east-1", { id: "bda0000001", name: "bda-no-key" })
      .add("data-automation-project", MANAGEMENT, "us-east-1", {
        id: "bda0000002",
        name: "bda-good",
        kmsKeyArn: KEYS.good,
      });
    world.agentCore
      .add("memory", MANAGEMENT, "us-east-1", { id: "mem-0000000001", name: "mem_no_key" })
      .add("memory", MANAGEMENT, "us-east-1", {
        id: "mem-0000000002",
        name: "mem_good",
        kmsKeyArn: KEYS.good,
      })
      .add("gateway", MANAGEMENT, "us-east-1", { id: "gw-0000000001", name: "gw-no-key" })
      .add("gateway", MANAGEMENT, "us-east-1", {
        id: "gw-0000000002",
        name: "gw-good",
        kmsKeyArn: KEYS.good,
      });
    world.organizations
      .addAccount({ id: MANAGEMENT, name: "management" })
      .addAccount({ id: MEMBER, name: "member" })
      .addAccount({ id: SUSPENDED, name: "closed", status: "SUSPENDED" })
      .addAccount({ id: NO_ROLE, name: "no-role" });
    world.ssm.addServiceRegions("datazone", [
      ...["us-east-2", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-2", "eu-west-3", "eu-north-1"],
      ...["ap-south-1", "ap-northeast-1", "ap-northeast-2", "eu-west-1", "eu-central-1", "ap-east-1"],
    ]);
  });
  after(() => world?.close());
  beforeEach(() => {
    world.server.reset();
    world.server.faults = {};
  });

  it("reads every page, retries a throttled call, and judges each workspace and Bedrock resource with the pack's rules", async () => {
    world.server.faults = { throttle: [{ service: "datazone", operation: "GetDomain", count: 2 }] };
    const run = await runAudit(["--regions", "us-east-1", "-f", "json", "-q"], {
      server: world.server,
      accessKeyId: "AKIDMANAGEMENT",
    });
    assert.equal(run.code, 1, describeAudit(run));
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.command, "audit");
    assert.ok(world.server.callsOf("datazone", "ListDomains").length >= 3, "several ListDomains pages");
    assert.equal(
      world.server.callsOf("datazone", "GetDomain").filter((c) => c.fault === "throttled").length,
      2,
    );
    assert.equal(report.resources.filter((r) => r.type === "aws:datazone/domain:Domain").length, 6);

    assert.deepEqual(policies(resource(report, "no key")), ["mandatory workspace-cmk-required"]);
    assert.deepEqual(policies(resource(report, "aws-managed")), ["mandatory cmk-key-customer-managed"]);
    assert.deepEqual(policies(resource(report, "rotation-off")), ["mandatory cmk-key-rotation"]);
    assert.deepEqual(policies(resource(report, "public-policy")), ["mandatory cmk-key-policy-public"]);
    // DescribeKey denied: the key's facts were not read, so the workspace is also NOT VERIFIED.
    assert.deepEqual(policies(resource(report, "foreign-key")), [
      "mandatory cmk-key-verifiable",
      "mandatory cmk-unverifiable",
    ]);
    assert.match(
      resource(report, "foreign-key").findings.find((f) => f.policy === "cmk-key-verifiable")!.message,
      /kms:DescribeKey/,
    );
    assert.deepEqual(policies(resource(report, "good")), []);
    const good = resource(report, "good");
    assert.equal(good.urn, `arn:aws:datazone:us-east-1:${MANAGEMENT}:domain/dzd_good`);
    assert.deepEqual(policies(resource(report, "support-agent")), ["mandatory agent-cmk-required"]);
    assert.deepEqual(policies(resource(report, "kb-no-key")), ["mandatory knowledge-base-cmk-required"]);
    assert.equal(resource(report, "kb-no-key").type, "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase");
    assert.deepEqual(policies(resource(report, "kb-good")), []);
    assert.deepEqual(policies(resource(report, "kb-vector")), []);
    assert.equal(resource(report, "support-agent").type, "aws:bedrock/agentAgent:AgentAgent");
    assert.deepEqual(policies(resource(report, "safety")), []);
    assert.deepEqual(policies(resource(report, "tuned")), ["mandatory custom-model-cmk-required"]);
    // Knowledge base data sources (listed per knowledge base), AgentCore memories and gateways and
    // Data Automation projects, each read and judged like the others.
    assert.equal(resource(report, "ds-no-key").type, "aws:bedrock/agentDataSource:AgentDataSource");
    assert.equal(resource(report, "ds-no-key").urn, "KB00000002|DS00000002");
    assert.deepEqual(policies(resource(report, "ds-no-key")), ["mandatory data-source-cmk-required"]);
    assert.deepEqual(policies(resource(report, "ds-good")), []);
    assert.deepEqual(policies(resource(report, "mem_no_key")), ["mandatory agentcore-memory-cmk-required"]);
    assert.deepEqual(policies(resource(report, "mem_good")), []);
    assert.deepEqual(policies(resource(report, "gw-no-key")), ["advisory agentcore-gateway-cmk-required"]);
    assert.deepEqual(policies(resource(report, "gw-good")), []);
    assert.equal(resource(report, "bda-no-key").type, "aws-native:bedrock:DataAutomationProject");
    assert.deepEqual(policies(resource(report, "bda-no-key")), ["mandatory data-automation-cmk-required"]);
    assert.deepEqual(policies(resource(report, "bda-good")), []);
    assert.deepEqual(
      report.coverage?.map((c) => [c.account, c.region, c.status]),
      [[MANAGEMENT, "us-east-1", "read"]],
    );
  });

  it("takes the pack config's levels: a policy made advisory no longer blocks", async () => {
    const cwd = isolatedFolder();
    fs.writeFileSync(path.join(cwd, "pack.json"), JSON.stringify({ "cmk-key-rotation": "advisory" }));
    const run = await runAudit(["--regions", "us-east-1", "-f", "json", "-q", "-c", "pack.json"], {
      server: world.server,
      accessKeyId: "AKIDMANAGEMENT",
      cwd,
    });
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      policies(resource(report, "rotation-off")),
      ["advisory cmk-key-rotation"],
      describeAudit(run),
    );
  });

  it("exits 4 when a region answers AccessDenied, still judging the others; --regions all reads SSM's list; a disabled region is skipped", async () => {
    const run = await runAudit(["--regions", "all", "-f", "json"], {
      server: world.server,
      accessKeyId: "AKIDMANAGEMENT",
      region: "eu-west-1",
    });
    assert.equal(run.code, 4, describeAudit(run));
    const report = JSON.parse(run.stdout) as Report;
    assert.ok(world.server.callsOf("ssm", "GetParametersByPath").length >= 2, "SSM read over two pages");
    assert.equal(report.coverage?.length, 13);
    const byRegion = new Map(report.coverage?.map((c) => [c.region, c]));
    assert.equal(byRegion.get("eu-central-1")?.status, "incomplete");
    assert.match(byRegion.get("eu-central-1")!.notes.join(" "), /AccessDenied/);
    assert.equal(byRegion.get("ap-east-1")?.status, "skipped");
    assert.deepEqual(policies(resource(report, "good-eu")), []);
    assert.match(run.stderr, /account-regions done/);
  });

  it("writes a stack config that the sample stack previews without violation, and an import file for the compliant workspaces", async function () {
    this.timeout(patient(150_000));
    const cwd = isolatedFolder();
    const run = await runAudit(
      [
        "--regions",
        "us-east-1,eu-west-1",
        "-q",
        "--emit-stack-config",
        "Pulumi.recreate.yaml",
        "--emit-import",
        "import.json",
      ],
      { server: world.server, accessKeyId: "AKIDMANAGEMENT", cwd },
    );
    assert.equal(run.code, 1, describeAudit(run));
    const stackConfig = fs.readFileSync(path.join(cwd, "Pulumi.recreate.yaml"), "utf8");
    for (const name of ["no-key", "aws-managed", "rotation-off", "public-policy"])
      assert.match(stackConfig, new RegExp(`name: ${name}\\n`), stackConfig);
    assert.doesNotMatch(stackConfig, /name: good|name: foreign-key|aws:cloudformation/);
    assert.match(
      stackConfig,
      /executionRoleArn: arn:aws:iam::111111111111:role\/service-role\/AmazonBedrockStudioServiceRole-old/,
    );

    // Two regions hold compliant workspaces: one import file per region.
    const imports = ["import-111111111111-us-east-1.json", "import-111111111111-eu-west-1.json"].map(
      (file) => JSON.parse(fs.readFileSync(path.join(cwd, file), "utf8")) as { resources: unknown[] },
    );
    assert.deepEqual(imports[0].resources, [
      { type: "aws:datazone/domain:Domain", name: "good-us-east-1", id: "dzd_good" },
      { type: "aws:kms/key:Key", name: "good-us-east-1-key", id: "00000001-1111-4222-8333-444455556666" },
    ]);
    assert.equal(imports[1].resources.length, 2);

    const emitted = (yaml.load(stackConfig) as { config: Record<string, { name: string; tags?: object }[]> })
      .config;
    const noKey = emitted["bedrock-cmk-guard:workspaces"]?.find((w) => w.name === "no-key");
    assert.deepEqual(
      Object.entries(noKey?.tags ?? {}),
      Object.entries(DATA_TAGS).filter(([key]) => !key.startsWith("aws:")),
    );

    const previewBound = patient(90_000);
    const preview = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      // From the repository: `preview` run from another folder cannot compile the sample stack
      // (ts-node finds no tsconfig there), a limitation of preview, not of the emitted file.
      const stackFile = path.join(cwd, "Pulumi.recreate.yaml");
      const child = spawn(process.execPath, [CLI, "preview", "--verbose", "--stack-config", stackFile], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      // A preview that hangs (as one did on a `toString` tag) fails here; SIGTERM lets the CLI
      // stop the program and the pack it started (cli/engine/process-group.ts).
      const timer = setTimeout(() => child.kill("SIGTERM"), previewBound);
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
      child.once("error", reject);
      child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    assert.equal(preview.code, 0, `preview within ${previewBound} ms: ${preview.out}`);
    assert.match(preview.out, /aws:datazone\/domain:Domain\s+no-key/);
  });

  it("audits the organization's active accounts, assuming the role in each member account; one that cannot be assumed is reported, the others judged", async () => {
    const run = await runAudit(["--accounts", "organization", "--regions", "us-east-1", "-f", "json", "-q"], {
      server: world.server,
      accessKeyId: "AKIDMANAGEMENT",
    });
    assert.equal(run.code, 1, describeAudit(run));
    const report = JSON.parse(run.stdout) as Report;
    const assumed = world.server
      .callsOf("sts", "AssumeRole")
      .map((c) => (c.input as URLSearchParams).get("RoleArn"));
    assert.deepEqual(assumed.sort(), [
      `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
      `arn:aws:iam::${NO_ROLE}:role/OrganizationAccountAccessRole`,
    ]);
    assert.deepEqual(policies(resource(report, "member-ws")), ["mandatory workspace-cmk-required"]);
    assert.deepEqual(
      report.coverage?.map((c) => [c.account, c.status]),
      [
        [MANAGEMENT, "read"],
        [MEMBER, "read"],
        [NO_ROLE, "incomplete"],
      ],
    );
    assert.match(
      report.warnings.join("\n"),
      /555555555555 incomplete: cannot assume role OrganizationAccountAccessRole \(sts:AssumeRole\): AccessDenied/,
    );
  });

  it("without credentials exits 2 at once with one line", async () => {
    const run = await runAudit(["--regions", "us-east-1"], { server: world.server });
    assert.equal(run.code, 2, describeAudit(run));
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /no AWS credentials/);
    assert.ok(run.ms < patient(10_000), `took ${run.ms} ms`);
    assert.equal(world.server.calls.length, 0);
  });

  it("exits 2 with one line on a bad --regions, before any AWS call, and when no region is configured", async () => {
    const bad = await runAudit(["--regions", "nowhere"], {
      server: world.server,
      accessKeyId: "AKIDMANAGEMENT",
    });
    assert.equal(bad.code, 2, describeAudit(bad));
    assert.match(bad.stderr, /--regions: .*not a region: nowhere/);
    assert.equal(world.server.calls.length, 0);
    const noRegion = await runAudit([], { server: world.server, accessKeyId: "AKIDMANAGEMENT" });
    assert.equal(noRegion.code, 2, describeAudit(noRegion));
    assert.match(noRegion.stderr, /no region: set AWS_REGION/);
    assert.equal(noRegion.stderr.trim().split("\n").length, 1, noRegion.stderr);
  });
});
