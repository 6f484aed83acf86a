/**
 * Small statistics and process facts for the benchmarks. Figures are medians of alternating runs:
 * on a shared 2-core machine a single run says little, a ratio of medians is stable.
 */
import { readFileSync } from "fs";

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds elapsed while `work` runs. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/**
 * A process's peak resident memory in bytes (VmHWM in /proc/<pid>/status, Linux only);
 * undefined where /proc is not available.
 */
export function peakRss(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Kernel clock ticks per second for /proc times (USER_HZ, 100 on every mainstream Linux). */
const USER_HZ = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; undefined where
 * /proc is not available. Unlike wall time it hardly moves when other work shares the machine.
 */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

export type Goal = { readonly kind: "at most" | "at least"; readonly ratio: number };

/** "PASS" when a ratio meets its goal, else "MISS" (informational: the bench never fails). */
export function verdict(ratio: number, goal: Goal): "PASS" | "MISS" {
  const met = goal.kind === "at most" ? ratio <= goal.ratio : ratio >= goal.ratio;
  return met ? "PASS" : "MISS";
}

export function formatGoal(goal: Goal): string {
  return `${goal.kind === "at most" ? "<=" : ">="} ${goal.ratio.toFixed(2)}x`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function formatBytes(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}
