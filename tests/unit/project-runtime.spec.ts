/**
 * How a project's Pulumi.yaml tells the language host to run it (cli/sources/stack-config.ts readProject):
 * entry point and `runtime.options`, and how `nodeargs` are split into `node` arguments.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { splitArguments } from "../../cli/engine/run-program";
import { readProject } from "../../cli/sources/stack-config";

describe("a project's runtime, as the Node.js language host reads it", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "project-runtime-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const project = (yaml: string) => {
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml);
    return readProject(dir);
  };

  it("defaults to TypeScript through ts-node, the folder as program and `.` as entry point", () => {
    const read = project("name: p\nruntime: nodejs\n");
    assert.deepEqual(read.runtimeOptions, { typescript: true, nodeargs: "", tsconfig: undefined });
    assert.equal(read.programDir, dir);
    assert.equal(read.entryPoint, ".");
  });

  it("reads typescript, nodeargs and tsconfig from runtime.options", () => {
    const read = project(
      "name: p\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n" +
        "    nodeargs: --max-old-space-size=4096 --no-warnings\n    tsconfig: tsconfig.build.json\n",
    );
    assert.deepEqual(read.runtimeOptions, {
      typescript: false,
      nodeargs: "--max-old-space-size=4096 --no-warnings",
      tsconfig: "tsconfig.build.json",
    });
  });

  it("runs a `main:` file from its folder", () => {
    fs.mkdirSync(path.join(dir, "src"));
    fs.writeFileSync(path.join(dir, "src", "app.ts"), "");
    const read = project("name: p\nruntime: nodejs\nmain: src/app.ts\n");
    assert.equal(read.programDir, path.join(dir, "src"));
    assert.equal(read.entryPoint, "app.ts");
  });

  it("rejects other runtimes and mistyped options with a message naming them", () => {
    assert.throws(() => project("name: p\nruntime: python\n"), /runtime "python" is not supported/);
    assert.throws(
      () => project("name: p\nruntime:\n  name: nodejs\n  options:\n    typescript: 'no'\n"),
      /runtime\.options\.typescript must be a boolean/,
    );
  });

  it("splits nodeargs as a shell would", () => {
    assert.deepEqual(splitArguments(""), []);
    assert.deepEqual(splitArguments(`--a  --b="x y" 'c d' e\\ f`), ["--a", "--b=x y", "c d", "e f"]);
  });
});
