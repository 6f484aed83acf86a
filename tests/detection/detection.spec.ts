/**
 * The AWS Config rule against the fake AWS endpoint, through the real SDK clients: every
 * compliance outcome, paging over 100 evaluations, a throttled PutEvaluations, an unreadable key
 * and an unreadable region, a deleted workspace retired, the time limit, an organization rule's
 * member account, and parity with `audit` on the same world; in this process and as the bundle.
 */
import * as assert from "assert";
import * as fs from "fs";
import type { Report } from "../../cli/report/report";
import { blocks } from "../../cli/report/report";
import { ANNOTATION_LIMIT } from "../../detection/evaluations";
import type { FakeEvaluation } from "../support/fake-aws/config";
import { describeAudit, FakeWorld, keyArn, runAudit } from "../audit/fake-world";
import {
  BUNDLE,
  functionEnv,
  invokeBundle,
  invokeInProcess,
  periodicEvent,
  RULE_NAME,
} from "./detection-world";

const ACCOUNTS = {
  detect: "222222222222",
  big: "333333333333",
  denied: "444444444444",
  member: "555555555555",
  deleting: "666666666666",
  slow: "777777777777",
  management: "888888888888",
  newest: "121212121212",
  rejected: "131313131313",
} as const;
const ROLE = "arn:aws:iam::222222222222:role/BedrockStudioExecution";
const MEMBER_ROLE = "BedrockCmkGuardDetection";
const GOOD = keyArn(ACCOUNTS.detect, "us-east-1", 1);
const AWS_MANAGED = keyArn(ACCOUNTS.detect, "us-east-1", 2);
const FOREIGN = keyArn("999999999999", "us-east-1", 3);
const STALE = `arn:aws:datazone:us-east-1:${ACCOUNTS.detect}:domain/dzd_deletedlongago`;

function domainArn(account: string, id: string): string {
  return `arn:aws:datazone:us-east-1:${account}:domain/${id}`;
}

/** The latest evaluation of each resource, by resource id. */
function byId(evaluations: FakeEvaluation[]): Map<string, FakeEvaluation> {
  return new Map(evaluations.map((e) => [e.ComplianceResourceId, e]));
}

describe("AWS Config rule (fake AWS)", function () {
  this.timeout(60_000);
  let world: FakeWorld;
  const env = (accessKeyId: string, extra: Record<string, string> = {}) =>
    functionEnv(world.server, accessKeyId, extra);

  before(async () => {
    world = await FakeWorld.start();
    for (const [name, account] of Object.entries(ACCOUNTS))
      world.accounts.addUser(`AKID${name.toUpperCase()}`, account, "detection-function");
    world.accounts.addRole(ACCOUNTS.member, MEMBER_ROLE);
    world.accounts.setRegionAccess(ACCOUNTS.denied, "us-east-1", "denied");
    const tagged = { EnableBedrock: "true" };
    world.kms
      .addKey({ arn: GOOD, rotationEnabled: true, tags: tagged })
      .addKey({ arn: AWS_MANAGED, keyManager: "AWS", rotationEnabled: true, tags: tagged })
      .addKey({ arn: FOREIGN, rotationEnabled: true, tags: tagged })
      .deny({ operation: "DescribeKey", keyArn: FOREIGN });
    const domain = (id: string, kmsKeyIdentifier?: string) => ({
      id,
      name: id,
      domainExecutionRole: ROLE,
      ...(kmsKeyIdentifier === undefined ? {} : { kmsKeyIdentifier }),
    });
    world.dataZone
      .addDomain(ACCOUNTS.detect, "us-east-1", domain("dzd_good", GOOD))
      .addDomain(ACCOUNTS.detect, "us-east-1", domain("dzd_nokey"))
      .addDomain(ACCOUNTS.detect, "us-east-1", domain("dzd_awsmanaged", AWS_MANAGED))
      .addDomain(ACCOUNTS.detect, "us-east-1", domain("dzd_foreign", FOREIGN))
      .addDomain(ACCOUNTS.member, "us-east-1", domain("dzd_member"))
      .addDomain(ACCOUNTS.deleting, "us-east-1", domain("dzd_keep", GOOD))
      .addDomain(ACCOUNTS.deleting, "us-east-1", domain("dzd_gone", GOOD));
    for (let i = 0; i < 230; i++)
      world.dataZone.addDomain(
        ACCOUNTS.big,
        "us-east-1",
        domain(`dzd_big${i}`, i % 2 === 0 ? GOOD : undefined),
      );
    for (let i = 0; i < 20; i++) world.dataZone.addDomain(ACCOUNTS.slow, "us-east-1", domain(`dzd_slow${i}`));
    world.bedrock
      .add("agent", ACCOUNTS.detect, "us-east-1", { id: "AGENT00001", name: "support-agent" })
      .add("guardrail", ACCOUNTS.detect, "us-east-1", { id: "gr00000001", name: "safety", kmsKeyArn: GOOD });
    // The families read through their own services (data sources per knowledge base, AgentCore,
    // Data Automation): each is evaluated under its CloudFormation type.
    const NEWEST_KEY = keyArn(ACCOUNTS.newest, "us-east-1", 4);
    world.kms.addKey({ arn: NEWEST_KEY, rotationEnabled: true, tags: tagged });
    world.bedrock
      .add("knowledge-base", ACCOUNTS.newest, "us-east-1", {
        id: "KB00000001",
        name: "kb",
        kmsKeyArn: NEWEST_KEY,
      })
      .add("data-source", ACCOUNTS.newest, "us-east-1", {
        id: "DS00000001",
        name: "ds-no-key",
        knowledgeBaseId: "KB00000001",
      })
      .add("data-automation-project", ACCOUNTS.newest, "us-east-1", {
        id: "bda0000001",
        name: "bda-good",
        kmsKeyArn: NEWEST_KEY,
      });
    world.agentCore
      .add("memory", ACCOUNTS.newest, "us-east-1", { id: "mem-0000000001", name: "mem_no_key" })
      .add("gateway", ACCOUNTS.newest, "us-east-1", {
        id: "gw-0000000001",
        name: "gw-good",
        kmsKeyArn: NEWEST_KEY,
      });
    world.dataZone.addDomain(ACCOUNTS.rejected, "us-east-1", domain("dzd_rejected"));
    world.config.seed(ACCOUNTS.detect, RULE_NAME, {
      ComplianceResourceType: "AWS::DataZone::Domain",
      ComplianceResourceId: STALE,
      ComplianceType: "NON_COMPLIANT",
      OrderingTimestamp: 1_700_000_000,
    });
  });
  after(() => world?.close());
  beforeEach(() => {
    world.server.reset();
    world.server.faults = {};
  });

  it("reports COMPLIANT, NON_COMPLIANT (with the policy and the fix) and NOT_APPLICABLE (retired), and an unreadable key NON_COMPLIANT with the reason", async () => {
    const summary = await invokeInProcess(periodicEvent(ACCOUNTS.detect), { env: env("AKIDDETECT") });
    assert.equal(summary.timeLimitReached, false);
    assert.deepEqual(summary.problems, []);
    const evaluations = byId(world.config.evaluations(ACCOUNTS.detect, RULE_NAME));
    const of = (id: string) => evaluations.get(id);
    assert.equal(of(domainArn(ACCOUNTS.detect, "dzd_good"))?.ComplianceType, "COMPLIANT");
    assert.equal(of(domainArn(ACCOUNTS.detect, "dzd_good"))?.ComplianceResourceType, "AWS::DataZone::Domain");
    const noKey = of(domainArn(ACCOUNTS.detect, "dzd_nokey"));
    assert.equal(noKey?.ComplianceType, "NON_COMPLIANT");
    assert.match(noKey?.Annotation ?? "", /^workspace-cmk-required: .*kmsKeyIdentifier/);
    assert.match(
      of(domainArn(ACCOUNTS.detect, "dzd_awsmanaged"))?.Annotation ?? "",
      /^cmk-key-customer-managed/,
    );
    const foreign = of(domainArn(ACCOUNTS.detect, "dzd_foreign"));
    assert.equal(foreign?.ComplianceType, "NON_COMPLIANT");
    assert.match(
      foreign?.Annotation ?? "",
      /^not verified \(cmk-key-verifiable\): AWS KMS denied DescribeKey: .*kms:DescribeKey/,
    );
    const agent = [...evaluations.values()].find((e) => e.ComplianceResourceType === "AWS::Bedrock::Agent");
    assert.match(agent?.Annotation ?? "", /^agent-cmk-required/);
    const guardrail = [...evaluations.values()].find(
      (e) => e.ComplianceResourceType === "AWS::Bedrock::Guardrail",
    );
    assert.equal(guardrail?.ComplianceType, "COMPLIANT");
    assert.equal(of(STALE)?.ComplianceType, "NOT_APPLICABLE");
    assert.equal(of(ACCOUNTS.detect)?.ComplianceResourceType, "AWS::::Account");
    assert.equal(of(ACCOUNTS.detect)?.ComplianceType, "COMPLIANT");
    for (const evaluation of evaluations.values()) {
      assert.ok((evaluation.Annotation ?? "").length <= ANNOTATION_LIMIT, evaluation.Annotation);
      assert.equal(evaluation.OrderingTimestamp, Date.parse("2026-12-01T00:00:00.000Z") / 1000);
    }
    assert.equal(summary.retired, 1);
    assert.equal(summary.sent, 8);
  });

  it("gives the audit's verdict for every resource of the same world", async () => {
    const run = await runAudit(["--regions", "us-east-1", "-f", "json", "-q"], {
      server: world.server,
      accessKeyId: "AKIDDETECT",
    });
    assert.equal(run.code, 1, describeAudit(run));
    const report = JSON.parse(run.stdout) as Report;
    // The audit: a blocking finding, or a key it could not verify, is not a pass.
    const audited = new Map(
      report.resources.map((r) => [
        r.urn,
        r.findings.some((f) => blocks(f.level) || f.policy === "cmk-key-verifiable")
          ? "NON_COMPLIANT"
          : "COMPLIANT",
      ]),
    );
    world.server.reset();
    await invokeInProcess(periodicEvent(ACCOUNTS.detect), { env: env("AKIDDETECT") });
    const detected = new Map(
      world.config
        .evaluations(ACCOUNTS.detect, RULE_NAME)
        .filter((e) => e.ComplianceType !== "NOT_APPLICABLE" && e.ComplianceResourceType !== "AWS::::Account")
        .map((e) => [e.ComplianceResourceId, e.ComplianceType]),
    );
    assert.equal(audited.size, 6);
    assert.deepEqual(detected, audited);
  });

  it("pages over 100 evaluations a call and retries a throttled PutEvaluations", async () => {
    world.server.faults = { throttle: [{ service: "config", operation: "PutEvaluations", count: 2 }] };
    const summary = await invokeInProcess(periodicEvent(ACCOUNTS.big), { env: env("AKIDBIG") });
    const puts = world.server.callsOf("config", "PutEvaluations");
    assert.equal(puts.filter((c) => c.fault === "throttled").length, 2);
    const answered = puts.filter((c) => c.status === 200);
    assert.equal(answered.length, 3, "231 evaluations: 100 + 100 + 31");
    for (const call of answered)
      assert.ok((call.input as { Evaluations: unknown[] }).Evaluations.length <= 100);
    const evaluations = world.config.evaluations(ACCOUNTS.big, RULE_NAME);
    assert.equal(evaluations.length, 231);
    assert.equal(evaluations.filter((e) => e.ComplianceType === "COMPLIANT").length, 116);
    assert.equal(evaluations.filter((e) => e.ComplianceType === "NON_COMPLIANT").length, 115);
    assert.equal(summary.sent, 231);
    assert.equal(summary.unsent, 0);
  });

  it("retires a workspace deleted since the last run, and only after a complete read", async () => {
    const event = periodicEvent(ACCOUNTS.deleting);
    await invokeInProcess(event, { env: env("AKIDDELETING") });
    const gone = domainArn(ACCOUNTS.deleting, "dzd_gone");
    assert.equal(
      byId(world.config.evaluations(ACCOUNTS.deleting, RULE_NAME)).get(gone)?.ComplianceType,
      "COMPLIANT",
    );
    world.dataZone.removeDomain(ACCOUNTS.deleting, "us-east-1", "dzd_gone");
    world.accounts.setRegionAccess(ACCOUNTS.deleting, "us-east-1", "denied");
    // Not read: the account is NON_COMPLIANT with the reason, the workspace's evaluation stands.
    const unread = await invokeInProcess(event, { env: env("AKIDDELETING") });
    assert.equal(unread.retired, 0);
    let evaluations = byId(world.config.evaluations(ACCOUNTS.deleting, RULE_NAME));
    assert.equal(evaluations.get(gone)?.ComplianceType, "COMPLIANT");
    assert.equal(evaluations.get(ACCOUNTS.deleting)?.ComplianceType, "NON_COMPLIANT");
    assert.match(
      evaluations.get(ACCOUNTS.deleting)?.Annotation ?? "",
      /fail closed: DataZone .*AccessDeniedException/,
    );
    world.accounts.setRegionAccess(ACCOUNTS.deleting, "us-east-1", undefined);
    const read = await invokeInProcess(event, { env: env("AKIDDELETING") });
    assert.equal(read.retired, 1);
    evaluations = byId(world.config.evaluations(ACCOUNTS.deleting, RULE_NAME));
    assert.equal(evaluations.get(gone)?.ComplianceType, "NOT_APPLICABLE");
    assert.equal(evaluations.get(domainArn(ACCOUNTS.deleting, "dzd_keep"))?.ComplianceType, "COMPLIANT");
    assert.equal(evaluations.get(ACCOUNTS.deleting)?.ComplianceType, "COMPLIANT");
  });

  it("reports an unreadable region on the account as NON_COMPLIANT with the reason", async () => {
    const summary = await invokeInProcess(periodicEvent(ACCOUNTS.denied), { env: env("AKIDDENIED") });
    assert.equal(summary.judged, 0);
    const [account] = world.config.evaluations(ACCOUNTS.denied, RULE_NAME);
    assert.equal(account.ComplianceResourceType, "AWS::::Account");
    assert.equal(account.ComplianceType, "NON_COMPLIANT");
    assert.match(account.Annotation ?? "", /AccessDeniedException/);
  });

  it("stops judging at its share of the time left, reports what it judged and says the rest was not", async () => {
    // DataZone answers after the function's time: nothing can be judged, and the run says so.
    world.server.faults = { latencyMs: (call) => (call.operation === "GetDomain" ? 5_000 : 0) };
    const started = Date.now();
    const summary = await invokeInProcess(periodicEvent(ACCOUNTS.slow), {
      env: env("AKIDSLOW"),
      remainingMs: 2_000,
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2_000, `returned after ${elapsed} ms, past the Lambda's time`);
    assert.equal(summary.timeLimitReached, true);
    assert.equal(summary.retired, 0);
    const account = byId(world.config.evaluations(ACCOUNTS.slow, RULE_NAME)).get(ACCOUNTS.slow);
    assert.equal(account?.ComplianceType, "NON_COMPLIANT");
    assert.match(account?.Annotation ?? "", /time limit was reached/);
  });

  it("evaluates knowledge base data sources, AgentCore memories and gateways, and Data Automation projects under their CloudFormation types", async () => {
    const summary = await invokeInProcess(periodicEvent(ACCOUNTS.newest), { env: env("AKIDNEWEST") });
    assert.deepEqual(summary.problems, []);
    const evaluated = world.config
      .evaluations(ACCOUNTS.newest, RULE_NAME)
      .map((e) => `${e.ComplianceResourceType} ${e.ComplianceType}`)
      .sort();
    assert.deepEqual(evaluated, [
      "AWS::::Account COMPLIANT",
      "AWS::Bedrock::DataAutomationProject COMPLIANT",
      "AWS::Bedrock::DataSource NON_COMPLIANT",
      "AWS::Bedrock::KnowledgeBase COMPLIANT",
      "AWS::BedrockAgentCore::Gateway COMPLIANT",
      "AWS::BedrockAgentCore::Memory NON_COMPLIANT",
    ]);
  });

  it("fails the invocation when AWS Config rejects evaluations (FailedEvaluations), after logging what it sent", async () => {
    world.server.faults = {
      inject: [
        {
          service: "config",
          operation: "PutEvaluations",
          fault: {
            kind: "rewrite",
            edit: (answer: { FailedEvaluations?: unknown[] }, call) => ({
              ...answer,
              FailedEvaluations: (call.input as { Evaluations: unknown[] }).Evaluations.slice(0, 1),
            }),
          },
        },
      ],
    };
    await assert.rejects(
      invokeInProcess(periodicEvent(ACCOUNTS.rejected), { env: env("AKIDREJECTED") }),
      /1 of 2 evaluation\(s\) not delivered: AWS Config rejected 1 evaluation\(s\)/,
    );
  });

  it("as an organization rule, reads and reports in the member account with the role it names", async () => {
    const summary = await invokeInProcess(periodicEvent(ACCOUNTS.member), {
      env: env("AKIDMANAGEMENT", { DETECTION_MEMBER_ROLE_NAME: MEMBER_ROLE }),
    });
    assert.deepEqual(summary.problems, []);
    assert.equal(world.server.callsOf("sts", "AssumeRole").length, 1);
    const evaluations = byId(world.config.evaluations(ACCOUNTS.member, RULE_NAME));
    assert.equal(evaluations.get(domainArn(ACCOUNTS.member, "dzd_member"))?.ComplianceType, "NON_COMPLIANT");
    assert.equal(evaluations.get(ACCOUNTS.member)?.ComplianceType, "COMPLIANT");
  });

  it("the bundled file, in a fresh Node process, reports what the handler reports in-process", async () => {
    assert.ok(fs.existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`);
    await invokeInProcess(periodicEvent(ACCOUNTS.detect), { env: env("AKIDDETECT") });
    const inProcess = world.config.evaluations(ACCOUNTS.detect, RULE_NAME);
    world.config.seed(ACCOUNTS.detect, RULE_NAME, {
      ComplianceResourceType: "AWS::DataZone::Domain",
      ComplianceResourceId: `${STALE}2`,
      ComplianceType: "COMPLIANT",
      OrderingTimestamp: 1_700_000_000,
    });
    world.server.faults = { throttle: [{ service: "config", operation: "PutEvaluations", count: 1 }] };
    const run = await invokeBundle(periodicEvent(ACCOUNTS.detect, "2026-12-02T00:00:00.000Z"), {
      env: env("AKIDDETECT"),
    });
    assert.equal(run.summary.retired, 1);
    assert.equal(
      world.server.callsOf("config", "PutEvaluations").filter((c) => c.fault === "throttled").length,
      1,
    );
    const bundled = byId(world.config.evaluations(ACCOUNTS.detect, RULE_NAME));
    assert.equal(bundled.get(`${STALE}2`)?.ComplianceType, "NOT_APPLICABLE");
    for (const before of inProcess) {
      const after = bundled.get(before.ComplianceResourceId);
      assert.deepEqual(
        [after?.ComplianceType, after?.Annotation],
        [before.ComplianceType, before.Annotation],
        before.ComplianceResourceId,
      );
      if (before.ComplianceType !== "NOT_APPLICABLE")
        assert.equal(after?.OrderingTimestamp, Date.parse("2026-12-02T00:00:00.000Z") / 1000);
    }
  });

  it("judges with the pack config's levels, and refuses a config the pack would refuse", async () => {
    const advisory = JSON.stringify({ "cmk-key-customer-managed": "advisory" });
    await invokeInProcess(periodicEvent(ACCOUNTS.detect), {
      env: env("AKIDDETECT", { BEDROCK_CMK_GUARD_PACK_CONFIG: advisory }),
    });
    const awsManaged = domainArn(ACCOUNTS.detect, "dzd_awsmanaged");
    assert.equal(
      byId(world.config.evaluations(ACCOUNTS.detect, RULE_NAME)).get(awsManaged)?.ComplianceType,
      "COMPLIANT",
    );
    await assert.rejects(
      invokeInProcess(periodicEvent(ACCOUNTS.detect), {
        env: env("AKIDDETECT", {
          BEDROCK_CMK_GUARD_PACK_CONFIG: JSON.stringify({ "cmk-key-rotation": "loud" }),
        }),
      }),
      /BEDROCK_CMK_GUARD_PACK_CONFIG: cmk-key-rotation: "loud" is not an enforcement level/,
    );
  });
});
