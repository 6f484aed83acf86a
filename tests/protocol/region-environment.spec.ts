/**
 * Issue 12, case 10: when neither the resource, its provider nor the stack config names a region,
 * the AWS providers use AWS_REGION, then AWS_DEFAULT_REGION, from the environment the engine
 * starts them (and the pack) with. The region check must judge with that region.
 */
import { strict as assert } from "assert";
import { PackClient, UNKNOWN, type ResourceSpec } from "../../cli/engine-client";

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

/** The pack started without any region in the stack config, with the given environment. */
async function startWith(env: NodeJS.ProcessEnv, dryRun: boolean): Promise<PackClient> {
  const pack = await PackClient.start({
    stackConfig: {},
    dryRun,
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, ...env },
  });
  await pack.initialise();
  return pack;
}

describe("policy pack through the engine protocol: the region from the environment", function () {
  const started: PackClient[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop()));
  });
  const start = async (env: NodeJS.ProcessEnv, dryRun = true) => {
    const pack = await startWith(env, dryRun);
    started.push(pack);
    return pack;
  };
  const regionFindings = async (pack: PackClient, arn: string) =>
    (await pack.analyze(domain(arn))).diagnostics.filter((d) => d.policyName === "workspace-cmk-region");

  for (const [variable, dryRun] of [
    ["AWS_REGION", true],
    ["AWS_REGION", false],
    ["AWS_DEFAULT_REGION", true],
    ["AWS_DEFAULT_REGION", false],
  ] as const) {
    it(`blocks a key of another region when only ${variable} names the region (${dryRun ? "preview" : "up"})`, async () => {
      const pack = await start({ [variable]: "eu-west-1" }, dryRun);
      const findings = await regionFindings(pack, keyArn("us-east-1"));
      assert.deepEqual(
        findings.map((d) => d.enforcementLevel),
        ["mandatory"],
      );
      assert.match(findings[0].message, /names a region other than the resource's region/);
      assert.deepEqual(await regionFindings(pack, keyArn("eu-west-1")), []);
    });
  }

  it("prefers AWS_REGION to AWS_DEFAULT_REGION, and the stack config to both", async () => {
    const pack = await start({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "us-east-1" });
    assert.equal((await regionFindings(pack, keyArn("us-east-1"))).length, 1);
    const configured = await PackClient.start({
      stackConfig: { "aws:region": "us-east-1" },
      env: { AWS_REGION: "eu-west-1" },
    });
    started.push(configured);
    await configured.initialise();
    assert.deepEqual(await regionFindings(configured, keyArn("us-east-1")), []);
  });

  it("still says the region is not determinable when nothing names it", async () => {
    const pack = await start({});
    const result = await pack.analyze(domain(keyArn("us-east-1")));
    assert.deepEqual(result.diagnostics, []);
    const note = result.notApplicable.find((n) => n.policyName === "workspace-cmk-region");
    assert.match(note?.reason ?? "", /AWS_REGION \/ AWS_DEFAULT_REGION/);
    assert.ok(UNKNOWN.length > 0);
  });
});
