import { strict as assert } from "assert";
import { cpuMs, median, peakRss, verdict } from "../../bench/measure";

describe("bench measurements", () => {
  it("takes the median of odd and even counts, whatever the order", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5]), 5);
    assert.throws(() => median([]));
  });

  it("judges a ratio against an upper or a lower goal", () => {
    assert.equal(verdict(1.15, { kind: "at most", ratio: 1.15 }), "PASS");
    assert.equal(verdict(1.16, { kind: "at most", ratio: 1.15 }), "MISS");
    assert.equal(verdict(0.9, { kind: "at least", ratio: 0.9 }), "PASS");
    assert.equal(verdict(0.89, { kind: "at least", ratio: 0.9 }), "MISS");
  });

  it("reads a live process's peak memory, and nothing for a process that does not exist", function () {
    if (process.platform !== "linux") this.skip();
    const peak = peakRss(process.pid);
    assert.ok(peak !== undefined && peak >= process.memoryUsage().rss / 2, String(peak));
    assert.equal(peakRss(2 ** 30), undefined);
  });

  it("reads a live process's CPU time, which grows with work", function () {
    if (process.platform !== "linux") this.skip();
    const before = cpuMs(process.pid)!;
    // Work until Node's own clock has counted 60 ms of CPU (not 60 ms of wall time, which a busy
    // machine may not turn into CPU time), bounded by 10 s of wall time.
    const start = process.cpuUsage();
    const deadline = Date.now() + 10_000;
    while (process.cpuUsage(start).user < 60_000 && Date.now() < deadline); // busy
    assert.ok(cpuMs(process.pid)! >= before + 30, `${before} -> ${cpuMs(process.pid)}`);
    assert.equal(cpuMs(2 ** 30), undefined);
  });
});
