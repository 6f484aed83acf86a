#!/usr/bin/env node
// `prepare`: runs the named npm script (`build`) unless its inputs are those of the last build
// and its outputs are all there. npm runs a package's `prepare` on `npm ci`, and again whenever it
// installs the folder as a dependency: `npx bedrock-cmk-guard` in a clone does that (npm installs
// the project into its npx cache, and runs `prepare` in the clone itself). Rebuilding there would
// rewrite dist/ under any CLI already running from it; with unchanged sources nothing is written.
"use strict";
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
/** What the builds read: the sources and configs of the pack, the CLI and the detection bundle, and the pinned dependencies. */
const INPUT_FOLDERS = ["policy-pack", "cli", "detection"];
const INPUT_FILES = [
  "package.json",
  "npm-shrinkwrap.json",
  "tsconfig.json",
  "scripts/run-scripts-together.js",
];
/** Skipped inside the input folders: what the builds write, and installed packages. */
const NOT_INPUTS = new Set(["policy-pack/bin", "node_modules"]);
/** What the builds write; all must exist for a build to count as done. */
const OUTPUTS = ["dist/cli/main.js", "dist/detection/index.js", "policy-pack/bin/index.js"];
/** The last build's inputs, kept out of the packed files (`npm ci` starts without it, so it builds). */
const STAMP = "node_modules/.cache/bedrock-cmk-guard/build-inputs";

function files(relative) {
  const entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
  return entries.flatMap((entry) => {
    const file = path.posix.join(relative, entry.name);
    if (NOT_INPUTS.has(file) || entry.name === "node_modules") return [];
    return entry.isDirectory() ? files(file) : [file];
  });
}

function main() {
  const [script] = process.argv.slice(2);
  const { scripts } = require(path.join(root, "package.json"));
  if (process.argv.length !== 3 || typeof scripts[script] !== "string") {
    console.error(`run-if-changed: usage: run-if-changed.js <npm script>; no script "${script ?? ""}"`);
    process.exit(2);
  }
  const hash = crypto.createHash("sha256").update(`${script}\0${scripts[script]}\0`);
  for (const file of [...INPUT_FILES, ...INPUT_FOLDERS.flatMap(files)].sort()) {
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(root, file)))
      .update("\0");
  }
  const inputs = hash.digest("hex");
  const stamp = path.join(root, STAMP);
  const built = fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === inputs;
  if (built && OUTPUTS.every((file) => fs.existsSync(path.join(root, file)))) {
    console.log(`${script}: up to date (same sources as the last build)`);
    process.exit(0);
  }
  // npm puts node_modules/.bin first on PATH for a script; so does this.
  const env = {
    ...process.env,
    PATH: `${path.join(root, "node_modules/.bin")}${path.delimiter}${process.env.PATH}`,
  };
  const result = spawnSync("sh", ["-c", scripts[script]], { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, inputs);
}

module.exports = { OUTPUTS };
if (require.main === module) main();
