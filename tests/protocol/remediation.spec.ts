/**
 * Pulumi's `remediate` level through the engine protocol: Configure with the level, then Remediate
 * for each resource (the engine's call before Analyze, with the same request), then Analyze of the
 * rewritten inputs, as the engine does. Policies without a safe automatic fix refuse the level at
 * Configure, saying why.
 */
import { strict as assert } from "assert";
import type { ServiceError } from "@grpc/grpc-js";
import {
  secret,
  UNKNOWN,
  type PolicyConfigSpec,
  type RemediateResult,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { inDays } from "../support/dates";
import { SharedPack } from "../support/pack";

const REMEDIATE: Record<string, PolicyConfigSpec> = {
  "kms-key-rotation": { enforcementLevel: "remediate", properties: { maxRotationPeriodDays: 180 } },
  "kms-key-deletion-window": { enforcementLevel: "remediate", properties: { minDeletionWindowDays: 21 } },
  "kms-key-lockout-check": { enforcementLevel: "remediate" },
};
const FIXING = Object.keys(REMEDIATE);

/** The inputs the engine would use after Remediate: the last remediation's properties. */
function remediated(result: RemediateResult, original: ResourceSpec): ResourceSpec {
  const last = result.remediations.filter((r) => r.properties !== undefined).at(-1);
  return last === undefined ? original : { ...original, properties: last.properties };
}

describe("policy pack through the engine protocol: the remediate level", function () {
  // Configured again before each test: one test adds an exemption.
  const pack = new SharedPack();
  pack.use(REMEDIATE, { eachTest: true });

  it("fixes an aws:kms/key:Key's rotation, deletion window and lockout check, keeping secrets and unknowns", async () => {
    const key: ResourceSpec = {
      type: "aws:kms/key:Key",
      name: "workspace-key",
      properties: {
        enableKeyRotation: false,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 7,
        bypassPolicyLockoutSafetyCheck: true,
        description: secret("team key"),
        policy: UNKNOWN,
      },
    };
    const before = await pack.client.analyze(key);
    const violated = before.diagnostics.map((d) => d.policyName).filter((p) => FIXING.includes(p));
    assert.deepEqual(violated.sort(), [...FIXING].sort());
    // At the remediate level, a violation that remains is reported as mandatory.
    assert.ok(
      before.diagnostics
        .filter((d) => FIXING.includes(d.policyName))
        .every((d) => d.enforcementLevel === "mandatory"),
    );

    const result = await pack.client.remediate(key);
    assert.deepEqual(result.remediations.map((r) => r.policyName).sort(), [...FIXING].sort());
    const fixed = remediated(result, key);
    assert.deepEqual(fixed.properties, {
      enableKeyRotation: true,
      rotationPeriodInDays: 180,
      deletionWindowInDays: 21,
      bypassPolicyLockoutSafetyCheck: false,
      description: secret("team key"),
      policy: UNKNOWN,
    });
    const after = await pack.client.analyze(fixed);
    assert.deepEqual(
      after.diagnostics.filter((d) => FIXING.includes(d.policyName)),
      [],
      "the rewritten inputs pass the policies that rewrote them",
    );
  });

  it("fixes aws-native keys, replicas (not the shared rotation) and standalone key policies", async () => {
    const cases: { resource: ResourceSpec; expected: Record<string, unknown> }[] = [
      {
        resource: {
          type: "aws-native:kms:Key",
          name: "native",
          properties: {
            enableKeyRotation: false,
            pendingWindowInDays: 7,
            bypassPolicyLockoutSafetyCheck: true,
          },
        },
        // The rotation period left to its default (365 days) is set to the configured maximum.
        expected: {
          enableKeyRotation: true,
          rotationPeriodInDays: 180,
          pendingWindowInDays: 21,
          bypassPolicyLockoutSafetyCheck: false,
        },
      },
      {
        resource: {
          type: "aws:kms/replicaKey:ReplicaKey",
          name: "replica",
          properties: {
            primaryKeyArn: "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            deletionWindowInDays: 7,
          },
        },
        expected: {
          primaryKeyArn: "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
          deletionWindowInDays: 21,
        },
      },
      {
        resource: {
          type: "aws:kms/keyPolicy:KeyPolicy",
          name: "key-policy",
          properties: { keyId: "k", policy: UNKNOWN, bypassPolicyLockoutSafetyCheck: true },
        },
        expected: { keyId: "k", policy: UNKNOWN, bypassPolicyLockoutSafetyCheck: false },
      },
    ];
    for (const c of cases) {
      const fixed = remediated(await pack.client.remediate(c.resource), c.resource);
      assert.deepEqual(fixed.properties, c.expected, c.resource.type);
    }
  });

  it("leaves a fit key and other resource types alone", async () => {
    for (const resource of [
      {
        type: "aws:kms/key:Key",
        name: "fit",
        properties: { enableKeyRotation: true, rotationPeriodInDays: 90, deletionWindowInDays: 30 },
      },
      { type: "aws:s3/bucket:Bucket", name: "bucket", properties: { bucket: "b" } },
    ]) {
      const result = await pack.client.remediate(resource);
      assert.deepEqual(
        result.remediations.map((r) => r.policyName),
        [],
        resource.type,
      );
    }
  });

  it("does not remediate a key under an active exemption", async () => {
    await pack.client.initialise({
      ...REMEDIATE,
      "guard-settings": {
        enforcementLevel: "advisory",
        properties: {
          exemptions: [
            {
              resource: "legacy-key",
              policies: ["kms-key-rotation"],
              reason: "migrating",
              expires: inDays(30),
            },
          ],
        },
      },
    });
    const key = { type: "aws:kms/key:Key", name: "legacy-key", properties: { enableKeyRotation: false } };
    const result = await pack.client.remediate(key);
    assert.ok(!result.remediations.some((r) => r.policyName === "kms-key-rotation"));
  });

  it("refuses `remediate` at Configure for policies without a safe fix, saying why", async () => {
    const refused = async (config: Record<string, PolicyConfigSpec | "remediate">): Promise<string> => {
      const error = await pack.client.configure(config).then(
        () => assert.fail(`Configure accepted ${JSON.stringify(config)}`),
        (e: ServiceError) => e,
      );
      assert.equal(error.code, 3);
      return error.details;
    };
    assert.match(
      await refused({ "workspace-cmk-required": "remediate" }),
      /workspace-cmk-required: "remediate" is not available: .*cannot choose a resource's key/,
    );
    assert.match(
      await refused({ "cmk-key-rotation": "remediate" }),
      /cmk-key-rotation: "remediate" is not available: a stack policy cannot change resources.*kms-key-\* twin/,
    );
    assert.match(
      await refused({ "kms-key-symmetric": "remediate" }),
      /kms-key-symmetric: .*no automatic fix is safe/,
    );
    // `all` at remediate (or every policy at it, as the Pulumi CLI sends it): one short problem
    // naming the policies that can remediate.
    const all = await refused({ all: "remediate" });
    assert.ok(all.length < 400, `${all.length} characters: ${all}`);
    assert.match(all, /and \d+ more: "remediate" is not available: no safe automatic fix; only /);
    for (const name of FIXING) assert.ok(all.includes(name), `${name} in ${all}`);
    const names = (await pack.client.getAnalyzerInfo()).getPoliciesList().map((p) => p.getName());
    const everyPolicy = Object.fromEntries(names.map((name) => [name, "remediate" as const]));
    assert.equal(await refused(everyPolicy), all);
    // The pack keeps serving with its remediating config.
    await pack.client.configure(REMEDIATE);
    assert.ok(pack.client.alive);
  });
});
