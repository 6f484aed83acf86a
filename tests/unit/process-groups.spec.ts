/**
 * No policy pack outlives the test (or the tool) that started it: the pack leads a process group of
 * its own, stopped with the client, and killed when the process that started it exits or is stopped
 * by a signal (what a test runner does to a test process that ran out of time).
 */
import { strict as assert } from "assert";
import type { ChildProcess } from "child_process";
import * as path from "path";
import { PackClient } from "../../cli/engine/pack-client";
import { groupAlive, killGroup, spawnGroup } from "../../cli/engine/process-group";
import { patient } from "../support/patience";

const ROOT = path.resolve(__dirname, "../..");

/** Waits (bounded) until the group `pid` led has no process left; false if some remain. */
async function groupEnds(pid: number, budgetMs = patient(10_000)): Promise<boolean> {
  for (const deadline = Date.now() + budgetMs; Date.now() < deadline;) {
    if (!groupAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !groupAlive(pid);
}

/**
 * A Node.js process standing for a test process: it starts a pack, prints the pack's pid, then
 * ends as `ending` says; resolves with the stand-in's process and the pack's pid.
 */
function standIn(ending: "exit" | "hang"): Promise<{ standIn: ChildProcess; packPid: number }> {
  const script = `
    const { PackClient } = require("./cli/engine/pack-client");
    PackClient.start().then((pack) => {
      process.stdout.write(pack.process.pid + "\\n");
      if (${JSON.stringify(ending)} === "exit") process.exit(0);
      setTimeout(() => process.exit(3), 120000); // bounded: the test stops it long before
    }, (error) => { console.error(error); process.exit(2); });`;
  const child = spawnGroup(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      out += text;
      const line = /^(\d+)\n/.exec(out);
      if (line) resolve({ standIn: child, packPid: Number(line[1]) });
    });
    child.once("exit", (code) => {
      if (!/^\d+\n/.test(out)) reject(new Error(`the stand-in exited with ${code} before starting a pack`));
    });
  });
}

describe("process groups: no policy pack outlives what started it", function () {
  this.timeout(patient(60_000));

  it("stops the pack's whole process group with the client", async () => {
    const pack = await PackClient.start();
    const pid = pack.process.pid!;
    assert.ok(groupAlive(pid), "the pack runs in a group it leads");
    await pack.stop();
    assert.ok(await groupEnds(pid), "the pack's group is gone after stop()");
  });

  it("kills the pack when the process that started it exits without stopping it", async () => {
    const { standIn: starter, packPid } = await standIn("exit");
    assert.ok(await groupEnds(starter.pid!), "the stand-in exited");
    assert.ok(await groupEnds(packPid), `the pack (pid ${packPid}) ended with it`);
  });

  it("kills the pack when the process that started it is stopped on a timeout (SIGTERM to its group)", async () => {
    const { standIn: starter, packPid } = await standIn("hang");
    assert.ok(groupAlive(packPid), "the pack runs while its starter waits");
    assert.ok(killGroup(starter, "SIGTERM"), "the stand-in's group was signalled");
    assert.ok(await groupEnds(starter.pid!), "the stand-in ended on SIGTERM");
    assert.ok(await groupEnds(packPid), `the pack (pid ${packPid}) ended with it`);
  });
});
