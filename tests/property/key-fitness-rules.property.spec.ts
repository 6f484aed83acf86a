import { strict as assert } from "assert";
import fc from "fast-check";
import { FAMILIES } from "../../policy-pack/catalog/bedrock-resources";
import {
  KMS_KEY_TYPES,
  ON_PRIMARY,
  type KeyFactName,
  type KeyFacts,
} from "../../policy-pack/catalog/kms-types";
import type { Rule } from "../../policy-pack/rules/rule";
import { keyFitnessRules } from "../../policy-pack/rules";
import { workspaceKeyBedrockTag } from "../../policy-pack/rules/workspace-key-bedrock-tag";
import {
  CONSUMED_KEY_SCOPE,
  KMS_HYGIENE_SCOPE,
  type KeyFitnessInput,
} from "../../policy-pack/rules/key-fitness-input";
import { isPlainObject, plain, readPath, UNKNOWN } from "../../policy-pack/facts/values";
import { anyWireValue, PROPERTY_RUNS } from "./arbitraries";
import { keyProps } from "./stack-arbitraries";
import { patient } from "../support/patience";

const OUTCOMES = new Set(["compliant", "non-compliant", "not-applicable", "undetermined"]);

/** Every key fitness rule, in both scopes (the key behind a resource, and every key on its own). */
const RULES: readonly Rule<KeyFitnessInput>[] = [
  ...[CONSUMED_KEY_SCOPE, KMS_HYGIENE_SCOPE].flatMap((scope) => keyFitnessRules(scope).map((f) => f.rule)),
  workspaceKeyBedrockTag,
];

type TypeCheck = (value: unknown) => boolean;
const isString: TypeCheck = (v) => typeof v === "string";
const isBoolean: TypeCheck = (v) => typeof v === "boolean";
const isNumber: TypeCheck = (v) => typeof v === "number" && Number.isFinite(v);

/** Whether a key policy value is present but cannot be a policy document at all. */
function unparseablePolicy(policy: unknown): boolean {
  const value = plain(policy);
  if (value === undefined || value === null || value === UNKNOWN) return false;
  if (typeof value !== "string") return !isPlainObject(value);
  try {
    return !isPlainObject(JSON.parse(value));
  } catch {
    return true;
  }
}

/** The facts each rule reads (by the suffix of its id), with the type it needs. */
const READS: Readonly<Record<string, readonly (readonly [KeyFactName, TypeCheck])[]>> = {
  symmetric: [
    ["usage", isString],
    ["spec", isString],
  ],
  enabled: [["enabled", isBoolean]],
  rotation: [
    ["rotationEnabled", isBoolean],
    ["rotationPeriodDays", isNumber],
  ],
  "deletion-window": [["deletionWindowDays", isNumber]],
  "lockout-check": [["bypassLockout", isBoolean]],
};

function suffix(rule: Rule<KeyFitnessInput>): string {
  return rule.id.replace(/^(cmk-key|kms-key)-/, "");
}

/** Why a present value the rule reads is unusable, or undefined when every value it reads is usable. */
function unusableFact(rule: Rule<KeyFitnessInput>, facts: KeyFacts): string | undefined {
  for (const [fact, isType] of READS[suffix(rule)] ?? []) {
    const value = facts[fact];
    if (value === undefined || value === null || value === UNKNOWN || value === ON_PRIMARY) continue;
    if (!isType(value)) return `${fact} of the wrong type`;
  }
  if (suffix(rule) === "policy-public" && unparseablePolicy(facts.policy)) return "an unparseable key policy";
  if (rule === workspaceKeyBedrockTag && facts.tags.kind === "malformed") return "malformed tags";
  return undefined;
}

const arbitraryInput: fc.Arbitrary<{ input: KeyFitnessInput; props: Record<string, unknown> }> = fc
  .constantFrom(...KMS_KEY_TYPES)
  .chain((keyType) =>
    fc.record({
      keyType: fc.constant(keyType),
      props: keyProps(keyType),
      limits: fc.record({
        maxRotationPeriodDays: fc.integer({ min: 90, max: 2560 }),
        minDeletionWindowDays: fc.integer({ min: 7, max: 30 }),
      }),
      consumer: fc.option(
        fc.record({
          family: fc.constantFrom(...FAMILIES),
          props: fc.oneof(
            fc.record(
              { domainVersion: fc.oneof(fc.constantFrom("V1", "V2"), anyWireValue) },
              { requiredKeys: [] },
            ),
            anyWireValue,
          ),
        }),
        { nil: undefined },
      ),
    }),
  )
  .map(({ keyType, props, limits, consumer }) => ({
    props,
    input: {
      facts: keyType.normalise(props),
      keyType,
      limits,
      ...(consumer === undefined ? {} : { consumer }),
    },
  }));

describe("property: key fitness rules over arbitrary key properties", function () {
  this.timeout(patient(120_000));

  it("normalise any property bag, keeping every present value as it is (no default hides it)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KMS_KEY_TYPES).chain((t) => keyProps(t).map((p) => [t, p] as const)),
        ([type, props]) => {
          const facts = type.normalise(props);
          for (const [fact, property] of Object.entries(type.factProperties) as [KeyFactName, string][]) {
            if (fact === "tags" || fact === "keyId") continue;
            const raw = readPath(props, [property]);
            if (raw === undefined || raw === null) continue;
            assert.equal(facts[fact], raw, `${type.token} ${property}`);
          }
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it("never throw, answer one of their outcomes, deterministically; never pass an unusable value", () => {
    fc.assert(
      fc.property(arbitraryInput, ({ input }) => {
        for (const rule of RULES) {
          const outcome = rule.evaluate(input);
          assert.ok(OUTCOMES.has(outcome.kind), `${rule.id}: ${outcome.kind}`);
          if (outcome.kind === "non-compliant") assert.ok(outcome.problem.length > 0, rule.id);
          else assert.ok(outcome.kind === "compliant" || outcome.reason.length > 0, rule.id);
          assert.equal(
            JSON.stringify(rule.evaluate(input)),
            JSON.stringify(outcome),
            `${rule.id} is deterministic`,
          );
          const unusable = unusableFact(rule, input.facts);
          if (unusable !== undefined)
            assert.notEqual(outcome.kind, "compliant", `${rule.id} passed ${unusable}`);
        }
      }),
      PROPERTY_RUNS,
    );
  });
});
