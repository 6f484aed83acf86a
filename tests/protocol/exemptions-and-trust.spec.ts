import { strict as assert } from "assert";
import * as path from "path";
import {
  PACK_DIR,
  UNKNOWN,
  urnOf,
  type PolicyConfigSpec,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { readPackConfig } from "../../cli/sources/pack-config-file";
import { inDays } from "../support/dates";
import { SharedPack } from "../support/pack";

const ACCOUNT = "123456789012";
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_ARN = `arn:aws:kms:us-east-1:210987654321:key/abcd1234-12ab-34cd-56ef-1234567890ab`;
const keyUrn = urnOf("aws:kms/key:Key", "legacy-key");
const domainUrn = urnOf("aws:datazone/domain:Domain", "legacy-studio");

/** At preview: a key with rotation off, and the workspace that uses it. */
const stack: ResourceSpec[] = [
  {
    type: "aws:kms/key:Key",
    name: "legacy-key",
    urn: keyUrn,
    properties: { arn: UNKNOWN, keyId: UNKNOWN, enableKeyRotation: false, tags: { EnableBedrock: "true" } },
  },
  {
    type: "aws:datazone/domain:Domain",
    name: "legacy-studio",
    urn: domainUrn,
    properties: { domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/s`, kmsKeyIdentifier: UNKNOWN },
    propertyDependencies: { kmsKeyIdentifier: [keyUrn] },
  },
];

function outsideWorkspace(arn: string): ResourceSpec {
  return {
    type: "aws:datazone/domain:Domain",
    name: "shared-key-studio",
    properties: { domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/s`, kmsKeyIdentifier: arn },
  };
}

function guardSettings(properties: Record<string, unknown>): Record<string, PolicyConfigSpec> {
  return { "guard-settings": { enforcementLevel: "advisory", properties } };
}

const ACTIVE_UNTIL = inDays(100);

function exemption(expires: string, resource = "legacy-studio") {
  return {
    resource,
    policies: ["cmk-key-rotation"],
    reason: "Re-created with a rotating key in Q3 (SEC-1234)",
    expires,
  };
}

describe("policy pack through the engine protocol: exemptions, trusted keys and their config", function () {
  // One pack for the file (a pack start costs about a second). Configure replaces the whole
  // configuration, so each test starts from the defaults, as on a fresh pack.client.
  const pack = new SharedPack();
  pack.use(undefined, { eachTest: true });

  it("reports an exempted finding as advisory EXEMPTED, with the reason and date", async () => {
    await pack.client.initialise(guardSettings({ exemptions: [exemption(ACTIVE_UNTIL)] }));
    const result = await pack.client.analyzeStack(stack);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.urn]),
      [["guard-settings", "advisory", domainUrn]],
    );
    const message = result.diagnostics[0].message;
    assert.match(message, new RegExp(`EXEMPTED until ${ACTIVE_UNTIL}: Re-created`));
    assert.match(message, /: Re-created with a rotating key in Q3 \(SEC-1234\)/);
    assert.match(message, /\[cmk-key-rotation\] .*'legacy-studio': its KMS key 'legacy-key'/);
  });

  /** The stack at `pulumi up`: every value known, the same property dependencies. */
  function atUp(resources: ResourceSpec[]): ResourceSpec[] {
    return resources.map((r) =>
      r.type === "aws:kms/key:Key"
        ? { ...r, properties: { ...r.properties, arn: KEY_ARN, keyId: KEY_ARN.split("/")[1] } }
        : { ...r, properties: { ...r.properties, kmsKeyIdentifier: KEY_ARN } },
    );
  }

  /** A second workspace on the same key, named like the exempted one plus a suffix. */
  function withNewWorkspace(resources: ResourceSpec[], name: string): ResourceSpec[] {
    return [...resources, { ...resources[1], name, urn: urnOf("aws:datazone/domain:Domain", name) }];
  }

  for (const phase of ["preview", "up"] as const) {
    it(`exempts the exact name only: legacy-studio-new-prod stays blocked (${phase})`, async () => {
      await pack.client.initialise(guardSettings({ exemptions: [exemption(ACTIVE_UNTIL, "legacy-studio")] }));
      const resources = withNewWorkspace(phase === "up" ? atUp(stack) : stack, "legacy-studio-new-prod");
      const result = await pack.client.analyzeStack(resources);
      const newUrn = urnOf("aws:datazone/domain:Domain", "legacy-studio-new-prod");
      assert.deepEqual(result.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.urn]).sort(), [
        ["cmk-key-rotation", "mandatory", newUrn],
        ["guard-settings", "advisory", domainUrn],
      ]);
    });
  }

  it("answers at once for a 10,000-character name under a URN pattern with many *", async () => {
    const name = "w".repeat(10_000);
    const stars = "*".repeat(100);
    const pattern = `urn:pulumi:*d*${stars}::*t*${stars}::${stars}a${stars}a*a*::${name}`;
    await pack.client.initialise(guardSettings({ exemptions: [exemption(ACTIVE_UNTIL, pattern)] }));
    const resources = withNewWorkspace(stack, name).filter((r) => r.name !== "legacy-studio");
    const started = Date.now();
    const result = await pack.client.analyzeStack(resources);
    console.log(`      AnalyzeStack with a 10,000-character name: ${Date.now() - started} ms`);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["guard-settings", "advisory"]],
    );
  });

  it("matches an exemption by the key's URN too", async () => {
    await pack.client.initialise(guardSettings({ exemptions: [exemption(ACTIVE_UNTIL, keyUrn)] }));
    const result = await pack.client.analyzeStack(stack);
    assert.deepEqual(
      result.diagnostics.map((d) => d.policyName),
      ["guard-settings"],
    );
  });

  it("no longer applies an expired exemption, and says so", async () => {
    await pack.client.initialise(guardSettings({ exemptions: [exemption("2000-01-31")] }));
    const result = await pack.client.analyzeStack(stack);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["cmk-key-rotation", "mandatory"]],
    );
    assert.match(
      result.diagnostics[0].message,
      /exemption for this finding expired on 2000-01-31 and no longer applies/,
    );
  });

  it("exempts a resource-level finding as well", async () => {
    await pack.client.initialise(
      guardSettings({
        exemptions: [
          {
            ...exemption(ACTIVE_UNTIL, "shared-key-studio"),
            policies: ["cmk-key-verifiable", "workspace-cmk-region"],
          },
        ],
      }),
    );
    const result = await pack.client.analyze({
      ...outsideWorkspace(KEY_ARN.replace("us-east-1", "eu-west-1")),
    });
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["guard-settings", "advisory"]],
    );
    assert.match(result.diagnostics[0].message, /\[workspace-cmk-region\]/);
  });

  it("passes a trusted outside key, by exact ARN or account pattern, and reports the others", async () => {
    await pack.client.initialise(
      guardSettings({ trustedKeys: [KEY_ARN, "arn:aws:kms:*:999999999999:key/*"] }),
    );
    const blocking = async (resources: ResourceSpec[]) =>
      (await pack.client.analyzeStack(resources)).diagnostics.filter(
        (d) => d.policyName !== "guard-settings",
      );
    assert.deepEqual(await blocking([outsideWorkspace(KEY_ARN)]), []);
    const patterned = OTHER_ARN.replace("210987654321", "999999999999");
    assert.deepEqual(await blocking([outsideWorkspace(patterned)]), []);
    const untrusted = await blocking([outsideWorkspace(OTHER_ARN)]);
    assert.deepEqual(
      untrusted.map((d) => [d.policyName, d.enforcementLevel]),
      [["cmk-key-verifiable", "mandatory"]],
    );
  });

  it("warns at Configure (stderr) and on every stack (advisory) that an account pattern trusts AWS-managed keys", async () => {
    await warnsAboutAccountPatterns();
  });

  async function warnsAboutAccountPatterns(): Promise<void> {
    // The stderr it reads must come from this Configure alone: what the pack wrote before is skipped.
    const earlier = pack.client.stderr.length;
    const stderr = () => pack.client.stderr.slice(earlier);
    await pack.client.initialise(
      guardSettings({ trustedKeys: [KEY_ARN, "arn:aws:kms:*:999999999999:key/*"] }),
    );
    const warning =
      /trustedKeys\[1\]: this pattern trusts every KMS key of account 999999999999 in every region, including that account's AWS-managed keys .*List the exact key ARNs instead/;
    // stderr travels on its own pipe: it may arrive just after Configure's answer (bounded wait).
    for (let i = 0; i < 50 && !stderr().includes("bedrock-cmk-guard warning"); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(stderr(), new RegExp(`bedrock-cmk-guard warning: guard-settings\\.${warning.source}`));
    const result = await pack.client.analyzeStack([outsideWorkspace(KEY_ARN)]);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["guard-settings", "advisory"]],
    );
    assert.match(result.diagnostics[0].message, warning);
    await pack.client.configure(guardSettings({ trustedKeys: [KEY_ARN] }));
    assert.deepEqual((await pack.client.analyzeStack([outsideWorkspace(KEY_ARN)])).diagnostics, []);
  }

  it("lets untrusted outside keys only warn when configured so", async () => {
    await pack.client.initialise({ "cmk-key-verifiable": "advisory" });
    const result = await pack.client.analyzeStack([outsideWorkspace(OTHER_ARN)]);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["cmk-key-verifiable", "advisory"]],
    );
  });

  it("applies configured thresholds", async () => {
    await pack.client.initialise({
      "cmk-key-deletion-window": { enforcementLevel: "mandatory", properties: { minDeletionWindowDays: 7 } },
    });
    const key = {
      ...stack[0],
      properties: {
        ...stack[0].properties,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 7,
      },
    };
    assert.deepEqual((await pack.client.analyzeStack([key, stack[1]])).diagnostics, []);
  });

  const badConfigs: [string, Record<string, PolicyConfigSpec>, RegExp][] = [
    [
      "an exemption without a reason",
      guardSettings({
        exemptions: [{ resource: "x", policies: ["cmk-key-rotation"], expires: "2030-01-01" }],
      }),
      /guard-settings\.exemptions\[0\]\.reason: expected a non-empty reason/,
    ],
    [
      "an exemption with an impossible date",
      guardSettings({ exemptions: [{ ...exemption("2030-02-30") }] }),
      /guard-settings\.exemptions\[0\]\.expires: expected a date YYYY-MM-DD/,
    ],
    [
      "an exemption naming no policy of the pack",
      guardSettings({ exemptions: [{ ...exemption("2030-01-01"), policies: ["cmk-key-rotaton"] }] }),
      /guard-settings\.exemptions\[0\]\.policies: expected names of policies in this pack/,
    ],
    [
      "a trusted key that trusts every account",
      guardSettings({ trustedKeys: ["arn:aws:kms:*:*:key/*"] }),
      /guard-settings\.trustedKeys\[0\]: expected a key ARN, or arn:<partition>:kms:<region or \*>:<12-digit account>/,
    ],
    [
      "a rotation period KMS does not allow",
      { "cmk-key-rotation": { enforcementLevel: "mandatory", properties: { maxRotationPeriodDays: 30 } } },
      /cmk-key-rotation\.maxRotationPeriodDays: expected an integer from 90 to 2560/,
    ],
    [
      "an unknown setting",
      guardSettings({ trustedKey: [] }),
      /guard-settings\.trustedKey: expected one of this policy's settings \(trustedKeys, exemptions, maxExemptionDays, verifyKeysWithAws\)/,
    ],
  ];
  for (const [label, config, expected] of badConfigs) {
    it(`rejects ${label} with a clear message`, async () => {
      await pack.client.initialise();
      await assert.rejects(pack.client.configure(config), expected);
    });
  }

  it("accepts the shipped example config (policy-pack/config.example.json)", async () => {
    await pack.client.initialise();
    const entries = readPackConfig(path.join(PACK_DIR, "config.example.json"));
    const config: Record<string, PolicyConfigSpec> = {};
    for (const [name, entry] of entries)
      config[name] = { enforcementLevel: entry.enforcementLevel, properties: entry.properties };
    await pack.client.configure(config);
    const names = new Set((await pack.client.getAnalyzerInfo()).getPoliciesList().map((p) => p.getName()));
    for (const name of entries.keys()) assert.ok(names.has(name), name);
  });
});
