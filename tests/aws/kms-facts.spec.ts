/**
 * The AWS facts module as the audit uses it: explicit credentials and client options, typed
 * failures, per-key cache, bounded concurrency, timeout; and the SDK loaded only when used.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { createKmsFactsSource, failureText, type KeyVerification } from "../../policy-pack/aws/kms-facts";
import { cmkKeyCustomerManaged } from "../../policy-pack/rules/cmk-key-customer-managed";
import { FakeKms } from "../support/fake-aws/kms";
import { FakeAwsServer } from "../support/fake-aws/server";

const ACCOUNT = "444455556666";
const keyArn = (n: number, region = "eu-west-1") =>
  `arn:aws:kms:${region}:${ACCOUNT}:key/${String(n).padStart(8, "0")}-12ab-34cd-56ef-1234567890ab`;
const PUBLIC_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
});

describe("AWS facts module: KMS keys (policy-pack/aws/kms-facts.ts)", () => {
  let server: FakeAwsServer;
  const kms = new FakeKms()
    .addKey({
      arn: keyArn(1),
      rotationEnabled: true,
      rotationPeriodInDays: 180,
      policy: PUBLIC_POLICY,
      tags: { EnableBedrock: "true", team: "ml" },
      aliases: ["alias/ml"],
    })
    .addKey({ arn: keyArn(2), keySpec: "RSA_2048", keyUsage: "SIGN_VERIFY", origin: "AWS_KMS" })
    .addKey({ arn: keyArn(3), keyManager: "AWS", keyState: "Disabled" })
    .deny({ operation: "DescribeKey", accessKeyId: "AKIDOTHERACCOUNT" });
  const source = (timeoutSeconds = 5, accessKeyId = "AKIDAUDIT", concurrency?: number) =>
    createKmsFactsSource({
      timeoutSeconds,
      ...(concurrency === undefined ? {} : { concurrency }),
      credentials: { accessKeyId, secretAccessKey: "fake-secret" },
      clientConfig: { endpoint: server.url },
    });

  before(async () => {
    server = await FakeAwsServer.start();
    server.register("kms", kms.handler);
  });
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    server.faults = {};
  });

  it("maps the four answers into the pack's key facts, with KeyManager, KeyState and Origin", async () => {
    const result = await source().verify({ reference: keyArn(1), region: "eu-west-1" });
    assert.equal(result.kind, "verified");
    const { description, facts } = (result as Extract<KeyVerification, { kind: "verified" }>).key;
    assert.deepEqual(description, {
      arn: keyArn(1),
      keyId: keyArn(1).split("/")[1],
      account: ACCOUNT,
      keyManager: "CUSTOMER",
      keyState: "Enabled",
      origin: "AWS_KMS",
    });
    assert.equal(facts.usage, "ENCRYPT_DECRYPT");
    assert.equal(facts.spec, "SYMMETRIC_DEFAULT");
    assert.equal(facts.enabled, true);
    assert.equal(facts.rotationEnabled, true);
    assert.equal(facts.rotationPeriodDays, 180);
    assert.equal(facts.policy, PUBLIC_POLICY);
    assert.deepEqual(facts.tags, {
      kind: "map",
      tags: { EnableBedrock: "true", team: "ml" },
      complete: true,
    });
    assert.equal(facts.origin, "aws-kms");
    assert.ok(server.calls.every((c) => c.accessKeyId === "AKIDAUDIT" && c.region === "eu-west-1"));
  });

  it("resolves an alias with DescribeKey in the given region, then reads the key by its ARN", async () => {
    const result = await source().verify({ reference: "alias/ml", region: "eu-west-1" });
    assert.equal(result.kind, "verified");
    const later = server.calls.filter((c) => c.operation !== "DescribeKey");
    assert.ok(later.length === 3 && later.every((c) => (c.input as { KeyId: string }).KeyId === keyArn(1)));
  });

  it("skips GetKeyRotationStatus for a key KMS cannot rotate (asymmetric), instead of failing", async () => {
    const result = await source().verify({ reference: keyArn(2), region: "eu-west-1" });
    assert.equal(result.kind, "verified");
    assert.equal(server.callsOf("kms", "GetKeyRotationStatus").length, 0);
  });

  it("reports an AWS-managed, disabled key as KMS describes it; the customer-managed rule rejects it", async () => {
    const result = await source().verify({ reference: keyArn(3), region: "eu-west-1" });
    assert.equal(result.kind, "verified");
    const key = (result as Extract<KeyVerification, { kind: "verified" }>).key;
    assert.equal(key.description.keyState, "Disabled");
    assert.equal(key.facts.enabled, false);
    assert.equal(
      cmkKeyCustomerManaged.evaluate({ keyManager: key.description.keyManager }).kind,
      "non-compliant",
    );
    assert.equal(cmkKeyCustomerManaged.evaluate({ keyManager: "CUSTOMER" }).kind, "compliant");
    assert.equal(cmkKeyCustomerManaged.evaluate({ keyManager: undefined }).kind, "non-compliant");
  });

  it("gives typed failures: access denied naming the permission, not found in another region", async () => {
    const denied = await source(5, "AKIDOTHERACCOUNT").verify({ reference: keyArn(1), region: "eu-west-1" });
    assert.equal(denied.kind, "failed");
    const failure = (denied as Extract<KeyVerification, { kind: "failed" }>).failure;
    assert.equal(failure.kind, "access-denied");
    assert.match(failureText(failure), /permission kms:DescribeKey/);
    assert.match(failureText(failure, true), /AWS said: AccessDeniedException: User: arn:aws:iam::/);
    assert.doesNotMatch(failureText(failure), /arn:aws:iam/);
    const missing = await source().verify({ reference: keyArn(1), region: "us-west-2" });
    assert.equal(missing.kind === "failed" && missing.failure.kind, "not-found");
  });

  it("caches each key, and runs at most `concurrency` verifications at once", async () => {
    let describing = 0;
    let most = 0;
    server.faults = {
      latencyMs: (call) => {
        if (call.operation !== "DescribeKey") return 60;
        most = Math.max(most, ++describing);
        setTimeout(() => describing--, 60);
        return 60;
      },
    };
    const facts = source(5, "AKIDAUDIT", 2);
    const keys = [keyArn(1), keyArn(1), keyArn(2), keyArn(3)];
    await Promise.all(keys.map((reference) => facts.verify({ reference, region: "eu-west-1" })));
    assert.equal(server.callsOf("kms", "DescribeKey").length, 3, "the repeated key is read once");
    assert.equal(most, 2, "three keys, at most two at once");
  });

  it("ends at the timeout when the endpoint never answers", async () => {
    server.faults = { neverAnswer: () => true };
    const started = Date.now();
    const result = await source(1).verify({ reference: keyArn(1), region: "eu-west-1" });
    assert.ok(Date.now() - started < 2500);
    assert.deepEqual(result, { kind: "failed", failure: { kind: "timeout", afterSeconds: 1 } });
  });

  it("reports an unreachable endpoint as such", async () => {
    const closed = await FakeAwsServer.start();
    const url = closed.url;
    await closed.close();
    const result = await createKmsFactsSource({
      timeoutSeconds: 5,
      credentials: { accessKeyId: "A", secretAccessKey: "B" },
      clientConfig: { endpoint: url, maxAttempts: 1 },
    }).verify({ reference: keyArn(1), region: "eu-west-1" });
    assert.equal(result.kind === "failed" && result.failure.kind, "unreachable");
  });

  it("leaves the SDK unloaded until a key is verified (the pack's start time)", () => {
    const script = `
      require(${JSON.stringify(path.resolve(__dirname, "../../policy-pack/bin/crossguard/guard.js"))});
      process.stdout.write(String(Object.keys(require.cache).some((m) => m.includes("@aws-sdk/client-kms"))));`;
    assert.equal(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }), "false");
  });
});
