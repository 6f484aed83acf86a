import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { KMS_ALIAS_TYPES, KMS_KEY_TYPES } from "../../policy-pack/catalog/kms-types";
import { moduleOf } from "../catalog/provider-typings";

/** The catalog typings test checks aws-native Args; the outputs the pack reads are class properties. */
describe("KMS catalog: aws-native outputs the pack reads", () => {
  for (const type of [...KMS_KEY_TYPES, ...KMS_ALIAS_TYPES].filter((t) => t.provider === "aws-native")) {
    for (const output of type.outputProperties) {
      it(`${type.token} has output \`${output}\``, () => {
        const dir = path.dirname(require.resolve("@pulumi/aws-native/package.json"));
        const text = fs.readFileSync(path.join(dir, `${moduleOf({ ...type, argsType: "" })}.d.ts`), "utf8");
        assert.match(text, new RegExp(`readonly ${output}: pulumi\\.Output<`));
      });
    }
  }

  it("can fail: a misspelt output is not found", () => {
    const dir = path.dirname(require.resolve("@pulumi/aws-native/package.json"));
    const text = fs.readFileSync(path.join(dir, "kms/key.d.ts"), "utf8");
    assert.doesNotMatch(text, /readonly keyArn: pulumi\.Output</);
  });
});
