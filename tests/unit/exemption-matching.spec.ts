/**
 * Exemption patterns: which are accepted (each names one exact resource name) and how fast they
 * match. The matcher counts its character comparisons, so the linear bound is asserted without
 * timing; the time itself is printed for the record.
 */
import { strict as assert } from "assert";
import { globMatches, matchesResource, patternProblem } from "../../policy-pack/settings/exemptions";

/** The backtracking-prone shape of the review: many `*` around literals that almost match. */
function adversarialGlob(stars: number): string {
  return "*ab".repeat(stars) + "*";
}

describe("exemption patterns", () => {
  it("accepts exact names and URNs with an exact name part, and nothing broader", () => {
    for (const accepted of [
      "legacy-studio",
      "urn:pulumi:prod::billing::aws:datazone/domain:Domain::legacy-studio",
      "urn:pulumi:*::billing::aws:datazone/domain:Domain::legacy-studio",
      "urn:pulumi:*::*::*::legacy-studio",
    ])
      assert.equal(patternProblem(accepted), undefined, accepted);
    for (const refused of [
      "*",
      "**",
      "urn:*",
      "urn:pulumi:*",
      "legacy-studio*",
      "*studio",
      "urn:pulumi:*::*::*::*",
      "urn:pulumi:*::*::*::legacy-*",
      "urn:pulumi:*::legacy-studio",
      "urn:aws:*::*::*::x",
    ])
      assert.notEqual(patternProblem(refused), undefined, refused);
  });

  it("keeps a URN's * within its own part", () => {
    const resource = { urn: "urn:pulumi:dev::p::aws:datazone/domain:Domain::a::b", name: "a::b" };
    assert.ok(matchesResource({ resource: "urn:pulumi:*::*::*::a::b" }, resource));
    assert.ok(!matchesResource({ resource: "urn:pulumi:*::*::*::b" }, resource));
    assert.ok(!matchesResource({ resource: "urn:pulumi:*::*::a::b" }, resource));
  });

  it("matches * globs like a reference matcher", () => {
    const cases: [string, string, boolean][] = [
      ["a*b", "ab", true],
      ["a*b", "axxb", true],
      ["a*b", "axxbc", false],
      ["*", "", true],
      ["a*a", "a", false],
      ["*ab*ab*", "xabyab", true],
      ["*ab*ab*", "xaab", false],
      ["*aab*", "aaab", true],
      ["", "", true],
      ["x", "x", true],
    ];
    for (const [glob, text, expected] of cases) {
      const reference = new RegExp(`^${glob.split("*").join(".*")}$`, "s").test(text);
      assert.equal(reference, expected, `reference ${glob} ${text}`);
      assert.equal(globMatches(glob, text), expected, `${glob} against ${text}`);
    }
  });

  it("answers a 10,000-character name against a pattern of 2,000 * in linear steps", () => {
    const texts: [string, boolean][] = [1_600, 3_200, 10_000].flatMap((length): [string, boolean][] => [
      ["a".repeat(length), false],
      ["aaaab".repeat(length / 5), length / 5 >= 2_000],
    ]);
    for (const [text, expected] of texts) {
      const length = text.length;
      const glob = adversarialGlob(2_000);
      const counter = { steps: 0 };
      const started = process.hrtime.bigint();
      assert.equal(globMatches(glob, text, counter), expected);
      const micros = Number(process.hrtime.bigint() - started) / 1000;
      assert.ok(
        counter.steps <= 4 * (text.length + glob.length),
        `${counter.steps} steps for ${text.length} + ${glob.length} characters`,
      );
      console.log(
        `      ${length}-character name, 2,001 *: ${expected}, ${counter.steps} steps, ${micros.toFixed(0)} µs`,
      );
    }
  });
});
