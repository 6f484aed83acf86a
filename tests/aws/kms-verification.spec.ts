/**
 * Keys outside the stack verified with AWS KMS (guard-settings.verifyKeysWithAws): the pack is
 * started the way the engine starts it, with the environment pointing the real SDK at a fake KMS
 * on 127.0.0.1 (AWS_ENDPOINT_URL) and fake credentials; no real credentials can be picked up.
 */
import { strict as assert } from "assert";
import {
  PackClient,
  urnOf,
  type Diagnostic,
  type PolicyConfigSpec,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { fakeAwsEnv } from "../support/fake-aws/env";
import { FakeKms } from "../support/fake-aws/kms";
import { FakeAwsServer } from "../support/fake-aws/server";

const ACCOUNT = "111122223333";
const keyArn = (n: number) =>
  `arn:aws:kms:us-east-1:${ACCOUNT}:key/${String(n).padStart(8, "0")}-12ab-34cd-56ef-1234567890ab`;

const AWS_MANAGED = keyArn(1);
const ROTATION_OFF = keyArn(2);
const FIT = keyArn(3);
const POLICY_DENIED = keyArn(4);
const THROTTLED = keyArn(5);
const SILENT = keyArn(6);
const ALIASED = keyArn(7);
const OTHER = keyArn(8);
const BEDROCK_TAG = { EnableBedrock: "true" };

function workspace(name: string, kmsKeyIdentifier: string): ResourceSpec {
  return {
    type: "aws:datazone/domain:Domain",
    name,
    properties: { name, domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/studio`, kmsKeyIdentifier },
  };
}

const verify = (
  timeoutSeconds: number,
  extra: Record<string, unknown> = {},
): Record<string, PolicyConfigSpec> => ({
  "guard-settings": {
    enforcementLevel: "advisory",
    properties: { verifyKeysWithAws: { enabled: true, timeoutSeconds }, ...extra },
  },
});

const CREDENTIALS = { accessKeyId: "AKIDPACKTEST", secretAccessKey: "fake-secret" };
/** The SDK finds only what the test gives it (no profile, no instance role). */
const isolatedEnv = (server: FakeAwsServer, credentials: boolean) =>
  fakeAwsEnv(server, credentials ? CREDENTIALS : undefined);

const on = (result: { diagnostics: Diagnostic[] }, name: string) =>
  result.diagnostics.filter((d) => d.urn === urnOf("aws:datazone/domain:Domain", name));
const policies = (diagnostics: Diagnostic[]) => diagnostics.map((d) => [d.policyName, d.enforcementLevel]);

describe("keys outside the stack verified with AWS KMS (fake endpoint, real SDK, pack as the engine starts it)", function () {
  let server: FakeAwsServer;
  const kms = new FakeKms()
    .addKey({ arn: AWS_MANAGED, keyManager: "AWS", rotationEnabled: true, aliases: ["alias/aws/datazone"] })
    .addKey({ arn: ROTATION_OFF, rotationEnabled: false, tags: BEDROCK_TAG })
    .addKey({ arn: FIT, rotationEnabled: true, rotationPeriodInDays: 365, tags: BEDROCK_TAG })
    .addKey({ arn: POLICY_DENIED, rotationEnabled: true, tags: BEDROCK_TAG })
    .addKey({ arn: THROTTLED, rotationEnabled: false, tags: BEDROCK_TAG })
    .addKey({ arn: SILENT, rotationEnabled: true, tags: BEDROCK_TAG })
    .addKey({ arn: ALIASED, keyManager: "CUSTOMER", rotationEnabled: false, aliases: ["alias/team-key"] })
    .addKey({ arn: OTHER, rotationEnabled: true, tags: BEDROCK_TAG })
    .deny({ operation: "GetKeyPolicy", keyArn: POLICY_DENIED });

  /** Each pack process is one run (its cache lives as long): one per configuration, started at once. */
  let withCredentials: PackClient;
  let shortTimeout: PackClient;
  let noCredentials: PackClient;
  let byDefault: PackClient;

  before(async () => {
    server = await FakeAwsServer.start();
    server.register("kms", kms.handler);
    [withCredentials, shortTimeout, noCredentials, byDefault] = await Promise.all([
      PackClient.start({
        env: isolatedEnv(server, true),
        stackConfig: { "aws:region": "us-east-1", "aws-native:region": "us-east-1" },
      }),
      // No region anywhere (neither stack config nor AWS_REGION / AWS_DEFAULT_REGION): see "region is unknown".
      PackClient.start({ env: { ...isolatedEnv(server, true), AWS_REGION: "", AWS_DEFAULT_REGION: "" } }),
      PackClient.start({ env: isolatedEnv(server, false) }),
      PackClient.start({ env: isolatedEnv(server, true) }),
    ]);
    await Promise.all([
      // The account's keys are trusted by pattern: AWS-managed keys of that account must still be caught.
      withCredentials.initialise(verify(10, { trustedKeys: [`arn:aws:kms:*:${ACCOUNT}:key/*`] })),
      shortTimeout.initialise(verify(1)),
      noCredentials.initialise(verify(10)),
      byDefault.initialise(),
    ]);
  });
  after(async () => {
    await Promise.all([withCredentials, shortTimeout, noCredentials, byDefault].map((p) => p?.stop()));
    await server?.close();
  });
  beforeEach(() => {
    server.reset();
    server.faults = {};
  });

  describe("with credentials", () => {
    const pack = { analyzeStack: (resources: ResourceSpec[]) => withCredentials.analyzeStack(resources) };

    it("blocks an AWS-managed key named by its ARN, even in a trusted account", async () => {
      const result = await pack.analyzeStack([workspace("aws-managed", AWS_MANAGED)]);
      const found = on(result, "aws-managed");
      // No blueprint configuration enables Bedrock here, so the EnableBedrock tag advisory does not apply.
      assert.deepEqual(policies(found), [["cmk-key-customer-managed", "mandatory"]]);
      assert.match(found[0].message, /AWS-managed \(KeyManager AWS\)/);
      assert.doesNotMatch(found[0].message, new RegExp(AWS_MANAGED));
    });

    it("blocks a customer key with rotation off, judged by the same rule as keys in the stack", async () => {
      const result = await pack.analyzeStack([workspace("rotation-off", ROTATION_OFF)]);
      const found = on(result, "rotation-off");
      assert.deepEqual(policies(found), [["cmk-key-rotation", "mandatory"]]);
      assert.match(
        found[0].message,
        /outside this stack \(as AWS KMS reports it\): automatic key rotation is off/,
      );
    });

    it("passes a fit customer key with no cmk-key-verifiable, after the four calls", async () => {
      const result = await pack.analyzeStack([workspace("fit", FIT)]);
      assert.deepEqual(on(result, "fit"), []);
      assert.deepEqual(
        server
          .callsOf("kms")
          .map((c) => c.operation)
          .sort(),
        ["DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags"],
      );
      assert.ok(server.calls.every((c) => c.region === "us-east-1" && c.accessKeyId === "AKIDPACKTEST"));
    });

    it("reads each key once for the run, however many policies and resources use it", async () => {
      await pack.analyzeStack([workspace("one", OTHER), workspace("two", OTHER)]);
      assert.equal(server.callsOf("kms", "DescribeKey").length, 1);
      await pack.analyzeStack([workspace("three", OTHER)]);
      assert.equal(server.callsOf("kms", "DescribeKey").length, 1);
    });

    it("AccessDenied: cmk-key-verifiable names the call and the missing permission; nothing claims the policy passed", async () => {
      const result = await pack.analyzeStack([workspace("denied", POLICY_DENIED)]);
      const found = on(result, "denied");
      assert.deepEqual(policies(found), [["cmk-key-verifiable", "mandatory"]]);
      assert.match(
        found[0].message,
        /denied GetKeyPolicy: the credentials in use need the permission kms:GetKeyPolicy/,
      );
      const notes = result.notApplicable.filter((n) => n.policyName === "cmk-key-policy-public");
      assert.match(
        notes[0]?.reason ?? "",
        /'denied': its key outside this stack could not be read from AWS KMS/,
      );
    });

    it("retries a throttled call (adaptive mode) and judges the key", async () => {
      server.faults = { throttle: [{ service: "kms", operation: "DescribeKey", count: 1 }] };
      const result = await pack.analyzeStack([workspace("throttled", THROTTLED)]);
      assert.deepEqual(policies(on(result, "throttled")), [["cmk-key-rotation", "mandatory"]]);
      assert.deepEqual(
        server.callsOf("kms", "DescribeKey").map((c) => c.fault ?? "answered"),
        ["throttled", "answered"],
      );
    });

    it("a DescribeKey answer about another key is not believed: not verified, and the other key is never read", async () => {
      const CONFUSED = keyArn(9);
      kms.addKey({ arn: CONFUSED, rotationEnabled: true, tags: BEDROCK_TAG });
      server.faults = {
        inject: [
          {
            service: "kms",
            operation: "DescribeKey",
            // The fit key's metadata, answered when the confused key is asked about.
            fault: {
              kind: "rewrite",
              edit: (answer: { KeyMetadata: Record<string, unknown> }) => ({
                KeyMetadata: { ...answer.KeyMetadata, Arn: FIT, KeyId: FIT.split("/")[1] },
              }),
            },
          },
        ],
      };
      const result = await pack.analyzeStack([workspace("confused", CONFUSED)]);
      const found = on(result, "confused");
      assert.deepEqual(policies(found), [["cmk-key-verifiable", "mandatory"]]);
      assert.match(found[0].message, /answered DescribeKey about another key than the one asked/);
      assert.deepEqual(
        server.callsOf("kms").map((c) => c.operation),
        ["DescribeKey"],
      );
    });

    it("verifies an alias named outside the stack in the resource's region, through DescribeKey", async () => {
      const project: ResourceSpec = {
        type: "aws-native:bedrock:DataAutomationProject",
        name: "extraction",
        properties: { projectName: "extraction", kmsKeyId: "alias/team-key" },
      };
      const result = await pack.analyzeStack([project]);
      const found = result.diagnostics.filter((d) => d.urn === urnOf(project.type, project.name));
      assert.deepEqual(policies(found), [["cmk-key-rotation", "mandatory"]]);
      const describe = server.callsOf("kms", "DescribeKey");
      assert.deepEqual(describe[0]?.input, { KeyId: "alias/team-key" });
      // Every further call names the key the alias pointed at, by ARN.
      assert.ok(
        server.calls
          .filter((c) => c.operation !== "DescribeKey")
          .every((c) => (c.input as { KeyId?: string }).KeyId === ALIASED),
      );
    });
  });

  it("an endpoint that never answers ends at the timeout with a message, not a hang or a pass", async () => {
    const pack = shortTimeout;
    server.faults = { neverAnswer: () => true };
    const started = Date.now();
    const result = await pack.analyzeStack([workspace("silent", SILENT)]);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 4000, `AnalyzeStack took ${elapsed} ms with a 1 s timeout`);
    const found = on(result, "silent");
    assert.deepEqual(policies(found), [["cmk-key-verifiable", "mandatory"]]);
    assert.match(found[0].message, /did not answer within 1 seconds/);
    const note = result.notApplicable.find((n) => n.policyName === "cmk-key-customer-managed");
    assert.match(note?.reason ?? "", /could not be read from AWS KMS/);
  });

  it("an alias on a resource whose region is unknown: says KMS was not asked, and why", async () => {
    // This pack has no region in its stack config nor in its environment.
    const project: ResourceSpec = {
      type: "aws-native:bedrock:DataAutomationProject",
      name: "regionless",
      properties: { projectName: "regionless", kmsKeyId: "alias/team-key" },
    };
    const result = await shortTimeout.analyzeStack([project]);
    const found = result.diagnostics.filter((d) => d.urn === urnOf(project.type, project.name));
    assert.deepEqual(policies(found), [["cmk-key-verifiable", "mandatory"]]);
    assert.match(found[0].message, /AWS KMS was not asked about: .*region is not known/);
    assert.equal(server.calls.length, 0);
  });

  it("no credentials: one finding for the run, not one per resource, and no call made", async () => {
    const pack = noCredentials;
    const result = await pack.analyzeStack([workspace("first", FIT), workspace("second", ROTATION_OFF)]);
    assert.deepEqual(policies(result.diagnostics), [["cmk-key-verifiable", "mandatory"]]);
    const [advisory] = result.diagnostics;
    assert.equal(advisory.urn, "");
    assert.match(advisory.message, /no usable AWS credentials/);
    assert.match(advisory.message, /the keys of 'first', 'second'/);
    assert.equal(server.calls.length, 0);
  });

  describe("by default (no verifyKeysWithAws in the pack config)", () => {
    it("with credentials at hand, verifies keys outside the stack with AWS KMS and judges what it said", async () => {
      const result = await byDefault.analyzeStack([
        workspace("managed-by-aws", AWS_MANAGED),
        workspace("rotation-off-by-default", ROTATION_OFF),
      ]);
      assert.deepEqual(policies(on(result, "managed-by-aws")), [["cmk-key-customer-managed", "mandatory"]]);
      assert.deepEqual(policies(on(result, "rotation-off-by-default")), [["cmk-key-rotation", "mandatory"]]);
      assert.deepEqual(
        [
          ...new Set(server.callsOf("kms", "DescribeKey").map((c) => (c.input as { KeyId: string }).KeyId)),
        ].sort(),
        [AWS_MANAGED, ROTATION_OFF],
      );
      assert.ok(server.calls.every((c) => c.accessKeyId === "AKIDPACKTEST"));
    });

    it("without credentials, asks nothing and blocks an untrusted outside key, saying how to trust or verify it; a trusted key passes", async () => {
      // The pack that had verification forced on, back to the default: the config an engine sends.
      await noCredentials.configure({
        "guard-settings": { enforcementLevel: "advisory", properties: { trustedKeys: [FIT] } },
      });
      const result = await noCredentials.analyzeStack([
        workspace("untrusted", ROTATION_OFF),
        workspace("trusted", FIT),
      ]);
      const found = on(result, "untrusted");
      assert.deepEqual(policies(found), [["cmk-key-verifiable", "mandatory"]]);
      assert.match(
        found[0].message,
        /not in trustedKeys, and AWS KMS was not asked about it: no AWS credentials were found/,
      );
      assert.match(
        found[0].message,
        /Fix: Run the preview with AWS credentials .* add the key's ARN to the `trustedKeys` setting/,
      );
      assert.deepEqual(on(result, "trusted"), []);
      assert.equal(server.calls.length, 0);
    });

    it("opted out (enabled: false): no call even with credentials; trustedKeys alone vouches", async () => {
      await byDefault.configure({
        "guard-settings": {
          enforcementLevel: "advisory",
          properties: { trustedKeys: [FIT], verifyKeysWithAws: { enabled: false } },
        },
      });
      const result = await byDefault.analyzeStack([workspace("opted-out", OTHER), workspace("vouched", FIT)]);
      assert.deepEqual(policies(on(result, "opted-out")), [["cmk-key-verifiable", "mandatory"]]);
      assert.match(on(result, "opted-out")[0].message, /not in this stack and not in trustedKeys/);
      assert.deepEqual(on(result, "vouched"), []);
      assert.equal(server.calls.length, 0);
    });
  });
});
