// Time budgets that stretch with the machine's load: a budget that fits an idle machine is
// multiplied by the run queue per core (1-minute load average / cores, at least 1), so a busy 2-core
// machine (load 15-20) gives a process start the time it needs there instead of failing a setup
// hook. Budgets stay finite: a hung process still fails its test, and its process group is killed.
// Plain JavaScript so that .mocharc.js, loaded before ts-node, shares it (types: patience.d.ts).
"use strict";
const os = require("os");

/** How many times slower than idle this machine runs now (1 when idle). */
function loadFactor() {
  return Math.max(1, os.loadavg()[0] / Math.max(1, os.cpus().length));
}

/** `idleMs` (a budget that fits an idle machine) stretched by the current load. */
function patient(idleMs) {
  return Math.round(idleMs * loadFactor());
}

module.exports = { loadFactor, patient };
