/**
 * Issue 12, case 10: when neither the resource, its provider nor the stack config names a region,
 * the AWS providers use AWS_REGION, then AWS_DEFAULT_REGION, from the environment the engine
 * starts them (and the pack) with. The region check must judge with that region.
 */
import { strict as assert } from "assert";
import type { ResourceSpec } from "../../cli/engine/pack-client";
import { SharedPack } from "../support/pack";
import { patient } from "../support/patience";

const ACCOUNT = "123456789012";
const keyArn = (region: string) =>
  `arn:aws:kms:${region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function domain(kmsKeyIdentifier: string): ResourceSpec {
  return {
    type: "aws:datazone/domain:Domain",
    name: "studio",
    properties: { domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/s`, kmsKeyIdentifier },
  };
}

/** The packs the tests use, each started as the engine would with that environment. */
const SETUPS = {
  awsRegionPreview: { env: { AWS_REGION: "eu-west-1" }, dryRun: true },
  awsRegionUp: { env: { AWS_REGION: "eu-west-1" }, dryRun: false },
  defaultRegionPreview: { env: { AWS_DEFAULT_REGION: "eu-west-1" }, dryRun: true },
  both: { env: { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "us-east-1" }, dryRun: true },
  none: { env: {}, dryRun: true },
  configured: { env: { AWS_REGION: "eu-west-1" }, dryRun: true, stackConfig: { "aws:region": "us-east-1" } },
} as const;

describe("policy pack through the engine protocol: the region from the environment", function () {
  const packs = new Map(
    Object.entries(SETUPS).map(([name, setup]) => [
      name as keyof typeof SETUPS,
      new SharedPack({
        stackConfig: "stackConfig" in setup ? setup.stackConfig : {},
        dryRun: setup.dryRun,
        env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, ...setup.env },
      }),
    ]),
  );
  // Started together: each needs its own environment, and starting is most of the time.
  before(async function () {
    this.timeout(patient(60_000));
    await Promise.all([...packs.values()].map((pack) => pack.start()));
  });
  after(async function () {
    this.timeout(patient(30_000));
    await Promise.all([...packs.values()].map((pack) => pack.stop()));
  });
  const regionFindings = async (name: keyof typeof SETUPS, arn: string) =>
    (await packs.get(name)!.client.analyze(domain(arn))).diagnostics.filter(
      (d) => d.policyName === "workspace-cmk-region",
    );

  for (const [name, label] of [
    ["awsRegionPreview", "AWS_REGION (preview)"],
    ["awsRegionUp", "AWS_REGION (up)"],
    ["defaultRegionPreview", "AWS_DEFAULT_REGION (preview)"],
  ] as const) {
    it(`blocks a key of another region when only ${label} names the region`, async () => {
      const findings = await regionFindings(name, keyArn("us-east-1"));
      assert.deepEqual(
        findings.map((d) => d.enforcementLevel),
        ["mandatory"],
      );
      assert.match(findings[0].message, /names a region other than the resource's region/);
      assert.deepEqual(await regionFindings(name, keyArn("eu-west-1")), []);
    });
  }

  it("prefers AWS_REGION to AWS_DEFAULT_REGION, and the stack config to both", async () => {
    assert.equal((await regionFindings("both", keyArn("us-east-1"))).length, 1);
    assert.deepEqual(await regionFindings("configured", keyArn("us-east-1")), []);
  });

  it("still says the region is not determinable when nothing names it", async () => {
    const result = await packs.get("none")!.client.analyze(domain(keyArn("us-east-1")));
    assert.deepEqual(result.diagnostics, []);
    const note = result.notApplicable.find((n) => n.policyName === "workspace-cmk-region");
    assert.match(note?.reason ?? "", /AWS_REGION \/ AWS_DEFAULT_REGION/);
  });
});
