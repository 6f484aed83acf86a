/**
 * The sample stack's ContinuousDetection component, run by Pulumi's own runtime with this tool as
 * the engine, in account and organization modes: what it declares (least privilege, encryption
 * with its own customer-managed key, the rule and its triggers) and the pack's verdict on it over
 * the engine protocol, at preview and at up.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { runProgram, type ProgramRun } from "../../cli/engine/run-program";
import { PackClient, type ResourceSpec } from "../../cli/engine/pack-client";
import { readProject } from "../../cli/sources/stack-config";
import { READERS } from "../../cli/audit/inventory";
import { KMS_PERMISSIONS } from "../../policy-pack/aws/kms-facts";

const ROOT = path.resolve(__dirname, "../..");
const project = readProject(ROOT);

function sampleStack(config: Record<string, string>, preview: boolean): Promise<ProgramRun> {
  const namespaced = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project.name}:${k}`, v]));
  return runProgram({
    project,
    config: { ...project.configDefaults, "aws:region": "us-east-1", ...namespaced },
    preview,
  });
}

const ofType = (program: ProgramRun, type: string) => program.resources.filter((r) => r.type === type);
const props = (r: ResourceSpec | undefined) => r?.properties ?? {};
const statements = (document: unknown) =>
  (
    JSON.parse(String(document)) as {
      Statement: { Sid?: string; Action: string | string[]; Resource: string | string[] }[];
    }
  ).Statement;

describe("ContinuousDetection in the sample stack (account and organization modes)", function () {
  this.timeout(300_000);
  let off: ProgramRun;
  let account: ProgramRun;
  let accountUp: ProgramRun;
  let organization: ProgramRun;
  let pack: PackClient;

  before(async () => {
    [off, account, accountUp, organization] = await Promise.all([
      sampleStack({}, true),
      sampleStack({ continuousDetection: "account" }, true),
      sampleStack({ continuousDetection: "account" }, false),
      sampleStack({ continuousDetection: "organization", detectionFrequency: "Six_Hours" }, true),
    ]);
    pack = await PackClient.start();
    await pack.initialise();
  });
  after(async () => pack?.stop());

  it("is off by default", () => {
    assert.equal(ofType(off, "aws:lambda/function:Function").length, 0);
    assert.equal(ofType(off, "aws:cfg/rule:Rule").length, 0);
  });

  it("account mode: a CUSTOM_LAMBDA rule on a schedule and on KMS key changes, invoked only by this account's AWS Config", () => {
    const [rule] = ofType(account, "aws:cfg/rule:Rule");
    const source = props(rule).source as {
      owner: string;
      sourceDetails: { messageType: string; maximumExecutionFrequency?: string }[];
    };
    assert.equal(source.owner, "CUSTOM_LAMBDA");
    assert.deepEqual(
      source.sourceDetails.map((d) => d.messageType),
      [
        "ScheduledNotification",
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
      ],
    );
    assert.equal(source.sourceDetails[0].maximumExecutionFrequency, "TwentyFour_Hours");
    const [permission] = ofType(account, "aws:lambda/permission:Permission");
    assert.equal(props(permission).principal, "config.amazonaws.com");
    assert.ok(props(permission).sourceAccount, "restricted to the stack's account");
    assert.equal(ofType(account, "aws:cfg/organizationCustomRule:OrganizationCustomRule").length, 0);
  });

  it("the function's environment and logs are encrypted with its customer-managed key; its role only reads and reports", () => {
    const up = accountUp;
    const [fn] = ofType(up, "aws:lambda/function:Function");
    const [key] = ofType(up, "aws:kms/key:Key").filter((k) =>
      String(props(k).description).includes("continuous detection"),
    );
    assert.ok(key, "the component's key");
    assert.equal(props(key).enableKeyRotation, true);
    const [logGroup] = ofType(up, "aws:cloudwatch/logGroup:LogGroup");
    assert.ok(props(fn).kmsKeyArn, "environment encrypted");
    assert.ok(props(logGroup).kmsKeyId, "logs encrypted");
    const [policy] = ofType(up, "aws:iam/rolePolicy:RolePolicy").filter((p) =>
      p.name.includes("continuous-detection"),
    );
    const actions = statements(props(policy).policy).flatMap((s) => [s.Action].flat());
    // Exactly what the readers, the KMS facts module, the Config calls and the logs need: no write, no wildcard.
    assert.deepEqual(
      new Set(actions),
      new Set([
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "kms:Decrypt",
        ...READERS.flatMap((reader) => reader.permissions),
        ...Object.values(KMS_PERMISSIONS),
        "config:PutEvaluations",
        "config:GetComplianceDetailsByConfigRule",
      ]),
    );
    // Each family the function reads, including those added after the component was written (the
    // role once listed only domains, agents, guardrails and custom models, so the function's other
    // listings would have been denied in AWS).
    for (const action of ["datazone:ListEnvironmentBlueprintConfigurations", "bedrock:GetKnowledgeBase"])
      assert.ok(actions.includes(action), action);
  });

  it("organization mode: an organization rule, and a function that may only assume the member role", () => {
    const [rule] = ofType(organization, "aws:cfg/organizationCustomRule:OrganizationCustomRule");
    assert.equal(props(rule).maximumExecutionFrequency, "Six_Hours");
    assert.equal(ofType(organization, "aws:cfg/rule:Rule").length, 0);
    const [fn] = ofType(organization, "aws:lambda/function:Function");
    const variables = (props(fn).environment as { variables: Record<string, string> }).variables;
    assert.equal(variables.DETECTION_MEMBER_ROLE_NAME, "BedrockCmkGuardDetection");
  });

  for (const [label, run] of [
    ["account mode at preview", () => account],
    ["account mode at up", () => accountUp],
    ["organization mode at preview", () => organization],
  ] as const) {
    it(`passes the pack: ${label}`, async () => {
      const resources = run().resources;
      const mandatory: string[] = [];
      for (const resource of resources) {
        const { diagnostics } = await pack.analyze(resource);
        mandatory.push(
          ...diagnostics
            .filter((d) => d.enforcementLevel === "mandatory")
            .map((d) => `${d.policyName} on ${resource.urn}: ${d.message}`),
        );
      }
      const stack = await pack.analyzeStack(resources);
      mandatory.push(
        ...stack.diagnostics
          .filter((d) => d.enforcementLevel === "mandatory")
          .map((d) => `${d.policyName} on ${d.urn}: ${d.message}`),
      );
      assert.deepEqual(mandatory, []);
      assert.ok(resources.some((r) => r.type === "aws:lambda/function:Function"));
    });
  }
});
