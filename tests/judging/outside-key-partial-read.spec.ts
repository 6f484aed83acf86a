/**
 * A key outside the stack that AWS KMS described (DescribeKey answered) before another of the four
 * calls failed with one of its documented errors: what DescribeKey said can block (a disabled or
 * asymmetric key is unfit whatever its policy says), and nothing it did not say passes. Real KMS
 * facts source against the fake KMS on 127.0.0.1; verdicts from the judging layer, values final.
 */
import { strict as assert } from "assert";
import { createKmsFactsSource, type KeyVerification } from "../../policy-pack/aws/kms-facts";
import { judgeStack, traceResources } from "../../policy-pack/judging/stack";
import { ACCOUNT, DOMAIN } from "../support/builders";
import { FakeKms } from "../support/fake-aws/kms";
import { FakeAwsServer } from "../support/fake-aws/server";
import { keyArn, packState, REGION, resource } from "./world";

const key = (n: number) => keyArn(`${String(n).padStart(8, "0")}-12ab-34cd-56ef-1234567890ab`);
const FIT_DENIED_POLICY = key(1);
const DISABLED_DENIED_POLICY = key(2);
const ASYMMETRIC_DENIED_TAGS = key(3);
const DISABLED_ROTATION_FAILS = key(4);
const FIT = key(5);
const BEDROCK_TAG = { EnableBedrock: "true" };

describe("a key outside the stack, read in part: DescribeKey's answer blocks, the rest is NOT VERIFIED", () => {
  let server: FakeAwsServer;
  const kms = new FakeKms()
    .addKey({ arn: FIT_DENIED_POLICY, rotationEnabled: true, tags: BEDROCK_TAG })
    .addKey({ arn: DISABLED_DENIED_POLICY, keyState: "Disabled", rotationEnabled: true, tags: BEDROCK_TAG })
    .addKey({ arn: ASYMMETRIC_DENIED_TAGS, keySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })
    .addKey({ arn: DISABLED_ROTATION_FAILS, keyState: "Disabled", rotationEnabled: true, tags: BEDROCK_TAG })
    .addKey({ arn: FIT, rotationEnabled: true, tags: BEDROCK_TAG })
    .deny({ operation: "GetKeyPolicy", keyArn: FIT_DENIED_POLICY })
    .deny({ operation: "GetKeyPolicy", keyArn: DISABLED_DENIED_POLICY })
    .deny({ operation: "ListResourceTags", keyArn: ASYMMETRIC_DENIED_TAGS });
  const verifications = new Map<string, KeyVerification>();

  before(async () => {
    server = await FakeAwsServer.start();
    server.register("kms", kms.handler);
    // A documented error of GetKeyRotationStatus for a key's state: KMSInvalidStateException.
    server.faults = {
      inject: [
        {
          service: "kms",
          operation: "GetKeyRotationStatus",
          when: (call) => (call.input as { KeyId?: string }).KeyId === DISABLED_ROTATION_FAILS,
          fault: { kind: "error", code: "KMSInvalidStateException", status: 400 },
        },
      ],
    };
    const source = createKmsFactsSource({
      timeoutSeconds: 10,
      credentials: { accessKeyId: "AKIDPARTIAL", secretAccessKey: "fake-secret" },
      clientConfig: { endpoint: server.url, maxAttempts: 1 },
    });
    for (const arn of [
      FIT_DENIED_POLICY,
      DISABLED_DENIED_POLICY,
      ASYMMETRIC_DENIED_TAGS,
      DISABLED_ROTATION_FAILS,
      FIT,
    ])
      verifications.set(arn, await source.verify({ reference: arn, region: REGION }));
  });
  after(() => server?.close());

  /** The findings and pending items on one workspace that names `arn` (a key outside the stack). */
  function judged(arn: string) {
    const state = packState("final");
    const domain = resource(DOMAIN, "studio", {
      name: "studio",
      domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/studio`,
      kmsKeyIdentifier: arn,
    });
    const judgment = judgeStack(traceResources([domain], state), state, {
      status: () => verifications.get(arn)!,
    });
    return {
      findings: judgment.findings.map((f) => f.policy).sort(),
      messages: judgment.findings.map((f) => f.message).join("\n"),
    };
  }

  it("a fit key whose policy could not be read: NOT VERIFIED, no fitness finding from the partial read", () => {
    assert.equal(verifications.get(FIT_DENIED_POLICY)?.kind, "failed");
    const { findings, messages } = judged(FIT_DENIED_POLICY);
    assert.ok(findings.includes("cmk-key-verifiable"), findings.join());
    assert.ok(findings.includes("cmk-unverifiable"), findings.join());
    assert.deepEqual(
      findings.filter((f) => f.startsWith("cmk-key-") && f !== "cmk-key-verifiable"),
      [],
    );
    assert.match(messages, /denied GetKeyPolicy/);
  });

  it("a disabled key whose policy could not be read: blocked by cmk-key-enabled, and still NOT VERIFIED", () => {
    const { findings, messages } = judged(DISABLED_DENIED_POLICY);
    assert.ok(findings.includes("cmk-key-enabled"), findings.join());
    assert.ok(findings.includes("cmk-key-verifiable"), findings.join());
    assert.match(messages, /outside this stack \(as AWS KMS reports it\): the key is disabled/);
  });

  it("an asymmetric signing key whose tags could not be read: blocked by cmk-key-symmetric", () => {
    const { findings } = judged(ASYMMETRIC_DENIED_TAGS);
    assert.ok(findings.includes("cmk-key-symmetric"), findings.join());
    assert.ok(findings.includes("cmk-key-verifiable"), findings.join());
  });

  it("KMSInvalidStateException from GetKeyRotationStatus: the disabled key is blocked, rotation not claimed", () => {
    const verification = verifications.get(DISABLED_ROTATION_FAILS);
    assert.equal(verification?.kind, "failed");
    const { findings } = judged(DISABLED_ROTATION_FAILS);
    assert.ok(findings.includes("cmk-key-enabled"), findings.join());
    assert.ok(!findings.includes("cmk-key-rotation"), findings.join());
    assert.ok(findings.includes("cmk-unverifiable"), findings.join());
  });

  it("a fit key read whole passes (the partial-read path adds nothing to a verified key)", () => {
    assert.equal(verifications.get(FIT)?.kind, "verified");
    assert.deepEqual(judged(FIT).findings, []);
  });
});
