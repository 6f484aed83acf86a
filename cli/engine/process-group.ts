/**
 * Child processes this tool starts (policy packs, programs) each lead a process group of their own,
 * so that stopping one stops whatever it started too, and none outlives this process: every live
 * group is killed when this process exits, and on SIGINT, SIGTERM or SIGHUP before the signal takes
 * its usual course (a detached child no longer receives the terminal's Ctrl-C itself).
 * Windows has no process groups: there the child alone is started and killed.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "child_process";

const GROUPS = process.platform !== "win32";
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const live = new Set<ChildProcess>();

/** `spawn`, with the child leading a new process group that this process kills at its exit. */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: GROUPS });
  if (child.pid === undefined) return child; // failed to start: its `error` event says why
  if (live.size === 0) watchExit();
  live.add(child);
  child.once("exit", () => {
    live.delete(child);
    if (live.size === 0) unwatchExit();
  });
  return child;
}

/** Sends `signal` to the child's whole process group (its descendants included); false if gone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): boolean {
  if (child.pid === undefined) return false;
  try {
    if (GROUPS) process.kill(-child.pid, signal);
    else child.kill(signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** Whether any process of the group that `pid` led is still running. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(GROUPS ? -pid : pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

function killAll(): void {
  for (const child of live) killGroup(child, "SIGKILL");
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  unwatchExit();
  // A program with listeners of its own has handled the signal already; otherwise, with ours gone,
  // raising it again lets it take its default course (the process ends as it would have).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchExit(): void {
  process.on("exit", killAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function unwatchExit(): void {
  process.off("exit", killAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
