/**
 * AWS Config rule benchmark (`npm run bench:detection`; not a test, it never fails on figures):
 * the bundled handler (dist/detection/index.js) against a fake AWS on 127.0.0.1 that answers
 * every call after an injected latency (BENCH_LATENCY_MS, default 50). It prints:
 * - the bundle's size, raw and gzipped (what the Lambda deployment package carries);
 * - the cold start: requiring the bundle in a fresh Node process (median of BENCH_RUNS), and the
 *   first invocation of that process;
 * - the warm evaluation: later invocations in the same process judging one account-region of
 *   200 workspaces (two keys among them, every third workspace without one) and reporting them.
 */
import { readFileSync } from "fs";
import { cpus, loadavg } from "os";
import { gzipSync } from "zlib";
import { median, formatMs } from "./measure";
import { FakeWorld, keyArn } from "../tests/audit/fake-world";
import { BUNDLE, functionEnv, invokeBundle, periodicEvent } from "../tests/detection/detection-world";

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WORKSPACES = 200;
const ACCOUNT = "222222222222";

async function main(): Promise<void> {
  const bundle = readFileSync(BUNDLE);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  console.log(`bundle ${BUNDLE}: ${kib(bundle.length)} (${kib(gzipSync(bundle).length)} gzipped)`);

  const world = await FakeWorld.start();
  try {
    world.accounts.addUser("AKIDBENCH", ACCOUNT, "detection-function");
    const keys = [keyArn(ACCOUNT, "us-east-1", 1), keyArn(ACCOUNT, "us-east-1", 2)];
    for (const arn of keys) world.kms.addKey({ arn, rotationEnabled: true, tags: { EnableBedrock: "true" } });
    for (let i = 0; i < WORKSPACES; i++)
      world.dataZone.addDomain(ACCOUNT, "us-east-1", {
        id: `dzd_bench${i}`,
        name: `ws-${i}`,
        domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/service-role/AmazonBedrockStudioServiceRole-${i}`,
        ...(i % 3 === 0 ? {} : { kmsKeyIdentifier: keys[i % 2] }),
      });
    world.server.faults = { latencyMs: LATENCY_MS };
    const env = functionEnv(world.server, "AKIDBENCH");
    const event = periodicEvent(ACCOUNT);

    const loads: number[] = [];
    const colds: number[] = [];
    const warms: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      world.server.reset();
      const result = await invokeBundle(event, { env, invocations: 3 });
      if (result.summary.judged !== WORKSPACES || result.summary.unsent !== 0)
        throw new Error(`unexpected run: ${JSON.stringify(result.summary)}`);
      loads.push(result.loadMs);
      colds.push(result.invokeMs[0]);
      warms.push(...result.invokeMs.slice(1));
    }
    const calls = world.server.calls.length / 3;
    console.log(`load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores (figures scale with it)`);
    console.log(
      `cold start: require the bundle ${formatMs(median(loads))} (median of ${RUNS} fresh processes)`,
    );
    console.log(
      `first invocation (cold): ${formatMs(median(colds))}; warm evaluation of ${WORKSPACES} workspaces: ` +
        `${formatMs(median(warms))} (median of ${warms.length}), ${Math.round(calls)} AWS calls each at ${LATENCY_MS} ms latency`,
    );
  } finally {
    await world.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
