import { strict as assert } from "assert";
import fc from "fast-check";
import { familyOf, GUARDED_TYPES } from "../../policy-pack/catalog";
import { classifyKeyReference } from "../../policy-pack/key-reference";
import { keyReferenceRules } from "../../policy-pack/rules";
import { keyReferenceInput } from "../../policy-pack/rules/key-reference-input";
import { UNKNOWN } from "../../policy-pack/values";
import { anyWireValue, PROPERTY_RUNS } from "./arbitraries";

const OUTCOMES = new Set(["compliant", "non-compliant", "not-applicable", "undetermined"]);

/** Puts a value at a (possibly nested) property path. */
function propsWith(
  path: readonly string[],
  value: unknown,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const props: Record<string, unknown> = { ...extra };
  let cursor = props;
  path.forEach((segment, index) => {
    if (index === path.length - 1) cursor[segment] = value;
    else cursor = (cursor[segment] = {}) as Record<string, unknown>;
  });
  return props;
}

describe("property: key-reference rules over arbitrary wire values", function () {
  this.timeout(120_000);

  // One draw picks the resource type too, so each rule meets every guarded type within one run.
  const arbitraryCase = fc
    .record({
      type: fc.constantFrom(...GUARDED_TYPES),
      key: anyWireValue,
      region: anyWireValue,
      providerRegion: anyWireValue,
      stackRegion: anyWireValue,
    })
    .map(({ type, key, region, providerRegion, stackRegion }) => {
      const family = familyOf(type.token)!;
      const input = keyReferenceInput(
        family,
        type,
        propsWith(type.keyProperty, key, { region }),
        { region: providerRegion },
        { [`${type.provider}:region`]: stackRegion },
      );
      return { input, rules: keyReferenceRules(family) };
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

  it("never pass a present key that is not a well-formed key ARN", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ input, rules }) => {
        const form = classifyKeyReference(input.key).form;
        if (form === "key-arn" || form === "unknown") return;
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
          for (const rule of rules) assert.notEqual(rule.evaluate(input).kind, "non-compliant", rule.id);
        },
      ),
      PROPERTY_RUNS,
    );
  });
});
