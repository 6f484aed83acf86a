import { strict as assert } from "assert";
import { secret, UNKNOWN, type AnalyzeResult, type ResourceSpec } from "../../cli/engine/pack-client";
import { SharedPack } from "../support/pack";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const V1 = "aws:datazone/domain:Domain";
const NATIVE = "aws-native:datazone:Domain";

function domain(properties: Record<string, unknown>, type = V1, name = "workspace"): ResourceSpec {
  return {
    type,
    name,
    properties: { domainExecutionRole: "arn:aws:iam::123456789012:role/svc", ...properties },
  };
}

function mandatory(result: AnalyzeResult): string[] {
  return result.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => d.policyName);
}

/** One pack for the file's suites (a pack start costs about a second, more on a busy machine). */
const pack = new SharedPack();

describe("policy pack through the engine protocol: workspace CMK (Bedrock-006)", function () {
  pack.use();

  it("describes itself with every policy mandatory by default", async () => {
    const info = await pack.client.getAnalyzerInfo();
    assert.equal(info.getName(), "bedrock-cmk-guard");
    const names = info.getPoliciesList().map((p) => p.getName());
    for (const name of ["workspace-cmk-required", "workspace-cmk-key-arn", "workspace-cmk-region"]) {
      assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
    }
  });

  for (const [label, type, extra] of [
    ["V1 (Bedrock Studio)", V1, {}],
    [
      "V2 (Bedrock IDE in Unified Studio)",
      V1,
      { domainVersion: "V2", serviceRole: "arn:aws:iam::123456789012:role/s" },
    ],
    ["aws-native", NATIVE, {}],
  ] as const) {
    it(`blocks a ${label} workspace without a key`, async () => {
      const result = await pack.client.analyze(domain({ ...extra }, type));
      assert.deepEqual(mandatory(result), ["workspace-cmk-required"]);
      const message = result.diagnostics[0].message;
      assert.match(message, /'workspace'/);
      assert.match(message, /Bedrock-006, risk High/);
      assert.match(message, /Fix: Set `kmsKeyIdentifier`/);
    });

    it(`passes a ${label} workspace with a key ARN in its region`, async () => {
      const result = await pack.client.analyze(domain({ ...extra, kmsKeyIdentifier: KEY_ARN }, type));
      assert.deepEqual(result.diagnostics, []);
    });
  }

  it("blocks an AWS-managed alias and names the fix", async () => {
    const result = await pack.client.analyze(domain({ kmsKeyIdentifier: "alias/aws/datazone" }));
    assert.deepEqual(mandatory(result), ["workspace-cmk-key-arn"]);
    assert.match(result.diagnostics[0].message, /AWS-managed key/);
    assert.match(result.diagnostics[0].message, /Fix: Create a customer-managed/);
  });

  it("judges a secret-wrapped key without printing it", async () => {
    const alias = "alias/team-secret-key";
    const result = await pack.client.analyze(domain({ kmsKeyIdentifier: secret(alias) }));
    assert.deepEqual(mandatory(result), ["workspace-cmk-key-arn"]);
    assert.ok(!result.diagnostics[0].message.includes("team-secret"));
    assert.deepEqual(
      (await pack.client.analyze(domain({ kmsKeyIdentifier: secret(KEY_ARN) }))).diagnostics,
      [],
    );
  });

  it("does not block a key that is unknown during preview, and says why", async () => {
    const result = await pack.client.analyze(domain({ kmsKeyIdentifier: UNKNOWN }));
    assert.deepEqual(result.diagnostics, []);
    const reasons = result.notApplicable.filter((n) => n.policyName === "workspace-cmk-key-arn");
    assert.equal(reasons.length, 1);
    assert.match(reasons[0].reason, /not determinable yet/);
  });

  it("flags a key from another region, using the provider's region", async () => {
    const result = await pack.client.analyze({
      ...domain({ kmsKeyIdentifier: KEY_ARN }),
      provider: { type: "pulumi:providers:aws", name: "eu", properties: { region: "eu-west-1" } },
    });
    assert.deepEqual(mandatory(result), ["workspace-cmk-region"]);
  });

  it("prefers the resource's own region input", async () => {
    const result = await pack.client.analyze(domain({ kmsKeyIdentifier: KEY_ARN, region: "eu-west-1" }));
    assert.deepEqual(mandatory(result), ["workspace-cmk-region"]);
  });

  it("ignores unrelated resource types", async () => {
    const result = await pack.client.analyze({
      type: "aws:s3/bucket:Bucket",
      name: "b",
      properties: { bucket: "x" },
    });
    assert.deepEqual(result, { diagnostics: [], notApplicable: [] });
  });

  it("never crashes on malformed property bags", async () => {
    for (const kmsKeyIdentifier of [42, { a: 1 }, ["x"], true, "arn:aws:kms:", "   ", "\u0000"]) {
      const result = await pack.client.analyze(domain({ kmsKeyIdentifier, region: 17 }));
      assert.ok(mandatory(result).length > 0, `blocked: ${JSON.stringify(kmsKeyIdentifier)}`);
      for (const d of result.diagnostics) assert.doesNotMatch(d.message, /\n\s+at /);
    }
    assert.ok(pack.client.alive);
  });
});

describe("policy pack through the engine protocol: configuration", function () {
  // Each test configures the pack itself, from the defaults.
  pack.use(undefined, { eachTest: true });

  it("applies configured enforcement levels", async () => {
    await pack.client.initialise({
      "workspace-cmk-required": "advisory",
      "workspace-cmk-key-arn": "disabled",
    });
    const missing = await pack.client.analyze(domain({}));
    assert.deepEqual(
      missing.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["workspace-cmk-required", "advisory"]],
    );
    const alias = await pack.client.analyze(domain({ kmsKeyIdentifier: "alias/aws/datazone" }));
    assert.deepEqual(alias.diagnostics, []);
  });

  it("rejects a config that names a policy the pack does not have", async () => {
    await pack.client.initialise();
    await assert.rejects(
      pack.client.configure({ "workspace-cmk-requird": "advisory" }),
      /workspace-cmk-requird: expected the name of a policy/,
    );
  });
});
