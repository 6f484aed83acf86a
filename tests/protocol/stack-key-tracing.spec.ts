import { strict as assert } from "assert";
import { UNKNOWN, urnOf, type AnalyzeResult, type ResourceSpec } from "../../cli/engine/pack-client";
import { suitePack } from "../support/pack";
import {
  ACCOUNT,
  ADMIN_STATEMENT,
  DOMAIN,
  engineRun,
  fitKey,
  KEY,
  keyArn,
  policyDocument,
  workspaceUsing,
  type Phase,
} from "../support/builders";

const KEY_ARN = keyArn();
const keyUrn = urnOf(KEY, "workspace-key");
const domainUrn = urnOf(DOMAIN, "studio");

const RESTRICTED_POLICY = policyDocument(ADMIN_STATEMENT, {
  Sid: "Bedrock",
  Effect: "Allow",
  Principal: { AWS: "*" },
  Action: ["kms:Decrypt", "kms:GenerateDataKey"],
  Resource: "*",
  Condition: {
    StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "bedrock.us-east-1.amazonaws.com" },
  },
});
const PUBLIC_POLICY = policyDocument({
  Effect: "Allow",
  Principal: "*",
  Action: "kms:Decrypt",
  Resource: "*",
});

/** A fit workspace key as the engine sends it, with the Bedrock grant in its policy. */
function workspaceKey(phase: Phase, overrides: Record<string, unknown> = {}): ResourceSpec {
  const known = phase === "up";
  return fitKey(phase, {
    description: "Bedrock Studio workspace key",
    multiRegion: known ? false : UNKNOWN,
    policy: RESTRICTED_POLICY,
    ...overrides,
  });
}

/** A V1 workspace whose key comes from the key's ARN (`kmsKeyIdentifier: key.arn`). */
const workspace = (phase: Phase, from = keyUrn) => workspaceUsing(phase, from, KEY_ARN);

function mandatory(result: AnalyzeResult): [string, string][] {
  return result.diagnostics
    .filter((d) => d.enforcementLevel === "mandatory")
    .map((d) => [d.policyName, d.urn]);
}

describe("policy pack through the engine protocol: the key behind each workspace (preview tracing)", function () {
  const pack = suitePack();

  for (const phase of ["preview", "up"] as const) {
    it(`passes a fit key at ${phase}, with no "can't run" advisory`, async () => {
      const result = await engineRun(pack.client, [workspaceKey(phase), workspace(phase)]);
      const cantRun = result.diagnostics.filter((d) => /can't run/.test(d.message));
      assert.deepEqual(cantRun, []);
      assert.deepEqual(result.diagnostics, []);
      if (phase === "preview") {
        const reason = result.notApplicable.find((n) => n.policyName === "workspace-cmk-key-arn");
        assert.ok(reason, JSON.stringify(result.notApplicable));
        assert.match(reason.reason, /not determinable yet/);
        assert.match(reason.reason, /cmk-key-\* stack policies judge it at preview/);
      }
    });
  }

  const unfit: [string, Record<string, unknown>, string][] = [
    [
      "an asymmetric key",
      { keyUsage: "SIGN_VERIFY", customerMasterKeySpec: "RSA_2048" },
      "cmk-key-symmetric",
    ],
    [
      "an HMAC key",
      { keyUsage: "GENERATE_VERIFY_MAC", customerMasterKeySpec: "HMAC_256" },
      "cmk-key-symmetric",
    ],
    ["a disabled key", { isEnabled: false }, "cmk-key-enabled"],
    ["rotation off", { enableKeyRotation: false }, "cmk-key-rotation"],
    ["rotation left at its default (off)", { enableKeyRotation: undefined }, "cmk-key-rotation"],
    ["a rotation period above 365 days", { rotationPeriodInDays: 730 }, "cmk-key-rotation"],
    ["a 7-day deletion window", { deletionWindowInDays: 7 }, "cmk-key-deletion-window"],
    ["the lockout safety check bypassed", { bypassPolicyLockoutSafetyCheck: true }, "cmk-key-lockout-check"],
    ["a key policy open to everyone", { policy: PUBLIC_POLICY }, "cmk-key-policy-public"],
    ["an unparseable key policy", { policy: "{ not json" }, "cmk-key-policy-public"],
  ];
  for (const phase of ["preview", "up"] as const) {
    for (const [label, overrides, policy] of unfit) {
      it(`blocks ${label} at ${phase}, naming the workspace and the key`, async () => {
        const properties = { ...workspaceKey(phase).properties, ...overrides };
        for (const key of Object.keys(overrides)) if (overrides[key] === undefined) delete properties[key];
        const result = await engineRun(pack.client, [
          { ...workspaceKey(phase), properties },
          workspace(phase),
        ]);
        assert.deepEqual(mandatory(result), [[policy, domainUrn]]);
        const message = result.diagnostics.find((d) => d.policyName === policy)!.message;
        assert.match(
          message,
          /Bedrock Studio workspace \(DataZone domain\) 'studio': its KMS key 'workspace-key'/,
        );
        assert.match(message, /Bedrock-006, risk High/);
        assert.match(message, /\nFix: /);
        assert.ok(!message.includes("not json"), "never prints the policy text");
      });
    }
  }

  it("follows a KMS alias between the workspace and the key at preview", async () => {
    const aliasUrn = urnOf("aws:kms/alias:Alias", "workspace-alias");
    const alias: ResourceSpec = {
      type: "aws:kms/alias:Alias",
      name: "workspace-alias",
      urn: aliasUrn,
      properties: { name: "alias/studio", targetKeyId: UNKNOWN, targetKeyArn: UNKNOWN, arn: UNKNOWN },
      propertyDependencies: { targetKeyId: [keyUrn] },
    };
    const result = await pack.client.analyzeStack([
      workspaceKey("preview", { enableKeyRotation: false }),
      alias,
      workspace("preview", aliasUrn),
    ]);
    // Also blocked: a value from an alias may be its ARN, which DataZone rejects (preview-limits.spec.ts).
    assert.deepEqual(mandatory(result).sort(), [
      ["cmk-key-alias-source", domainUrn],
      ["cmk-key-rotation", domainUrn],
    ]);
  });

  it("judges a replica key with its primary, and its own key policy resource", async () => {
    const primaryUrn = urnOf(KEY, "primary");
    const replicaUrn = urnOf("aws:kms/replicaKey:ReplicaKey", "replica");
    const primary = {
      ...workspaceKey("preview", { multiRegion: true, enableKeyRotation: false }),
      name: "primary",
      urn: primaryUrn,
    };
    const replica: ResourceSpec = {
      type: "aws:kms/replicaKey:ReplicaKey",
      name: "replica",
      urn: replicaUrn,
      properties: {
        primaryKeyArn: UNKNOWN,
        arn: UNKNOWN,
        keyId: UNKNOWN,
        deletionWindowInDays: 30,
        tags: { EnableBedrock: "true" },
      },
      propertyDependencies: { primaryKeyArn: [primaryUrn] },
    };
    const keyPolicy: ResourceSpec = {
      type: "aws:kms/keyPolicy:KeyPolicy",
      name: "replica-policy",
      properties: { keyId: UNKNOWN, policy: PUBLIC_POLICY },
      propertyDependencies: { keyId: [replicaUrn] },
    };
    const result = await pack.client.analyzeStack([
      primary,
      replica,
      keyPolicy,
      workspace("preview", replicaUrn),
    ]);
    assert.deepEqual(mandatory(result).sort(), [
      ["cmk-key-policy-public", domainUrn],
      ["cmk-key-rotation", domainUrn],
    ]);
    const rotation = result.diagnostics.find((d) => d.policyName === "cmk-key-rotation")!.message;
    assert.match(
      rotation,
      /'replica' \(KMS replica key, replica of 'primary', with key policy 'replica-policy'\)/,
    );
    assert.match(rotation, /on the multi-Region primary key/);
  });

  it("finds the key by ARN when a stack has no property dependencies (stack export)", async () => {
    const { propertyDependencies: _, dependencies: __, ...bare } = workspace("up");
    const result = await engineRun(pack.client, [workspaceKey("up", { deletionWindowInDays: 10 }), bare]);
    assert.deepEqual(mandatory(result), [["cmk-key-deletion-window", domainUrn]]);
  });

  it("reports a key outside the stack as not verifiable (mandatory by default)", async () => {
    const { propertyDependencies: _, dependencies: __, ...outside } = workspace("up");
    const result = await pack.client.analyzeStack([outside]);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["cmk-key-verifiable", "mandatory"]],
    );
    assert.match(result.diagnostics[0].message, /cannot verify this is a customer-managed key/);
  });

  it("asks V1 workspaces' keys for the EnableBedrock tag (advisory), once the provider's tags are known", async () => {
    const untagged = { tags: {}, tagsAll: {} };
    // Bedrock Studio's blueprints enabled in the workspace (see bedrock-tag-scope.spec.ts).
    const blueprints: ResourceSpec = {
      type: "aws:datazone/environmentBlueprintConfiguration:EnvironmentBlueprintConfiguration",
      name: "studio-blueprints",
      properties: { domainId: UNKNOWN, environmentBlueprintId: UNKNOWN, enabledRegions: ["us-east-1"] },
      propertyDependencies: { domainId: [domainUrn] },
    };
    const result = await pack.client.analyzeStack([
      workspaceKey("up", untagged),
      workspace("up"),
      blueprints,
    ]);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["workspace-key-bedrock-tag", "advisory"]],
    );
    const preview = await pack.client.analyzeStack([
      workspaceKey("preview", { tags: {} }),
      workspace("preview"),
      blueprints,
    ]);
    assert.deepEqual(preview.diagnostics, []);
    const pending = preview.notApplicable.find((n) => n.policyName === "workspace-key-bedrock-tag");
    assert.match(pending?.reason ?? "", /not determinable yet/);
  });

  it("shows unfit keys on their own as advisory KMS hygiene", async () => {
    const result = await pack.client.analyze(
      workspaceKey("preview", { enableKeyRotation: false, deletionWindowInDays: 7 }),
    );
    assert.deepEqual(result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]).sort(), [
      ["kms-key-deletion-window", "advisory"],
      ["kms-key-rotation", "advisory"],
    ]);
  });
});
