/**
 * In a clone, `npx bedrock-cmk-guard` runs the root package's own bin file through the shell, with
 * no install step to mark it executable (npm does that only for installed packages): the build
 * must. A CI run once failed every documented `npx` command with "Permission denied" for it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../cli/run-cli";

describe("the built CLI", () => {
  it("is executable by its owner, group and others, with a node shebang", () => {
    const bin = (
      JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> }
    ).bin["bedrock-cmk-guard"];
    const file = path.join(ROOT, bin);
    assert.equal(
      fs.statSync(file).mode & 0o111,
      0o111,
      `${bin} is not executable: npm run build:cli sets it`,
    );
    assert.match(fs.readFileSync(file, "utf8").split("\n")[0], /^#!\/usr\/bin\/env node$/);
  });
});
