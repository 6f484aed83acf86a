/**
 * The fake world the AWS Config rule's tests and benchmark run against (the audit's fake world,
 * AWS Config included), the events AWS Config would send, and the two ways of invoking the
 * handler: in this process, and as the bundled file in a fresh Node process.
 */
import { spawn } from "child_process";
import * as path from "path";
import { resultToken } from "../support/fake-aws/config";
import { fakeAwsEnv } from "../support/fake-aws/env";
import type { FakeAwsServer } from "../support/fake-aws/server";
import type { ConfigRuleEvent, DetectionSummary } from "../../detection/handler";

export const RULE_NAME = "bedrock-cmk-guard";
export const BUNDLE = path.resolve(__dirname, "../../dist/detection/index.js");

export function periodicEvent(account: string, when = "2026-12-01T00:00:00.000Z"): ConfigRuleEvent {
  return {
    invokingEvent: JSON.stringify({
      awsAccountId: account,
      notificationCreationTime: when,
      messageType: "ScheduledNotification",
      recordVersion: "1.0",
    }),
    resultToken: resultToken(account, RULE_NAME),
    eventLeftScope: false,
    configRuleName: RULE_NAME,
    configRuleArn: `arn:aws:config:us-east-1:${account}:config-rule/config-rule-abcdef`,
    accountId: account,
    version: "1.0",
  };
}

export interface Invocation {
  readonly env: Record<string, string>;
  readonly remainingMs?: number;
  /** Bundle only: how many times the one process invokes the handler (default 1). */
  readonly invocations?: number;
}

/** The environment of the function: the fake endpoint, the function's own access key, its region. */
export function functionEnv(
  server: FakeAwsServer,
  accessKeyId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...fakeAwsEnv(server, { accessKeyId, secretAccessKey: "fake-secret" }),
    AWS_REGION: "us-east-1",
    ...extra,
  };
}

/** Runs the TypeScript handler in this process with `env` set for the call only. */
export async function invokeInProcess(
  event: ConfigRuleEvent,
  invocation: Invocation,
): Promise<DetectionSummary> {
  const saved = new Map(Object.keys(invocation.env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, invocation.env);
  const log = console.log;
  console.log = () => undefined; // the handler's CloudWatch line
  try {
    const { handler } = await import("../../detection/handler");
    const deadline = Date.now() + (invocation.remainingMs ?? 60_000);
    return await handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() });
  } finally {
    console.log = log;
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * The Lambda runtime's part, in a fresh Node process: require the bundle (timed: the cold start's
 * module load), then call its handler INVOCATIONS times in a row (the first cold, the others warm).
 */
const RUNNER = `
const started = process.hrtime.bigint();
const { handler } = require(process.env.BUNDLE);
const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
console.log = () => undefined;
(async () => {
  const invokeMs = [];
  let summary;
  for (let i = 0; i < Number(process.env.INVOCATIONS); i++) {
    const deadline = Date.now() + Number(process.env.REMAINING_MS);
    const begun = process.hrtime.bigint();
    summary = await handler(JSON.parse(process.env.EVENT), { getRemainingTimeInMillis: () => deadline - Date.now() });
    invokeMs.push(Number(process.hrtime.bigint() - begun) / 1e6);
  }
  process.stdout.write(JSON.stringify({ summary, loadMs, invokeMs }));
})().catch((error) => { process.stderr.write(String((error && error.stack) || error)); process.exit(1); });
`;

export interface BundleRun {
  /** What the last invocation returned. */
  readonly summary: DetectionSummary;
  /** How long requiring the bundle took. */
  readonly loadMs: number;
  /** Each invocation's time, the first one cold. */
  readonly invokeMs: readonly number[];
}

/** Runs the bundled handler in a fresh Node process with only the function's environment. */
export function invokeBundle(event: ConfigRuleEvent, invocation: Invocation): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", RUNNER], {
      cwd: path.dirname(BUNDLE),
      env: {
        PATH: process.env.PATH,
        ...invocation.env,
        BUNDLE,
        EVENT: JSON.stringify(event),
        REMAINING_MS: String(invocation.remainingMs ?? 60_000),
        INVOCATIONS: String(invocation.invocations ?? 1),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) reject(new Error(`bundle exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as BundleRun);
    });
  });
}
