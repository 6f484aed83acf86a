/**
 * Load benchmark (`npm run bench:load`; not a test, it never fails on figures): one pack process,
 * started as the Pulumi CLI starts it, takes 50,000 Analyze calls and then repeated AnalyzeStack
 * calls of 20,000 resources (the deterministic workload of bench/workload.ts, at preview and at
 * up). After each phase it prints the pack's resident memory (VmRSS) and peak (VmHWM) from
 * /proc/<pid>/status, and the growth between the later phases: a flat line means no leak.
 */
import { readFileSync } from "fs";
import { PackClient } from "../cli/engine/pack-client";
import { formatBytes, formatMs, timed } from "./measure";
import { serializeAnalyze, serializeAnalyzeStack, WireClient } from "./wire";
import { generateStack, REALISTIC_MIX } from "./workload";

const ANALYZE_CALLS = 50_000;
/** Analyze rounds: the calls are sent in rounds of the same resources, memory read after each. */
const ANALYZE_ROUNDS = 5;
const STACK_SIZE = 20_000;
/** AnalyzeStack calls per phase (alternating preview and up stacks), and phases. */
const STACK_CALLS_PER_PHASE = 2;
const STACK_PHASES = 4;
const IN_FLIGHT = 8;

interface Memory {
  readonly rss: number;
  readonly hwm: number;
}

function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

function mib(bytes: number): string {
  return `${bytes >= 0 ? "+" : ""}${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const pack = await PackClient.start();
  await pack.initialise();
  const pid = pack.process.pid!;
  const wire = new WireClient(pack.port);
  const rows: { phase: string; ms: number; memory: Memory }[] = [];
  const record = (phase: string, ms: number) => {
    const m = memory(pid);
    rows.push({ phase, ms, memory: m });
    console.log(
      `${phase.padEnd(34)} ${formatMs(ms).padStart(9)}   RSS ${formatBytes(m.rss).padStart(8)}   peak ${formatBytes(m.hwm).padStart(8)}`,
    );
  };
  try {
    record("started and initialised", 0);
    // Analyze: a stack's worth of resources (workspaces, keys, aliases, unrelated), at preview and up.
    const perRound = ANALYZE_CALLS / ANALYZE_ROUNDS;
    const resources = [
      ...generateStack({ ...REALISTIC_MIX, size: perRound / 2, preview: true }),
      ...generateStack({
        ...REALISTIC_MIX,
        size: perRound / 2,
        preview: false,
        seed: REALISTIC_MIX.seed + 1,
      }),
    ];
    const analyzeRequests = serializeAnalyze(resources);
    for (let round = 1; round <= ANALYZE_ROUNDS; round++) {
      const { ms } = await timed(() => wire.analyzeAll(analyzeRequests, IN_FLIGHT));
      record(`Analyze x${(round * perRound).toLocaleString("en")}`, ms);
    }
    const stacks = [true, false].map((preview) =>
      serializeAnalyzeStack(generateStack({ ...REALISTIC_MIX, size: STACK_SIZE, preview })),
    );
    for (let phase = 1; phase <= STACK_PHASES; phase++) {
      const { ms } = await timed(async () => {
        for (let call = 0; call < STACK_CALLS_PER_PHASE; call++)
          await wire.analyzeStack(stacks[call % stacks.length]);
      });
      record(`AnalyzeStack ${STACK_SIZE.toLocaleString("en")} x${phase * STACK_CALLS_PER_PHASE}`, ms);
    }
    if (!pack.alive) throw new Error(`the pack exited: ${pack.stderr}`);

    // Growth once warm: the last Analyze rounds and the last AnalyzeStack phases.
    const analyzeRows = rows.slice(2, 1 + ANALYZE_ROUNDS);
    const stackRows = rows.slice(2 + ANALYZE_ROUNDS);
    console.log("");
    for (const [label, series] of [
      ["Analyze, rounds 2 to last", analyzeRows],
      ["AnalyzeStack, phases 2 to last", stackRows],
    ] as const) {
      const first = series[0].memory;
      const last = series[series.length - 1].memory;
      const steps = series.slice(1).map((row, i) => mib(row.memory.rss - series[i].memory.rss));
      console.log(
        `${label}: RSS ${mib(last.rss - first.rss)} in total (steps ${steps.join(", ")}); peak ${mib(last.hwm - first.hwm)}`,
      );
    }
  } finally {
    wire.close();
    await pack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
