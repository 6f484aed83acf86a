import { strict as assert } from "assert";
import fc from "fast-check";
import { familyOf, GUARDED_TYPES } from "../../policy-pack/catalog/bedrock-resources";
import { classifyKeyReference } from "../../policy-pack/facts/key-reference";
import { keyReferenceRules } from "../../policy-pack/rules";
import { keyApplicability } from "../../policy-pack/rules/cmk-applicability";
import { keyReferenceInput } from "../../policy-pack/rules/key-reference-input";
import { UNKNOWN } from "../../policy-pack/facts/values";
import { anyWireValue, PROPERTY_RUNS } from "./arbitraries";
import { patient } from "../support/patience";

/** Forms no resource's API accepts: present but unusable, so they must never pass. */
const NEVER_ACCEPTABLE = new Set(["wrong-type", "malformed-arn", "unrecognised", "aws-managed-alias"]);

const OUTCOMES = new Set(["compliant", "non-compliant", "not-applicable", "undetermined"]);

/** Puts a value at a (possibly nested) property path, creating objects on the way. */
function setPath(props: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cursor = props;
  path.forEach((segment, index) => {
    if (index === path.length - 1) {
      cursor[segment] = value;
      return;
    }
    const next = cursor[segment];
    const isObject = typeof next === "object" && next !== null && !Array.isArray(next);
    cursor = (isObject ? next : (cursor[segment] = {})) as Record<string, unknown>;
  });
}

function propsWith(
  path: readonly string[],
  value: unknown,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const props: Record<string, unknown> = { ...extra };
  setPath(props, path, value);
  return props;
}

describe("property: key-reference rules over arbitrary wire values", function () {
  this.timeout(patient(120_000));

  // One draw picks the resource type too, so each rule meets every guarded type within one run.
  // Condition properties (a knowledge base's type, a token vault's key type) get their applying
  // value half of the time, so the key checks behind them are exercised as often as the skips.
  const arbitraryCase = fc.constantFrom(...GUARDED_TYPES).chain((type) => {
    const conditionPaths = [...(type.appliesWhen?.reads ?? []), ...(type.keyType ? [type.keyType.path] : [])];
    const conditionValue = fc.oneof(
      fc.constantFrom("MANAGED", "VECTOR", type.keyType?.customerManaged ?? "CustomerManagedKey"),
      anyWireValue,
    );
    return fc
      .record({
        key: anyWireValue,
        region: anyWireValue,
        providerRegion: anyWireValue,
        stackRegion: anyWireValue,
        conditions: fc.tuple(...conditionPaths.map(() => conditionValue)),
      })
      .map(({ key, region, providerRegion, stackRegion, conditions }) => {
        const family = familyOf(type.token)!;
        const props = propsWith(type.keyProperty, key, { region });
        conditionPaths.forEach((path, index) => setPath(props, path, conditions[index]));
        const input = keyReferenceInput(
          family,
          type,
          props,
          { region: providerRegion },
          {
            [`${type.provider}:region`]: stackRegion,
          },
        );
        return { input, rules: keyReferenceRules(family) };
      });
  });

  it("never throw, answer one of their outcomes, deterministically", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ input, rules }) => {
        for (const rule of rules) {
          const outcome = rule.evaluate(input);
          assert.ok(OUTCOMES.has(outcome.kind), `${rule.id}: ${outcome.kind}`);
          if (outcome.kind === "non-compliant") assert.ok(outcome.problem.length > 0);
          assert.deepEqual(rule.evaluate(input), outcome);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it("never pass a present key that no API accepts (malformed, wrong type, AWS-managed)", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ input, rules }) => {
        const applicability = keyApplicability(input).kind;
        const form = classifyKeyReference(input.key).form;
        if (
          applicability !== "service-managed" &&
          (applicability !== "applies" || !NEVER_ACCEPTABLE.has(form))
        ) {
          return;
        }
        const blocked = rules.some((rule) => rule.evaluate(input).kind === "non-compliant");
        assert.ok(blocked, `form ${form} passed every rule`);
      }),
      PROPERTY_RUNS,
    );
  });

  it("never report a violation for a key that is unknown during preview", () => {
    fc.assert(
      fc.property(
        arbitraryCase.map(({ input, rules }) => ({ input: { ...input, key: UNKNOWN }, rules })),
        ({ input, rules }) => {
          // A service-managed key type is a violation whatever the key says.
          if (keyApplicability(input).kind === "service-managed") return;
          for (const rule of rules) assert.notEqual(rule.evaluate(input).kind, "non-compliant", rule.id);
        },
      ),
      PROPERTY_RUNS,
    );
  });
});
