/**
 * The built CLI as a user's shell starts it.
 *
 * In a clone, `npx bedrock-cmk-guard` runs the root package's own bin file through the shell, with
 * no install step to mark it executable (npm does that only for installed packages): the build
 * must. A CI run once failed every documented `npx` command with "Permission denied" for it.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
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

  describe("hands Node.js's compile cache to the program and pack processes it starts", () => {
    const cacheSeenBy = (env: Record<string, string>) => {
      const environment: NodeJS.ProcessEnv = { ...process.env, ...env };
      delete environment.NODE_COMPILE_CACHE;
      delete environment.NODE_DISABLE_COMPILE_CACHE;
      Object.assign(environment, env);
      // What a child of the CLI inherits: the environment once main.js's first import has run.
      const script = `require(${JSON.stringify(path.join(ROOT, "dist/cli/engine/compile-cache.js"))});
        process.stdout.write(String(process.env.NODE_COMPILE_CACHE))`;
      return execFileSync(process.execPath, ["-e", script], { env: environment, encoding: "utf8" });
    };

    it("the default folder, when the user set none", function () {
      const major = Number(process.versions.node.split(".")[0]);
      if (major < 22) this.skip(); // enableCompileCache came with Node.js 22.1
      assert.match(cacheSeenBy({}), /node-compile-cache$/);
    });

    it("the user's own folder, or none when the user disabled it", () => {
      assert.equal(cacheSeenBy({ NODE_COMPILE_CACHE: "/somewhere/else" }), "/somewhere/else");
      assert.equal(cacheSeenBy({ NODE_DISABLE_COMPILE_CACHE: "1" }), "undefined");
    });
  });
});
