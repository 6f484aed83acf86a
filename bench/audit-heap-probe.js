// Loaded into the audited CLI by bench/audit.ts only (`node --expose-gc --require ...`): when the
// process exits, it collects garbage and writes the heap still in use (what the run retained) to
// the file named by BENCH_HEAP_FILE, with the CPU time the process used.
"use strict";
process.on("exit", () => {
  if (typeof global.gc === "function") global.gc();
  const { heapUsed } = process.memoryUsage();
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  const cpuMs = (userCPUTime + systemCPUTime) / 1000;
  require("fs").writeFileSync(process.env.BENCH_HEAP_FILE, JSON.stringify({ heapUsed, cpuMs }));
});
