/**
 * Audit benchmark (`npm run bench:audit`; not a test, it never fails on figures): the real CLI,
 * as a child process, audits a fake AWS on 127.0.0.1 that answers every call after an injected
 * latency: 2 accounts (an organization: management + one member through AssumeRole) × 10
 * regions × 200 workspaces, each workspace's key read from KMS. It prints:
 * - the wall time against the lower bound (AWS calls × latency / concurrency);
 * - against a sequential run (`--concurrency 1`), measured on one account × region and scaled
 *   by the number of calls (a whole sequential run would take minutes);
 * - the floor the machine's CPU sets: the same audit with no latency at all (the SDK's own work
 *   per call, signing and parsing, is what remains);
 * - the CLI's peak memory, and the heap it still holds at the end (after a garbage collection),
 *   at 50 and at 200 workspaces per region: what grows is the report, not the calls.
 * BENCH_LATENCY_MS and BENCH_CONCURRENCY change the latency and the concurrency.
 */
import { spawn } from "child_process";
import { readFileSync } from "fs";
import { cpus, loadavg } from "os";
import * as path from "path";
import { auditEnv, FakeWorld, isolatedFolder, keyArn, MANAGEMENT } from "../tests/audit/fake-world";
import { CLI } from "../tests/cli/run-cli";

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MEMBER = "222222222222";
const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-central-1",
  "eu-north-1",
  "ap-northeast-1",
  "ap-southeast-2",
];

async function world(workspacesPerRegion: number): Promise<FakeWorld> {
  const fake = await FakeWorld.start();
  fake.accounts.addUser("AKIDMANAGEMENT", MANAGEMENT).addRole(MEMBER, "OrganizationAccountAccessRole");
  fake.organizations
    .addAccount({ id: MANAGEMENT, name: "management" })
    .addAccount({ id: MEMBER, name: "member" });
  let n = 0;
  for (const account of [MANAGEMENT, MEMBER]) {
    for (const region of REGIONS) {
      // Two keys per account and region, shared by its workspaces (the facts module reads each once).
      const keys = [keyArn(account, region, ++n), keyArn(account, region, ++n)];
      for (const arn of keys)
        fake.kms.addKey({ arn, rotationEnabled: true, tags: { EnableBedrock: "true" } });
      for (let i = 0; i < workspacesPerRegion; i++) {
        fake.dataZone.addDomain(account, region, {
          id: `dzd_${region.replace(/-/g, "")}${i}`,
          name: `ws-${i}`,
          domainExecutionRole: `arn:aws:iam::${account}:role/service-role/AmazonBedrockStudioServiceRole-${i}`,
          // Every third workspace has no key (a finding to report), the others use one of the keys.
          ...(i % 3 === 0 ? {} : { kmsKeyIdentifier: keys[i % 2] }),
        });
      }
    }
  }
  fake.server.faults = { latencyMs: LATENCY_MS };
  return fake;
}

interface Measured {
  readonly code: number | null;
  readonly ms: number;
  readonly calls: number;
  /** Peak resident memory of the CLI process (VmHWM, sampled until it exits). */
  readonly peakBytes: number;
  readonly maxInFlight: number;
  /** Heap in use when the CLI exited, after a garbage collection. */
  readonly retainedBytes: number;
  /** CPU time (user + system) the CLI used. */
  readonly cpuMs: number;
}

function peakOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

async function audit(
  fake: FakeWorld,
  args: readonly string[],
  concurrency: number,
  latencyMs = LATENCY_MS,
): Promise<Measured> {
  fake.server.reset();
  const cwd = isolatedFolder();
  let inFlight = 0;
  let maxInFlight = 0;
  fake.server.faults = {
    latencyMs: () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      setTimeout(() => inFlight--, latencyMs);
      return latencyMs;
    },
  };
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      "--expose-gc",
      "--require",
      path.join(__dirname, "audit-heap-probe.js"),
      CLI,
      "audit",
      ...args,
      "-q",
      "-f",
      "json",
      "-o",
      path.join(cwd, "report.json"),
      "--concurrency",
      String(concurrency),
    ],
    {
      cwd,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...auditEnv(fake.server, cwd, { accessKeyId: "AKIDMANAGEMENT" }),
        BENCH_HEAP_FILE: path.join(cwd, "heap.json"),
      },
    },
  );
  let peakBytes = 0;
  const sampler = setInterval(() => (peakBytes = Math.max(peakBytes, peakOf(child.pid!))), 50);
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  clearInterval(sampler);
  const ms = Date.now() - started;
  const probe = JSON.parse(readFileSync(path.join(cwd, "heap.json"), "utf8")) as {
    heapUsed: number;
    cpuMs: number;
  };
  return {
    code,
    ms,
    calls: fake.server.calls.length,
    peakBytes,
    maxInFlight,
    retainedBytes: probe.heapUsed,
    cpuMs: probe.cpuMs,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const all = ["--accounts", "organization", "--regions", REGIONS.join(",")];
  console.log(
    `Audit benchmark: 2 accounts × ${REGIONS.length} regions, ${LATENCY_MS} ms per AWS call, --concurrency ${CONCURRENCY}`,
  );

  const large = await world(200);
  const concurrent = await audit(large, all, CONCURRENCY);
  const bound = (concurrent.calls * LATENCY_MS) / CONCURRENCY;
  const floor = await audit(large, all, CONCURRENCY, 0);
  const slice = await audit(large, ["--regions", REGIONS[0]], 1);
  await large.close();
  const perCall = slice.ms / slice.calls;
  const sequential = perCall * concurrent.calls;

  const small = await world(50);
  const smallRun = await audit(small, all, CONCURRENCY);
  await small.close();

  console.log(`  200 workspaces per region: ${concurrent.calls} AWS calls, exit ${concurrent.code}`);
  console.log(`    wall time                  ${seconds(concurrent.ms)}`);
  console.log(
    `    lower bound                ${seconds(bound)} (calls × latency / concurrency): ${(concurrent.ms / bound).toFixed(2)}x the bound (goal ≤ 1.5x)`,
  );
  console.log(
    `    sequential (--concurrency 1) ${seconds(sequential)}, scaled from ${slice.calls} calls in ${seconds(slice.ms)}: ${(sequential / concurrent.ms).toFixed(1)}x faster (goal ≥ 10x)`,
  );
  console.log(
    `    CPU floor (0 ms latency)   ${seconds(floor.ms)}: ${(concurrent.ms / Math.max(bound, floor.ms)).toFixed(2)}x the larger of the bound and the floor`,
  );
  console.log(`    calls in flight at most    ${concurrent.maxInFlight} (limit ${CONCURRENCY})`);
  console.log(
    `    CPU time of the CLI        ${seconds(concurrent.cpuMs)} (${(concurrent.cpuMs / concurrent.calls).toFixed(2)} ms per call; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
  );
  console.log(
    `  memory of the CLI at 50 / 200 workspaces per region: peak ${mib(smallRun.peakBytes)} / ${mib(concurrent.peakBytes)}, heap after a collection at exit ${mib(smallRun.retainedBytes)} / ${mib(concurrent.retainedBytes)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
