/**
 * Talks to the policy pack exactly as the Pulumi CLI does: starts it with @pulumi/pulumi's
 * run-policy-pack launcher (working directory = the pack folder, engine address first), reads the
 * port from its first stdout line, and drives the analyzer gRPC service from @pulumi/pulumi/proto.
 * The tests, the command-line tool (`preview`, `check`) and the benchmarks all go through here.
 */
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { killGroup, spawnGroup } from "./process-group";

// The google-protobuf copy that @pulumi/pulumi resolves: a second copy breaks instanceof checks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structPb = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))],
  }),
) as typeof import("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emptyPb = require(
  require.resolve("google-protobuf/google/protobuf/empty_pb", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))],
  }),
) as typeof import("google-protobuf/google/protobuf/empty_pb");

/**
 * The pack folder shipped with this tool: `policy-pack/` of the nearest folder above this file that
 * has one (the repository from the source or dist/, the installed package from its dist/).
 */
export const PACK_DIR = findPackDir(__dirname);

function findPackDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "policy-pack");
    if (fs.existsSync(path.join(candidate, "PulumiPolicy.yaml"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`no policy-pack folder above ${from}`);
  }
}

/**
 * The launcher the Pulumi CLI runs for a Node.js pack: the one of the pack's own @pulumi/pulumi
 * (resolved from the pack folder, as a `pulumi preview --policy-pack <folder>` would).
 */
export function launcherOf(packDir: string): string {
  return require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
}

export const LAUNCHER = launcherOf(PACK_DIR);

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: Level[] = ["advisory", "mandatory", "disabled", "remediate"];

export interface ProviderSpec {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly properties?: Record<string, unknown>;
}

export interface ResourceSpec {
  readonly type: string;
  readonly name: string;
  /** Defaults to a URN built from type and name in stack `dev` of project `test`. */
  readonly urn?: string;
  /** Wire form: unknown sentinels and secret wrappers as the engine sends them. */
  readonly properties?: Record<string, unknown>;
  readonly provider?: ProviderSpec;
  readonly parent?: string;
  readonly dependencies?: string[];
  readonly propertyDependencies?: Record<string, string[]>;
}

export interface Diagnostic {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly message: string;
  readonly enforcementLevel: Level;
  readonly urn: string;
  readonly description: string;
}

export interface AnalyzeResult {
  readonly diagnostics: Diagnostic[];
  readonly notApplicable: { policyName: string; reason: string }[];
}

/** One policy's rewrite of a resource's inputs (Pulumi's `remediate` level). */
export interface Remediation {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly description: string;
  /** The resource's whole new inputs, in wire form; absent when the policy only reported a diagnostic. */
  readonly properties?: Record<string, unknown>;
  readonly diagnostic: string;
}

export interface RemediateResult {
  readonly remediations: Remediation[];
  readonly notApplicable: { policyName: string; reason: string }[];
}

export interface PolicyConfigSpec {
  readonly enforcementLevel?: Level;
  readonly properties?: Record<string, unknown>;
}

export function urnOf(type: string, name: string, stack = "dev", project = "test"): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

export interface StartOptions {
  readonly packDir?: string;
  /** Stack configuration, as the CLI passes it in PULUMI_CONFIG. */
  readonly stackConfig?: Record<string, string>;
  readonly dryRun?: boolean;
  /**
   * `pulumi policy analyze` starts a pack with no PolicyAnalyzerOptions (pulumi/pulumi
   * pkg/cmd/pulumi/policy/policy_analyze.go): no dry-run, project or stack variable, and no
   * ConfigureStack call. A deployment (`pulumi preview`, `pulumi up`) says both.
   */
  readonly startedBy?: "deployment" | "policy analyze";
  readonly env?: NodeJS.ProcessEnv;
  /** The project and stack the engine would name (PULUMI_NODEJS_PROJECT / _STACK). */
  readonly project?: string;
  readonly stack?: string;
  /** Give up (and stop the pack's process group) if it has not printed its port by then. */
  readonly readyWithinMs?: number;
}

export class PackClient {
  private constructor(
    readonly process: ChildProcess,
    private readonly client: analyzerGrpc.AnalyzerClient,
    readonly port: number,
    private readonly stderrChunks: string[],
    readonly packDir: string,
    /** Whether the engine that started the pack runs a preview (told again by ConfigureStack). */
    readonly dryRun: boolean,
    /** Whether a deployment started the pack (it calls ConfigureStack), not `pulumi policy analyze`. */
    private readonly deployment: boolean,
  ) {}

  /** Starts the pack as the CLI does and connects to it. */
  static async start(options: StartOptions = {}): Promise<PackClient> {
    const packDir = options.packDir ?? PACK_DIR;
    const deployment = options.startedBy !== "policy analyze";
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      PULUMI_CONFIG: JSON.stringify(options.stackConfig ?? { "aws:region": "us-east-1" }),
    };
    for (const name of ["PULUMI_NODEJS_DRY_RUN", "PULUMI_DRY_RUN"]) delete environment[name];
    if (deployment) {
      Object.assign(environment, {
        PULUMI_NODEJS_ORGANIZATION: "organization",
        PULUMI_NODEJS_PROJECT: options.project ?? "test",
        PULUMI_NODEJS_STACK: options.stack ?? "dev",
        PULUMI_NODEJS_DRY_RUN: String(options.dryRun ?? true),
      });
    }
    const child = spawnGroup(process.execPath, [launcherOf(packDir), "127.0.0.1:0", "."], {
      cwd: packDir,
      env: environment,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderrChunks: string[] = [];
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderrChunks.push(chunk));
    const port = await readPort(child, stderrChunks, options.readyWithinMs).catch((error: Error) => {
      killGroup(child, "SIGKILL");
      throw error;
    });
    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new PackClient(child, client, port, stderrChunks, packDir, options.dryRun ?? true, deployment);
  }

  get stderr(): string {
    return this.stderrChunks.join("");
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Handshake, as the engine does first; UNIMPLEMENTED (12) is tolerated by the engine. */
  async handshake(): Promise<void> {
    const request = new analyzer.AnalyzerHandshakeRequest();
    request.setEngineAddress("127.0.0.1:0");
    request.setRootDirectory(this.packDir);
    request.setProgramDirectory(this.packDir);
    await this.call<unknown>("handshake", request).catch((error: grpc.ServiceError) => {
      if (error.code !== grpc.status.UNIMPLEMENTED) throw error;
    });
  }

  async configureStack(stack = "dev", project = "test", dryRun = this.dryRun): Promise<void> {
    const request = new analyzer.AnalyzerStackConfigureRequest();
    request.setStack(stack);
    request.setProject(project);
    request.setOrganization("organization");
    request.setDryRun(dryRun);
    await this.call("configureStack", request);
  }

  async getAnalyzerInfo(): Promise<analyzer.AnalyzerInfo> {
    return this.call<analyzer.AnalyzerInfo>("getAnalyzerInfo", new emptyPb.Empty());
  }

  async configure(config: Record<string, PolicyConfigSpec | Level>): Promise<void> {
    const request = new analyzer.ConfigureAnalyzerRequest();
    const map = request.getPolicyconfigMap();
    for (const [name, value] of Object.entries(config)) {
      const spec = typeof value === "string" ? { enforcementLevel: value } : value;
      const entry = new analyzer.PolicyConfig();
      entry.setEnforcementlevel(LEVELS.indexOf(spec.enforcementLevel ?? "mandatory"));
      entry.setProperties(structPb.Struct.fromJavaScript((spec.properties ?? {}) as never));
      map.set(name, entry);
    }
    await this.call("configure", request);
  }

  /**
   * The engine's start-up sequence: Handshake, ConfigureStack (a deployment only), GetAnalyzerInfo,
   * Configure.
   */
  async initialise(config?: Record<string, PolicyConfigSpec | Level>): Promise<analyzer.AnalyzerInfo> {
    await this.handshake();
    if (this.deployment) await this.configureStack();
    const info = await this.getAnalyzerInfo();
    if (config !== undefined) await this.configure(config);
    return info;
  }

  async analyze(resource: ResourceSpec): Promise<AnalyzeResult> {
    return toResult(await this.call<analyzer.AnalyzeResponse>("analyze", analyzeRequest(resource)));
  }

  /**
   * Remediate, as the engine calls it for each resource before Analyze when a policy is at the
   * `remediate` level (the same request as Analyze); the engine then uses the last remediation's
   * properties as the resource's inputs.
   */
  async remediate(resource: ResourceSpec): Promise<RemediateResult> {
    const response = await this.call<analyzer.RemediateResponse>("remediate", analyzeRequest(resource));
    return {
      remediations: response.getRemediationsList().map((r) => ({
        policyName: r.getPolicyname(),
        policyPackName: r.getPolicypackname(),
        description: r.getDescription(),
        properties: r.getProperties()?.toJavaScript() as Record<string, unknown> | undefined,
        diagnostic: r.getDiagnostic(),
      })),
      notApplicable: response
        .getNotApplicableList()
        .map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
  }

  async analyzeStack(resources: readonly ResourceSpec[]): Promise<AnalyzeResult> {
    return toResult(
      await this.call<analyzer.AnalyzeResponse>("analyzeStack", analyzeStackRequest(resources)),
    );
  }

  /** Closes the connection and stops the pack's process group (whatever the pack started too). */
  async stop(): Promise<void> {
    this.client.close();
    if (!this.alive) {
      killGroup(this.process, "SIGKILL");
      return;
    }
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    killGroup(this.process);
    await exited;
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, (...args: unknown[]) => void>)[method].bind(
        this.client,
      );
      fn(request, (error: grpc.ServiceError | null, response: T) =>
        error ? reject(error) : resolve(response),
      );
    });
  }
}

function readPort(child: ChildProcess, stderr: string[], withinMs?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const late =
      withinMs === undefined
        ? undefined
        : setTimeout(
            () => reject(new Error(`the pack printed no port within ${withinMs} ms: ${stderr.join("")}`)),
            withinMs,
          );
    child.once("exit", () => clearTimeout(late));
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      child.stdout!.off("data", onData);
      clearTimeout(late);
      const port = Number(buffered.slice(0, newline).trim());
      if (Number.isInteger(port) && port > 0) resolve(port);
      else
        reject(
          new Error(`pack printed ${JSON.stringify(buffered)} instead of a port; stderr: ${stderr.join("")}`),
        );
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`pack exited with ${code} before printing its port: ${stderr.join("")}`)),
    );
  });
}

/** The Analyze request the engine sends for one resource (exported for the benchmarks). */
export function analyzeRequest(resource: ResourceSpec): analyzer.AnalyzeRequest {
  const request = new analyzer.AnalyzeRequest();
  request.setType(resource.type);
  request.setName(resource.name);
  request.setUrn(resource.urn ?? urnOf(resource.type, resource.name));
  request.setProperties(structPb.Struct.fromJavaScript((resource.properties ?? {}) as never));
  request.setOptions(resourceOptions(resource));
  if (resource.provider) request.setProvider(providerResource(resource.provider));
  return request;
}

/** The AnalyzeStack request the engine sends for a stack (exported for the benchmarks). */
export function analyzeStackRequest(resources: readonly ResourceSpec[]): analyzer.AnalyzeStackRequest {
  const request = new analyzer.AnalyzeStackRequest();
  request.setResourcesList(resources.map(analyzerResource));
  return request;
}

function resourceOptions(resource: ResourceSpec): analyzer.AnalyzerResourceOptions {
  const options = new analyzer.AnalyzerResourceOptions();
  options.setProtect(false);
  if (resource.parent) options.setParent(resource.parent);
  return options;
}

function providerResource(provider: ProviderSpec): analyzer.AnalyzerProviderResource {
  const message = new analyzer.AnalyzerProviderResource();
  message.setType(provider.type);
  message.setName(provider.name);
  message.setUrn(provider.urn ?? urnOf(provider.type, provider.name));
  message.setProperties(structPb.Struct.fromJavaScript((provider.properties ?? {}) as never));
  return message;
}

function analyzerResource(resource: ResourceSpec): analyzer.AnalyzerResource {
  const message = new analyzer.AnalyzerResource();
  message.setType(resource.type);
  message.setName(resource.name);
  message.setUrn(resource.urn ?? urnOf(resource.type, resource.name));
  message.setProperties(structPb.Struct.fromJavaScript((resource.properties ?? {}) as never));
  message.setOptions(resourceOptions(resource));
  if (resource.provider) message.setProvider(providerResource(resource.provider));
  if (resource.parent) message.setParent(resource.parent);
  message.setDependenciesList(resource.dependencies ?? []);
  const dependencies = message.getPropertydependenciesMap();
  for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
    const entry = new analyzer.AnalyzerPropertyDependencies();
    entry.setUrnsList(urns);
    dependencies.set(property, entry);
  }
  return message;
}

function toResult(response: analyzer.AnalyzeResponse): AnalyzeResult {
  return {
    diagnostics: response.getDiagnosticsList().map((d) => ({
      policyName: d.getPolicyname(),
      policyPackName: d.getPolicypackname(),
      message: d.getMessage(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()],
      urn: d.getUrn(),
      description: d.getDescription(),
    })),
    notApplicable: response
      .getNotApplicableList()
      .map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
  };
}

/** Wraps a value as the engine marks a secret on the wire. */
export function secret(value: unknown): Record<string, unknown> {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
