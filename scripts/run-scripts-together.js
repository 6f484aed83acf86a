#!/usr/bin/env node
// Runs the named npm scripts of package.json at the same time, each through `sh -c` as npm would
// run it (without npm's own start-up per script), and prints each one's output in one piece when
// it ends, in the order named. Exits with the first failing script's code. `npm run build` uses it
// for the three independent builds and `npm test` for the type-check and the lints: each is
// single-threaded, and the machines have two cores.
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const root = path.join(__dirname, "..");
const { scripts } = require(path.join(root, "package.json"));
const names = process.argv.slice(2);
const unknown = names.filter((name) => typeof scripts[name] !== "string");
if (names.length === 0 || unknown.length > 0) {
  console.error(`run-scripts-together: no such npm script: ${unknown.join(", ") || "(none named)"}`);
  process.exit(2);
}

// npm puts node_modules/.bin first on PATH for a script; so does this.
const env = {
  ...process.env,
  PATH: `${path.join(root, "node_modules/.bin")}${path.delimiter}${process.env.PATH}`,
};

function run(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn("sh", ["-c", scripts[name]], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    const output = [];
    child.stdout.on("data", (chunk) => output.push(chunk));
    child.stderr.on("data", (chunk) => output.push(chunk));
    child.on("error", (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on("close", (code, signal) =>
      resolve({ name, code: code ?? 1, signal, output: Buffer.concat(output), ms: Date.now() - started }),
    );
  });
}

Promise.all(names.map(run)).then((results) => {
  for (const { name, code, signal, output, ms } of results) {
    process.stdout.write(`\n> ${name}: ${scripts[name]}\n`);
    process.stdout.write(output);
    const how = signal ? `killed by ${signal}` : code === 0 ? "passed" : `failed (exit ${code})`;
    process.stdout.write(`${name}: ${how} in ${(ms / 1000).toFixed(1)} s\n`);
  }
  const failed = results.find((result) => result.code !== 0);
  process.exit(failed ? failed.code : 0);
});
