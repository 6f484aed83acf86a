import { strict as assert } from "assert";
import {
  FAMILIES,
  type GuardedResourceType,
  type ResourceFamily,
} from "../../policy-pack/catalog/bedrock-resources";
import { violationMessage } from "../../policy-pack/judging/messages";
import type { Rule, RuleOutcome } from "../../policy-pack/rules/rule";
import { keyReferenceRules } from "../../policy-pack/rules";
import { keyReferenceInput, type KeyReferenceInput } from "../../policy-pack/rules/key-reference-input";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";

const REGION = "us-east-1";
const KEY_ARN = `arn:aws:kms:${REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_REGION_KEY_ARN = KEY_ARN.replace(REGION, "eu-west-1");
const ALIAS_ARN = `arn:aws:kms:${REGION}:123456789012:alias/team-key`;

/** Properties that make the key applicable, for the types whose catalog entry has a condition. */
const APPLICABLE_BASE: Record<string, Record<string, unknown>> = {
  "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase": { knowledgeBaseConfiguration: { type: "MANAGED" } },
  "aws-native:bedrock:KnowledgeBase": { knowledgeBaseConfiguration: { type: "MANAGED" } },
  "aws:bedrock/agentcoreHarness:AgentcoreHarness": {},
  "aws-native:bedrockagentcore:Harness": {},
  "aws:bedrock/agentcoreTokenVaultCmk:AgentcoreTokenVaultCmk": {
    kmsConfiguration: { keyType: "CustomerManagedKey" },
  },
};

/** Properties under which the key does not apply (the catalog's "not applicable" conditions). */
const NOT_APPLICABLE: Record<string, Record<string, unknown>[]> = {
  "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase": [
    { knowledgeBaseConfiguration: { type: "VECTOR" } },
    { knowledgeBaseConfiguration: { type: "KENDRA" } },
  ],
  "aws-native:bedrock:KnowledgeBase": [{ knowledgeBaseConfiguration: { type: "SQL" } }],
  "aws:bedrock/agentcoreHarness:AgentcoreHarness": [
    { memory: { disabled: {} } },
    { memory: { agentcoreMemoryConfiguration: { arn: "arn:aws:bedrock-agentcore:x" } } },
  ],
  "aws-native:bedrockagentcore:Harness": [{ memory: { agentCoreMemoryConfiguration: { arn: "a" } } }],
};

function withPath(
  base: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(base);
  let node = copy;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    node[segment] = typeof next === "object" && next !== null ? { ...(next as object) } : {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return copy;
}

function input(
  family: ResourceFamily,
  type: GuardedResourceType,
  key: unknown,
  base?: Record<string, unknown>,
) {
  const props = base ?? APPLICABLE_BASE[type.token] ?? {};
  const withKey = key === undefined ? props : withPath(props, type.keyProperty, key);
  return keyReferenceInput(family, type, withKey, {}, { "aws:region": REGION, "aws-native:region": REGION });
}

function outcomes(family: ResourceFamily, subject: KeyReferenceInput): Record<string, RuleOutcome["kind"]> {
  const rules: Rule<KeyReferenceInput>[] = keyReferenceRules(family);
  return Object.fromEntries(rules.map((r) => [r.id.slice(family.id.length + 1), r.evaluate(subject).kind]));
}

function keyFormRule(family: ResourceFamily): Rule<KeyReferenceInput> {
  return keyReferenceRules(family)[1];
}

describe("key-reference rules over every catalog family", () => {
  it("has fixtures for every type with a condition or a key-type switch", () => {
    const conditional = FAMILIES.flatMap((f) => f.types)
      .filter((t) => t.appliesWhen !== undefined || t.keyType !== undefined)
      .map((t) => t.token)
      .sort();
    assert.deepEqual(conditional, Object.keys(APPLICABLE_BASE).sort());
  });

  for (const family of FAMILIES) {
    describe(`${family.id} (${family.compliance ?? "no compliance mapping"})`, () => {
      it("carries the family's compliance mapping, risk and default level in every rule", () => {
        for (const rule of keyReferenceRules(family)) {
          assert.ok(rule.id.startsWith(`${family.id}-cmk-`), rule.id);
          assert.equal(rule.compliance, family.compliance);
          assert.equal(rule.risk, family.risk);
          assert.equal(rule.defaultLevel, family.defaultLevel);
        }
      });

      for (const type of family.types) {
        const formId = keyFormRule(family).id.slice(family.id.length + 1);

        it(`${type.token}: missing key is a violation of -cmk-required only`, () => {
          assert.deepEqual(outcomes(family, input(family, type, undefined)), {
            "cmk-required": "non-compliant",
            [formId]: "not-applicable",
            "cmk-region": "not-applicable",
          });
          assert.equal(outcomes(family, input(family, type, "   "))["cmk-required"], "non-compliant");
        });

        it(`${type.token}: an AWS-managed alias is a key-form violation, as a name or an ARN`, () => {
          for (const alias of ["alias/aws/bedrock", `arn:aws:kms:${REGION}:123456789012:alias/aws/bedrock`]) {
            const subject = input(family, type, alias);
            assert.equal(outcomes(family, subject)[formId], "non-compliant");
            const outcome = keyFormRule(family).evaluate(subject);
            assert.ok(outcome.kind === "non-compliant" && /AWS-managed key/.test(outcome.problem));
          }
        });

        it(`${type.token}: a key ARN in the resource's region passes every rule`, () => {
          assert.deepEqual(outcomes(family, input(family, type, KEY_ARN)), {
            "cmk-required": "compliant",
            [formId]: "compliant",
            "cmk-region": "compliant",
          });
          assert.equal(
            outcomes(family, input(family, type, OTHER_REGION_KEY_ARN))["cmk-region"],
            "non-compliant",
          );
        });

        it(`${type.token}: malformed values are violations that name the form needed`, () => {
          for (const bad of [
            "arn:aws:kms:us-east-1:123:key/x",
            "not-a-key",
            42,
            { arn: KEY_ARN },
            [KEY_ARN],
          ]) {
            const outcome = keyFormRule(family).evaluate(input(family, type, bad));
            assert.equal(outcome.kind, "non-compliant", JSON.stringify(bad));
            assert.ok(
              outcome.kind === "non-compliant" && /key ARN \(arn:<partition>:kms/.test(outcome.fix ?? ""),
            );
          }
        });

        it(`${type.token}: a key unknown at preview is not determinable, not a violation`, () => {
          assert.deepEqual(outcomes(family, input(family, type, UNKNOWN_SENTINEL)), {
            "cmk-required": "compliant",
            [formId]: "undetermined",
            "cmk-region": "undetermined",
          });
        });

        const acceptsIds = type.acceptedKeyForms.includes("key-id");
        it(`${type.token}: key ids and aliases are ${acceptsIds ? "accepted (its API resolves them)" : "rejected (its API takes only key ARNs)"}`, () => {
          for (const reference of ["1234abcd-12ab-34cd-56ef-1234567890ab", "alias/team-key", ALIAS_ARN]) {
            const outcome = keyFormRule(family).evaluate(input(family, type, reference));
            assert.equal(outcome.kind, acceptsIds ? "compliant" : "non-compliant", reference);
            if (outcome.kind === "non-compliant")
              assert.match(outcome.problem, /the API accepts only a key ARN/);
          }
        });

        for (const base of NOT_APPLICABLE[type.token] ?? []) {
          it(`${type.token}: not applicable for ${JSON.stringify(base)}`, () => {
            const subject = input(family, type, undefined, base);
            assert.deepEqual(Object.values(outcomes(family, subject)), [
              "not-applicable",
              "not-applicable",
              "not-applicable",
            ]);
          });
        }

        if (type.appliesWhen !== undefined) {
          it(`${type.token}: an unknown condition is not determinable yet`, () => {
            const unknownBase = Object.fromEntries(
              type.appliesWhen!.reads.map((p) => [p[0], UNKNOWN_SENTINEL]),
            );
            assert.deepEqual(Object.values(outcomes(family, input(family, type, undefined, unknownBase))), [
              "undetermined",
              "undetermined",
              "undetermined",
            ]);
          });
        }
      }
    });
  }

  it("token vault: ServiceManagedKey is a violation whatever the key says", () => {
    const family = FAMILIES.find((f) => f.id === "agentcore-token-vault")!;
    const type = family.types[0];
    for (const keyType of ["ServiceManagedKey", undefined, 7]) {
      const subject = input(family, type, KEY_ARN, { kmsConfiguration: { keyType } });
      const required = keyReferenceRules(family)[0].evaluate(subject);
      assert.equal(required.kind, "non-compliant", String(keyType));
      assert.ok(
        required.kind === "non-compliant" && /keyType: "CustomerManagedKey"/.test(required.fix ?? ""),
      );
    }
  });

  it("messages name the compliance mapping and never quote the value", () => {
    const family = FAMILIES.find((f) => f.id === "guardrail")!;
    const rule = keyFormRule(family);
    const outcome = rule.evaluate(input(family, family.types[0], "alias/secret-team-key"));
    assert.equal(outcome.kind, "non-compliant");
    if (outcome.kind !== "non-compliant") return;
    const message = violationMessage(
      rule,
      { displayName: "Bedrock guardrail", name: "g" },
      outcome.problem,
      outcome.fix,
    );
    assert.match(message, /\[Bedrock-003, risk High\]/);
    assert.doesNotMatch(message, /secret-team-key/);
  });
});
