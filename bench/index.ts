/**
 * `npm run bench`: the pack against the floor (an empty @pulumi/policy pack in plain JavaScript),
 * both started exactly as the Pulumi CLI starts a pack, in alternating runs on identical input.
 * Prints medians, ratios and PASS/MISS against the speed goals. Informational: always exits 0
 * unless a pack cannot be started or answers wrongly (then the figures would mean nothing).
 *
 * A reduced run while iterating (the full plan takes minutes):
 *   BENCH_SIZES=10000,20000 BENCH_RUNS=1 npm run bench
 * BENCH_SIZES: the AnalyzeStack sizes, ascending (the growth is the first two; default 10000,20000,40000).
 * BENCH_RUNS: runs per pack of every measurement (start, Analyze, AnalyzeStack) instead of the plan's.
 */
import * as os from "os";
import { LAUNCHER, PACK_DIR, PackClient } from "../cli/engine/pack-client";
import { createFloorPack, FLOOR_PACK_NAME } from "./floor";
import {
  cpuMs,
  formatBytes,
  formatGoal,
  formatMs,
  median,
  peakRss,
  timed,
  verdict,
  type Goal,
} from "./measure";
import { WireClient, serializeAnalyze, serializeAnalyzeStack } from "./wire";
import { measureKeyPolicyCost } from "./key-policy-cost";
import { ALL_BEDROCK, generateStack, REALISTIC_MIX, typeCounts, type StackShape } from "./workload";

/** A positive integer list from the environment (BENCH_SIZES=10000,20000), else `fallback`. */
function envNumbers(name: string, fallback: readonly number[]): readonly number[] {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return fallback;
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${name} must be positive integers separated by commas, not '${text}'`);
  return values;
}

const envRuns = envNumbers("BENCH_RUNS", [])[0];

/** Bounded so that the whole run takes about 5-6 minutes on 2 cores. */
const PLAN = {
  startRuns: envRuns ?? 9,
  analyzeResources: 3000,
  analyzeRuns: envRuns ?? 3,
  /** Outstanding Analyze calls, as the engine analyzes the resources of parallel steps. */
  analyzeInFlight: 8,
  /** The growth goal is on the first two; the largest shows the trend beyond them. */
  stackSizes: envNumbers("BENCH_SIZES", [10_000, 20_000, 40_000]),
  stackRuns: envRuns ?? 3,
};
if (PLAN.stackSizes.length < 2 || PLAN.stackSizes.some((size, i) => i > 0 && size <= PLAN.stackSizes[i - 1]))
  throw new Error(
    "BENCH_SIZES needs at least two sizes, ascending (the growth is measured between the first two)",
  );

const GOALS = {
  start: { kind: "at most", ratio: 1.15 },
  analyzeThroughput: { kind: "at least", ratio: 0.9 },
  analyzeStackGrowth: { kind: "at most", ratio: 2.2 },
} satisfies Record<string, Goal>;

/** The stack shapes AnalyzeStack is measured on, each with its goal at the smaller size. */
const STACKS: readonly {
  readonly label: string;
  readonly shape: Omit<StackShape, "size" | "preview">;
  readonly goal: Goal;
}[] = [
  { label: "realistic mix", shape: REALISTIC_MIX, goal: { kind: "at most", ratio: 1.5 } },
  { label: "all-Bedrock", shape: ALL_BEDROCK, goal: { kind: "at most", ratio: 2 } },
];

type Subject = "pack" | "floor";

interface Started {
  readonly client: PackClient;
  readonly wire: WireClient;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Both orders in turn, so neither pack always runs on a cooler (or hotter) machine. */
function alternate(run: number): Subject[] {
  return run % 2 === 0 ? ["pack", "floor"] : ["floor", "pack"];
}

async function startAndIdentify(dir: string): Promise<{ name: string; policies: number }> {
  const client = await PackClient.start({ packDir: dir });
  try {
    const info = await client.initialise();
    return { name: info.getName(), policies: info.getPoliciesList().length };
  } finally {
    await client.stop();
  }
}

/** Wall and CPU milliseconds of each run, per pack. */
interface Samples {
  readonly wall: Record<Subject, number[]>;
  readonly cpu: Record<Subject, number[]>;
}

function samples(): Samples {
  return { wall: { pack: [], floor: [] }, cpu: { pack: [], floor: [] } };
}

/** Medians of the pack's and the floor's samples, and their ratios. */
interface Compared {
  readonly wall: Record<Subject, number>;
  readonly wallRatio: number;
  readonly cpuRatio: number | undefined;
}

function compare(s: Samples): Compared {
  const wall = { pack: median(s.wall.pack), floor: median(s.wall.floor) };
  const cpuRatio =
    s.cpu.pack.length > 0 && s.cpu.floor.length > 0 ? median(s.cpu.pack) / median(s.cpu.floor) : undefined;
  return { wall, wallRatio: wall.pack / wall.floor, cpuRatio };
}

/** Runs `work` on a pack process, recording its wall time and the CPU time the process spent. */
async function sample<T>(
  into: Samples,
  subject: Subject,
  pid: () => number,
  work: () => Promise<T>,
): Promise<T> {
  const before = cpuMs(pid()) ?? 0;
  const { ms, result } = await timed(work);
  into.wall[subject].push(ms);
  const after = cpuMs(pid());
  if (after !== undefined) into.cpu[subject].push(after - before);
  return result;
}

/** Every run's wall (CPU) time, for the log. */
function describe(s: Samples): string {
  const runs = (subject: Subject) =>
    s.wall[subject].map((ms, i) => `${formatMs(ms)} (${formatMs(s.cpu[subject][i] ?? NaN)})`).join(", ");
  return `pack ${runs("pack")}; floor ${runs("floor")}`;
}

async function measureStart(dirs: Record<Subject, string>): Promise<Samples> {
  const start = samples();
  for (let run = 0; run < PLAN.startRuns; run++) {
    for (const subject of alternate(run)) {
      const { ms, result: client } = await timed(() => PackClient.start({ packDir: dirs[subject] }));
      // The CPU the process used up to its port: it idles once it listens.
      const cpu = cpuMs(client.process.pid!);
      await client.stop();
      start.wall[subject].push(ms);
      if (cpu !== undefined) start.cpu[subject].push(cpu);
    }
  }
  return start;
}

async function startForLoad(dir: string): Promise<Started> {
  const client = await PackClient.start({ packDir: dir });
  await client.initialise();
  return { client, wire: new WireClient(client.port) };
}

/** Figures by `<stack label> <size>`. */
interface LoadFigures {
  readonly analyze: Compared;
  readonly analyzeDiagnostics: Record<Subject, number>;
  readonly stack: Record<string, Compared>;
  readonly stackDiagnostics: Record<string, Record<Subject, number>>;
  readonly peakRss: Record<Subject, number | undefined>;
  readonly stackMix: Record<string, Map<string, number>>;
}

const stackKey = (label: string, size: number) => `${label} ${size}`;

async function measureLoad(dirs: Record<Subject, string>): Promise<LoadFigures> {
  const analyzeWorkload = generateStack({ ...REALISTIC_MIX, size: PLAN.analyzeResources, preview: true });
  const analyzeRequests = serializeAnalyze(analyzeWorkload);
  const packs = {
    pack: await startForLoad(dirs.pack),
    floor: await startForLoad(dirs.floor),
  };
  try {
    const pidOf = (subject: Subject) => () => packs[subject].client.process.pid!;
    const analyzeSamples = samples();
    const analyzeDiagnostics = { pack: 0, floor: 0 };
    for (const subject of ["pack", "floor"] as const) {
      await packs[subject].wire.analyzeAll(analyzeRequests, PLAN.analyzeInFlight); // warm-up
    }
    for (let run = 0; run < PLAN.analyzeRuns; run++) {
      for (const subject of alternate(run)) {
        analyzeDiagnostics[subject] = await sample(analyzeSamples, subject, pidOf(subject), () =>
          packs[subject].wire.analyzeAll(analyzeRequests, PLAN.analyzeInFlight),
        );
      }
    }
    log(`  Analyze: ${describe(analyzeSamples)}`);

    const stackFigures: Record<string, Compared> = {};
    const stackDiagnostics: Record<string, Record<Subject, number>> = {};
    const stackMix: Record<string, Map<string, number>> = {};
    for (const { label, shape } of STACKS) {
      for (const size of PLAN.stackSizes) {
        // `pulumi up`: every value known, keys traced by ARN and id as well as through dependencies.
        const stack = generateStack({ ...shape, size, preview: false });
        stackMix[label] = typeCounts(stack);
        const request = serializeAnalyzeStack(stack);
        const times = samples();
        const diagnostics = { pack: 0, floor: 0 };
        if (size === PLAN.stackSizes[0]) {
          for (const subject of ["pack", "floor"] as const) await packs[subject].wire.analyzeStack(request); // warm-up
        }
        for (let run = 0; run < PLAN.stackRuns; run++) {
          for (const subject of alternate(run)) {
            const response = await sample(times, subject, pidOf(subject), () =>
              packs[subject].wire.analyzeStack(request),
            );
            diagnostics[subject] = response.getDiagnosticsList().length;
          }
        }
        log(`  AnalyzeStack ${label} ${size}: ${describe(times)}`);
        stackFigures[stackKey(label, size)] = compare(times);
        stackDiagnostics[stackKey(label, size)] = diagnostics;
      }
    }
    return {
      analyze: compare(analyzeSamples),
      analyzeDiagnostics,
      stack: stackFigures,
      stackDiagnostics,
      peakRss: {
        pack: peakRss(packs.pack.client.process.pid!),
        floor: peakRss(packs.floor.client.process.pid!),
      },
      stackMix,
    };
  } finally {
    for (const { client, wire } of Object.values(packs)) {
      wire.close();
      await client.stop();
    }
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function ratio(value: number | undefined): string {
  return value === undefined ? "n/a" : `${value.toFixed(2)}x`;
}

/** A row judged on the wall-time ratio (what a user waits for); the CPU ratio tells noise from cost. */
function ratioRow(metric: string, pack: string, floor: string, figures: Compared, goal?: Goal): string[] {
  return [
    metric,
    pack,
    floor,
    ratio(figures.wallRatio),
    ratio(figures.cpuRatio),
    goal ? formatGoal(goal) : "",
    goal ? verdict(figures.wallRatio, goal) : "",
  ];
}

async function main(): Promise<void> {
  const floor = createFloorPack();
  const dirs: Record<Subject, string> = { pack: PACK_DIR, floor: floor.dir };
  try {
    log(`launcher: ${LAUNCHER}`);
    const packInfo = await startAndIdentify(dirs.pack);
    const floorInfo = await startAndIdentify(dirs.floor);
    if (floorInfo.name !== FLOOR_PACK_NAME || floorInfo.policies !== 0) {
      throw new Error(`the floor pack answered as ${JSON.stringify(floorInfo)}, not as an empty pack`);
    }
    log(
      `pack: ${packInfo.name} (${packInfo.policies} policies, ${dirs.pack}); floor: ${floorInfo.name} (${dirs.floor})`,
    );

    log(`start: ${PLAN.startRuns} runs each, alternating...`);
    const startTimes = await measureStart(dirs);
    log(`  ${describe(startTimes)}`);
    log(
      `load: Analyze x ${PLAN.analyzeResources} (${PLAN.analyzeRuns} runs), AnalyzeStack at ${PLAN.stackSizes.join(" and ")} (${PLAN.stackRuns} runs)...`,
    );
    const load = await measureLoad(dirs);

    log("key policy evaluator: load time and cost per policy...");
    const keyPolicyCost = measureKeyPolicyCost();

    const start = compare(startTimes);
    const [small, large] = PLAN.stackSizes;
    const rate = (ms: number) => `${Math.round((PLAN.analyzeResources * 1000) / ms)}/s`;
    // Throughput is the inverse of time: the pack's throughput relative to the floor's.
    const throughput: Compared = {
      ...load.analyze,
      wallRatio: 1 / load.analyze.wallRatio,
      cpuRatio: load.analyze.cpuRatio === undefined ? undefined : 1 / load.analyze.cpuRatio,
    };

    const rows = [
      ["metric (median)", "pack", "floor", "ratio", "CPU ratio", "goal", ""],
      ratioRow(
        "start, spawn to port",
        formatMs(start.wall.pack),
        formatMs(start.wall.floor),
        start,
        GOALS.start,
      ),
      ratioRow(
        `Analyze throughput, ${PLAN.analyzeResources} resources`,
        rate(load.analyze.wall.pack),
        rate(load.analyze.wall.floor),
        throughput,
        GOALS.analyzeThroughput,
      ),
      ...STACKS.flatMap(({ label, goal }) => {
        const at = (size: number) => load.stack[stackKey(label, size)];
        const growth = at(large).wall.pack / at(small).wall.pack;
        const floorGrowth = at(large).wall.floor / at(small).wall.floor;
        return [
          ...PLAN.stackSizes.map((size) =>
            ratioRow(
              `AnalyzeStack ${label}, ${size} resources`,
              formatMs(at(size).wall.pack),
              formatMs(at(size).wall.floor),
              at(size),
              size === small ? goal : undefined,
            ),
          ),
          [
            `AnalyzeStack ${label} growth ${large}/${small}`,
            ratio(growth),
            ratio(floorGrowth),
            ratio(growth),
            "",
            formatGoal(GOALS.analyzeStackGrowth),
            verdict(growth, GOALS.analyzeStackGrowth),
          ],
        ];
      }),
      [
        `peak RSS (VmHWM) up to ${PLAN.stackSizes[PLAN.stackSizes.length - 1]}`,
        formatBytes(load.peakRss.pack),
        formatBytes(load.peakRss.floor),
        load.peakRss.pack && load.peakRss.floor ? ratio(load.peakRss.pack / load.peakRss.floor) : "",
        "",
        "",
        "",
      ],
    ];
    const mixes = STACKS.map(
      ({ label }) =>
        `${large}-resource ${label}: ${[...load.stackMix[label]!].map(([type, count]) => `${type} ${count}`).join(", ")}`,
    );
    console.log(
      [
        "",
        `bedrock-cmk-guard bench: node ${process.version}, ${os.cpus().length} CPUs; pack ${packInfo.policies} policies vs the floor (empty plain-JS @pulumi/policy pack), same launcher`,
        `runs: start ${PLAN.startRuns} each, Analyze ${PLAN.analyzeRuns} x ${PLAN.analyzeResources} (${PLAN.analyzeInFlight} in flight, preview values), AnalyzeStack ${PLAN.stackRuns} each (up values)`,
        ...mixes,
        `pack diagnostics: Analyze ${load.analyzeDiagnostics.pack}, AnalyzeStack ${Object.entries(
          load.stackDiagnostics,
        )
          .map(([key, d]) => `${key}: ${d.pack}`)
          .join(", ")} (the floor reports none)`,
        "",
        table(rows),
        "",
        keyPolicyCost,
        "",
        "Verdicts use the wall-time ratio; the CPU ratio (the pack process's own CPU time) is what to trust when",
        "other work shares the machine. Goals are informational: the bench never fails on speed.",
      ].join("\n"),
    );
  } finally {
    floor.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
