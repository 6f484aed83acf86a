// Mocha's settings. The default timeout, 60 s on an idle machine, stretches with the machine's
// load (tests/support/patience.js): setup that starts processes must not fail on a busy machine.
// `npm test` runs the whole suite with .mocharc.suite.js (these settings, the files in order);
// `npx mocha FILE` runs one file with these.
"use strict";
const { patient } = require("./tests/support/patience");

module.exports = {
  require: ["ts-node/register/transpile-only", "./tests/support/no-aws-credentials.js"],
  extension: ["ts"],
  reporter: "tests/support/summary-reporter.js",
  parallel: true,
  jobs: 3,
  timeout: patient(60_000),
  slow: 2000,
};
