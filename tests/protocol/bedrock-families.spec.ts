import { strict as assert } from "assert";
import { UNKNOWN, urnOf, type AnalyzeResult, type ResourceSpec } from "../../cli/engine/pack-client";
import {
  FAMILIES,
  type GuardedResourceType,
  type ResourceFamily,
} from "../../policy-pack/catalog/bedrock-resources";
import { SharedPack } from "../support/pack";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** Properties that make the key applicable (a managed knowledge base, a customer-managed token vault). */
const APPLICABLE: Record<string, Record<string, unknown>> = {
  "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase": { knowledgeBaseConfiguration: { type: "MANAGED" } },
  "aws-native:bedrock:KnowledgeBase": { knowledgeBaseConfiguration: { type: "MANAGED" } },
  "aws:bedrock/agentcoreTokenVaultCmk:AgentcoreTokenVaultCmk": {
    kmsConfiguration: { keyType: "CustomerManagedKey" },
  },
};

function nest(
  path: readonly string[],
  value: unknown,
  into: Record<string, unknown>,
): Record<string, unknown> {
  const [head, ...rest] = path;
  const current = (into[head] ?? {}) as Record<string, unknown>;
  return { ...into, [head]: rest.length === 0 ? value : nest(rest, value, current) };
}

function resource(type: GuardedResourceType, key?: unknown, name = "subject"): ResourceSpec {
  const base = APPLICABLE[type.token] ?? {};
  return { type: type.token, name, properties: key === undefined ? base : nest(type.keyProperty, key, base) };
}

function findings(result: AnalyzeResult): [string, string][] {
  return result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]);
}

/** One resource of each family: the first type, alternating providers where a family has both. */
function representative(family: ResourceFamily, index: number): GuardedResourceType {
  return family.types[index % family.types.length];
}

/** One pack for the file's suites (a pack start costs about a second, more on a busy machine). */
const pack = new SharedPack();

describe("policy pack through the engine protocol: every Bedrock family", function () {
  pack.use();

  it("offers the three key-reference policies of every family", async () => {
    const names = new Set((await pack.client.getAnalyzerInfo()).getPoliciesList().map((p) => p.getName()));
    for (const family of FAMILIES) {
      const expected = [`${family.id}-cmk-required`, `${family.id}-cmk-region`];
      for (const name of expected) assert.ok(names.has(name), name);
      assert.ok(names.has(`${family.id}-cmk-key-arn`) || names.has(`${family.id}-cmk-key-form`), family.id);
    }
  });

  FAMILIES.forEach((family, index) => {
    const type = representative(family, index);

    it(`${family.id}: blocks a ${type.token} without a key (${family.defaultLevel})`, async () => {
      const result = await pack.client.analyze(resource(type));
      assert.deepEqual(findings(result), [[`${family.id}-cmk-required`, family.defaultLevel]]);
      const message = result.diagnostics[0].message;
      assert.match(message, /'subject'/);
      assert.match(message, new RegExp(`Fix: Set \`${type.keyProperty.join("\\.")}\``));
      if (family.compliance !== undefined)
        assert.match(message, new RegExp(`\\[${family.compliance}, risk High\\]`));
    });

    it(`${family.id}: passes a ${type.token} with a key ARN in its region`, async () => {
      assert.deepEqual(findings(await pack.client.analyze(resource(type, KEY_ARN))), []);
    });
  });

  it("says not applicable for a knowledge base without a managed store", async () => {
    const result = await pack.client.analyze({
      type: "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
      name: "vector-kb",
      properties: { knowledgeBaseConfiguration: { type: "VECTOR" } },
    });
    assert.deepEqual(result.diagnostics, []);
    const reasons = result.notApplicable.filter((n) => n.policyName === "knowledge-base-cmk-required");
    assert.match(reasons[0]?.reason ?? "", /only when `knowledgeBaseConfiguration.type` is `MANAGED`/);
  });

  it("blocks a token vault set to ServiceManagedKey", async () => {
    const result = await pack.client.analyze({
      type: "aws:bedrock/agentcoreTokenVaultCmk:AgentcoreTokenVaultCmk",
      name: "vault",
      properties: { kmsConfiguration: { keyType: "ServiceManagedKey" } },
    });
    assert.deepEqual(findings(result), [["agentcore-token-vault-cmk-required", "mandatory"]]);
  });
});

describe("policy pack through the engine protocol: per-family configuration", function () {
  pack.use({
    "guardrail-cmk-required": "disabled",
    "agentcore-gateway-cmk-required": "mandatory",
  });

  it("disables one family and promotes another without touching the rest", async () => {
    const guardrail = await pack.client.analyze({
      type: "aws:bedrock/guardrail:Guardrail",
      name: "g",
      properties: {},
    });
    assert.deepEqual(findings(guardrail), []);
    const gateway = await pack.client.analyze({
      type: "aws-native:bedrockagentcore:Gateway",
      name: "gw",
      properties: {},
    });
    assert.deepEqual(findings(gateway), [["agentcore-gateway-cmk-required", "mandatory"]]);
    const agent = await pack.client.analyze({ type: "aws-native:bedrock:Agent", name: "a", properties: {} });
    assert.deepEqual(findings(agent), [["agent-cmk-required", "mandatory"]]);
  });
});

/**
 * At preview the agent's and the knowledge base's key is unknown: only the stack policies, which
 * follow the property dependency to the key resource, can see that the key is unfit (asymmetric).
 */
describe("policy pack through the engine protocol: an unfit key shared by an agent and a knowledge base", function () {
  pack.use();

  it("is blocked at preview, for both resources", async function () {
    const keyUrn = urnOf("aws:kms/key:Key", "signing-key");
    const agentUrn = urnOf("aws:bedrock/agentAgent:AgentAgent", "agent");
    const kbUrn = urnOf("aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase", "kb");
    const result = await pack.client.analyzeStack([
      {
        type: "aws:kms/key:Key",
        name: "signing-key",
        urn: keyUrn,
        properties: {
          keyUsage: "SIGN_VERIFY",
          customerMasterKeySpec: "RSA_2048",
          enableKeyRotation: false,
          arn: UNKNOWN,
        },
      },
      {
        type: "aws:bedrock/agentAgent:AgentAgent",
        name: "agent",
        urn: agentUrn,
        properties: { agentName: "a", customerEncryptionKeyArn: UNKNOWN },
        dependencies: [keyUrn],
        propertyDependencies: { customerEncryptionKeyArn: [keyUrn] },
      },
      {
        type: "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
        name: "kb",
        urn: kbUrn,
        properties: {
          knowledgeBaseConfiguration: {
            type: "MANAGED",
            managedKnowledgeBaseConfiguration: { serverSideEncryptionConfiguration: { kmsKeyArn: UNKNOWN } },
          },
        },
        dependencies: [keyUrn],
        propertyDependencies: { knowledgeBaseConfiguration: [keyUrn] },
      },
    ]);
    const blocked = new Set(
      result.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => d.urn),
    );
    assert.ok(blocked.has(agentUrn), `agent blocked: ${JSON.stringify(result.diagnostics)}`);
    assert.ok(blocked.has(kbUrn), `knowledge base blocked: ${JSON.stringify(result.diagnostics)}`);
  });
});
