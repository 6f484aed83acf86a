// The whole suite, as `npm test` runs it: .mocharc.js's settings and every spec file, the slowest
// first (a separate file so that `npx mocha FILE` runs only FILE: Mocha adds a config's `spec` to
// the files named on the command line).
"use strict";
const fs = require("fs");
const path = require("path");

/**
 * The spec files that take longest (measured: each starts many packs, programs or CLI runs), run
 * first. Mocha's parallel runner hands files to its workers in list order, so a long file started
 * last would run alone at the end while the other workers sit idle (longest-first scheduling).
 */
const SLOWEST_FIRST = [
  "tests/docs/docs-commands.spec.ts",
  "tests/adopt/install-outside.spec.ts",
  "tests/corpus/corpus.spec.ts",
  "tests/sample-stack/sample-stack.spec.ts",
  "tests/audit/audit-faults.spec.ts",
  "tests/audit/audit.spec.ts",
  "tests/cli/check.spec.ts",
  "tests/cli/preview-programs.spec.ts",
  "tests/cli/preview.spec.ts",
  "tests/fuzz/secrets.spec.ts",
  "tests/parity/front-ends.spec.ts",
  "tests/unit/process-groups.spec.ts",
];

/** Every `*.spec.ts` under tests/ (relative to this folder), in path order. */
function specFiles(dir) {
  return fs
    .readdirSync(path.join(__dirname, dir), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const file = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "fixtures" ? [] : specFiles(file);
      return entry.name.endsWith(".spec.ts") ? [file] : [];
    });
}

const all = specFiles("tests");
const missing = SLOWEST_FIRST.filter((file) => !all.includes(file));
if (missing.length > 0)
  throw new Error(`.mocharc.js: SLOWEST_FIRST names missing files: ${missing.join(", ")}`);

module.exports = {
  ...require("./.mocharc.js"),
  spec: [...SLOWEST_FIRST, ...all.filter((file) => !SLOWEST_FIRST.includes(file))].map((file) =>
    path.join(__dirname, file),
  ),
};
