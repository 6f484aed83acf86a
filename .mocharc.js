// Mocha's settings. The default timeout, 60 s on an idle machine, stretches with the machine's
// load (tests/support/patience.js): setup that starts processes must not fail on a busy machine.
// `npm test` runs the whole suite with .mocharc.suite.js (these settings, the files in order);
// `npx mocha FILE` runs one file with these.
"use strict";
const os = require("os");
const path = require("path");
const { patient } = require("./tests/support/patience");

// Node.js's compile cache for the test processes and for every pack and program they start, which
// inherit it from this environment: as the CLI does for its children (cli/engine/compile-cache.ts),
// since each of them loads Pulumi's runtime anew. A NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE
// of the caller's decides instead.
if (process.env.NODE_COMPILE_CACHE === undefined && process.env.NODE_DISABLE_COMPILE_CACHE === undefined)
  process.env.NODE_COMPILE_CACHE = path.join(os.tmpdir(), "node-compile-cache");

module.exports = {
  require: ["ts-node/register/transpile-only", "./tests/support/no-aws-credentials.js"],
  extension: ["ts"],
  reporter: "tests/support/summary-reporter.js",
  parallel: true,
  jobs: 3,
  timeout: patient(60_000),
  slow: 2000,
};
