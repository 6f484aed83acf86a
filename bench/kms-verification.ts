/**
 * `npm run bench:kms`: what guard-settings.verifyKeysWithAws costs a preview. The pack is started
 * as the engine starts it, pointed at the fake KMS endpoint (AWS_ENDPOINT_URL) with an injected
 * latency per call, and judges stacks of N workspaces, each naming its own key outside the stack:
 * AnalyzeStack with the setting off and on, against the lower bound
 * (rounds of `concurrency` keys x 2 round trips: DescribeKey, then the other three calls at once).
 * Also the pack's start time with the setting off against the floor (an empty pack).
 * Usage: ts-node bench/kms-verification.ts [latencyMs=50]
 */
import { PackClient, type ResourceSpec } from "../cli/engine/pack-client";
import { fakeAwsEnv } from "../tests/support/fake-aws/env";
import { FakeKms } from "../tests/support/fake-aws/kms";
import { FakeAwsServer } from "../tests/support/fake-aws/server";
import { createFloorPack } from "./floor";
import { cpuMs, formatMs, median, timed } from "./measure";
import { workspaceStack } from "../tests/support/builders";

const LATENCY_MS = Number(process.argv[2] ?? 50);
const KEY_COUNTS = [1, 10, 50] as const;
const RUNS = 3;
const START_RUNS = 7;
/** The facts module's default concurrency (policy-pack/aws/kms-facts.ts). */
const CONCURRENCY = 8;
const ACCOUNT = "111122223333";

function keyArn(n: number): string {
  return `arn:aws:kms:us-east-1:${ACCOUNT}:key/${String(n).padStart(8, "0")}-12ab-34cd-56ef-1234567890ab`;
}

function stack(keys: number, run: number): ResourceSpec[] {
  return workspaceStack(keys, (i) => keyArn(run * 1000 + i), { prefix: `studio-${run}`, account: ACCOUNT });
}

/** One AnalyzeStack on a fresh pack (a fresh run: nothing cached), in ms. */
async function analyze(server: FakeAwsServer, resources: ResourceSpec[], verify: boolean): Promise<number> {
  const pack = await PackClient.start({
    env: fakeAwsEnv(server, { accessKeyId: "AKIDBENCH", secretAccessKey: "fake-secret" }),
  });
  try {
    await pack.initialise(
      verify
        ? { "guard-settings": { properties: { verifyKeysWithAws: { enabled: true, timeoutSeconds: 60 } } } }
        : undefined,
    );
    const { ms, result } = await timed(() => pack.analyzeStack(resources));
    const unverified = result.diagnostics.filter((d) => d.policyName === "cmk-key-verifiable");
    if (verify && unverified.length > 0) throw new Error(`not verified: ${unverified[0].message}`);
    return ms;
  } finally {
    await pack.stop();
  }
}

async function measureStart(): Promise<void> {
  const floor = createFloorPack();
  const wall: Record<"pack" | "floor", number[]> = { pack: [], floor: [] };
  const cpu: Record<"pack" | "floor", number[]> = { pack: [], floor: [] };
  try {
    for (let run = 0; run < START_RUNS; run++) {
      const order = run % 2 === 0 ? (["pack", "floor"] as const) : (["floor", "pack"] as const);
      for (const subject of order) {
        const options = subject === "floor" ? { packDir: floor.dir } : {};
        const { ms, result: client } = await timed(() => PackClient.start(options));
        const used = cpuMs(client.process.pid!);
        await client.stop();
        wall[subject].push(ms);
        if (used !== undefined) cpu[subject].push(used);
      }
    }
  } finally {
    floor.dispose();
  }
  const ratio = median(wall.pack) / median(wall.floor);
  const cpuRatio = cpu.pack.length > 0 ? median(cpu.pack) / median(cpu.floor) : NaN;
  console.log(
    `start (setting off), median of ${START_RUNS}: pack ${formatMs(median(wall.pack))}, floor ${formatMs(median(wall.floor))}: ` +
      `${ratio.toFixed(2)}x wall, ${cpuRatio.toFixed(2)}x CPU (goal <= 1.15x)`,
  );
}

async function main(): Promise<void> {
  const server = await FakeAwsServer.start();
  const kms = new FakeKms();
  for (let run = 0; run < RUNS; run++)
    for (let i = 0; i < Math.max(...KEY_COUNTS); i++)
      kms.addKey({ arn: keyArn(run * 1000 + i), rotationEnabled: true, tags: { EnableBedrock: "true" } });
  server.register("kms", kms.handler);
  server.faults = { latencyMs: LATENCY_MS };
  try {
    console.log(`verifyKeysWithAws: fake KMS with ${LATENCY_MS} ms per call, concurrency ${CONCURRENCY}`);
    console.log("keys | calls | AnalyzeStack off | on | added | lower bound of the added time");
    for (const keys of KEY_COUNTS) {
      const off: number[] = [];
      const on: number[] = [];
      server.reset();
      for (let run = 0; run < RUNS; run++) {
        off.push(await analyze(server, stack(keys, run), false));
        on.push(await analyze(server, stack(keys, run), true));
      }
      const calls = server.calls.length / RUNS;
      const bound = Math.ceil(keys / CONCURRENCY) * 2 * LATENCY_MS;
      const [offMs, onMs] = [median(off), median(on)];
      console.log(
        `${keys} | ${calls} | ${formatMs(offMs)} | ${formatMs(onMs)} | ${formatMs(onMs - offMs)} | ${formatMs(bound)}`,
      );
    }
  } finally {
    await server.close();
  }
  await measureStart();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
