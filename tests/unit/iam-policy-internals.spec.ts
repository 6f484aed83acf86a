import { strict as assert } from "assert";
import * as path from "path";
import {
  iamPolicyUtilsModules,
  PATCHED_IAM_POLICY_VERSION,
  shareCaseInsensitiveCollator,
} from "../../policy-pack/key-policy/iam-policy-internals";

/** Pairs that equal, differ only in case, differ in accents, or differ in length. */
const PAIRS: readonly [string, string][] = [
  ["IfExists", "IfExists"],
  ["ifexists", "IfExists"],
  ["IFEXISTS", "IfExists"],
  ["ForAnyValue", "foranyvalue"],
  ["ForAllValues", "ForAnyValue"],
  ["IfExísts", "IfExists"],
  ["Straße", "STRASSE"],
  ["", ""],
  ["", "IfExists"],
  ["StringEquals", "StringEqualsIfExists"],
];

describe("@cloud-copilot/iam-policy internals the key policy evaluator patches", () => {
  it(`are those of the version the patch was written against (${PATCHED_IAM_POLICY_VERSION})`, () => {
    const entry = require.resolve("@cloud-copilot/iam-policy");
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed package's manifest
    const manifest = require(path.join(path.dirname(entry), "..", "..", "package.json"));
    assert.equal(manifest.version, PATCHED_IAM_POLICY_VERSION);
  });

  it("compare exactly as localeCompare with the library's options does, once the collator is shared", () => {
    const reference = (a: string, b: string) =>
      a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;
    shareCaseInsensitiveCollator();
    const modules = iamPolicyUtilsModules();
    assert.ok(modules.length > 0);
    for (const utils of modules) {
      assert.doesNotMatch(
        String(utils.caseInsensitiveEquals),
        /localeCompare/,
        "the shared collator is in place",
      );
      for (const [a, b] of PAIRS) {
        assert.equal(utils.caseInsensitiveEquals(a, b), reference(a, b), `${a} = ${b}`);
        // The library's own definition of "ends with", on the original comparison.
        const value = `StringEquals${a}`;
        assert.equal(
          utils.caseInsensitiveEndsWith(value, b),
          reference(value.slice(b.length * -1), b),
          `${value} ends with ${b}`,
        );
      }
    }
  });
});
