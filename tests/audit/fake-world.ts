/**
 * The fake AWS the audit tests and the benchmark run against: one server on 127.0.0.1 with every
 * service the audit reads, over one model of accounts (by access key), and the CLI run as a
 * child process from a folder outside the repository, isolated from the user's AWS config.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeAgentCore } from "../support/fake-aws/agentcore";
import { FakeBedrock } from "../support/fake-aws/bedrock";
import { FakeConfig } from "../support/fake-aws/config";
import { FakeDataZone } from "../support/fake-aws/datazone";
import { FakeKms } from "../support/fake-aws/kms";
import { FakeOrganizations } from "../support/fake-aws/organizations";
import { fakeAwsEnv } from "../support/fake-aws/env";
import { FakeAwsServer } from "../support/fake-aws/server";
import { FakeSsm } from "../support/fake-aws/ssm";
import { FakeAccounts } from "../support/fake-aws/sts";
import { CLI } from "../cli/run-cli";

export const MANAGEMENT = "111111111111";

export class FakeWorld {
  readonly accounts = new FakeAccounts();
  readonly dataZone = new FakeDataZone(this.accounts);
  readonly bedrock = new FakeBedrock(this.accounts);
  readonly agentCore = new FakeAgentCore(this.accounts);
  readonly kms = new FakeKms();
  readonly organizations = new FakeOrganizations(this.accounts, MANAGEMENT);
  readonly ssm = new FakeSsm();
  readonly config = new FakeConfig(this.accounts);

  private constructor(readonly server: FakeAwsServer) {
    server
      .register("sts", this.accounts.stsHandler)
      .register("datazone", this.dataZone.handler)
      .register("bedrock", this.bedrock.bedrockHandler)
      .register("bedrock", this.bedrock.agentHandler)
      .register("bedrock", this.bedrock.dataAutomationHandler)
      .register("bedrock-agentcore", this.agentCore.handler)
      .register("kms", this.kms.handler)
      .register("organizations", this.organizations.handler)
      .register("ssm", this.ssm.handler)
      .register("config", this.config.handler);
  }

  static async start(): Promise<FakeWorld> {
    return new FakeWorld(await FakeAwsServer.start());
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** A key ARN with a well-formed key id (`n` makes it unique). */
export function keyArn(account: string, region: string, n: number): string {
  return `arn:aws:kms:${region}:${account}:key/${String(n).padStart(8, "0")}-1111-4222-8333-444455556666`;
}

export interface AuditRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly cwd: string;
}

/** A working folder outside the repository. */
export function isolatedFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "cmk-audit-"));
}

/**
 * The environment of a CLI run against the fake: isolated from the machine's AWS configuration,
 * with the given access key (none: no credentials) and region (none: no configured region).
 */
export function auditEnv(
  server: FakeAwsServer,
  cwd: string,
  options: { accessKeyId?: string; region?: string } = {},
): NodeJS.ProcessEnv {
  const credentials =
    options.accessKeyId === undefined
      ? undefined
      : { accessKeyId: options.accessKeyId, secretAccessKey: "fake-secret" };
  return {
    PATH: process.env.PATH,
    HOME: cwd,
    ...fakeAwsEnv(server, credentials),
    AWS_REGION: options.region ?? "",
  };
}

/** Runs `node dist/cli/main.js audit <args>` against the fake, from a folder outside the repository. */
export function runAudit(
  args: readonly string[],
  options: { server: FakeAwsServer; accessKeyId?: string; region?: string; cwd?: string },
): Promise<AuditRun> {
  const cwd = options.cwd ?? isolatedFolder();
  const env = auditEnv(options.server, cwd, options);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "audit", ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started, cwd }));
  });
}

export function describeAudit(run: AuditRun): string {
  return `exit ${run.code} after ${run.ms} ms\nstderr: ${run.stderr.slice(0, 3000)}\nstdout: ${run.stdout.slice(0, 3000)}`;
}
