/**
 * Runs a Pulumi program without an engine or a cloud account, under Pulumi's runtime mocks, and
 * captures every resource it registers in the form the engine hands to a policy pack: inputs in wire
 * form (unknown sentinels during preview, secret wrappers), provider with its properties, parent,
 * dependencies and property dependencies. The `preview` command and the sample stack tests use it.
 *
 * How the capture works, with public or semi-public @pulumi/pulumi APIs only:
 * - `pulumi.runtime.setMocks(mocks, project, stack, preview)` installs the SDK's MockMonitor. We wrap
 *   that monitor's `registerResource` (reached through `runtime/settings.getMonitor()`): the request it
 *   receives is the very RegisterResourceRequest the SDK would send to the engine, so its `object` is
 *   already `serializeProperties` output and its `propertyDependencies` are the SDK's own.
 * - `runtime/stack.runInPulumiStack` runs the program as the Node.js language host does, under a root
 *   `pulumi:pulumi:Stack` resource.
 * - In preview, the mocks return no outputs for resources being created, so every output that is not
 *   an input (`arn`, `id`, `portalUrl`, ...) is unknown, exactly as in a first `pulumi preview`.
 *   Unknown outputs never resolve, so we wait for the SDK's RPC queue to drain, never for outputs.
 *
 * The SDK keeps its settings (monitor, config, stack) in process-global state, so captures in one
 * process run one at a time (they are queued); each one resets that state and re-loads the program.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import type * as resproto from "@pulumi/pulumi/proto/resource_pb";
import type { ProviderSpec, ResourceSpec } from "./engine-client";

export const MOCK_ACCOUNT_ID = "123456789012";

export interface CaptureOptions {
  /** The program folder (what `main:` in Pulumi.yaml points at). */
  readonly programDir: string;
  /** The project name (`name:` in Pulumi.yaml): the namespace of the program's own config keys. */
  readonly project: string;
  readonly stack?: string;
  readonly organization?: string;
  /**
   * Stack configuration as the engine passes it to a program (PULUMI_CONFIG): `namespace:key` keys
   * (a key without namespace belongs to the project); values that are not strings are passed as JSON
   * text, as the CLI does for structured config. Project defaults from Pulumi.yaml are the caller's
   * to merge in (cli/stack-config.ts reads them).
   */
  readonly config?: Record<string, unknown>;
  /** Config keys whose values are secrets. */
  readonly secretKeys?: readonly string[];
  /** Preview (default) leaves outputs of new resources unknown; false resolves them as after `up`. */
  readonly preview?: boolean;
  /** The account the mocked `getCallerIdentity` reports. */
  readonly accountId?: string;
}

export interface CapturedProgram {
  /** Every registered resource (stack, components, providers, custom resources), in registration order. */
  readonly resources: ResourceSpec[];
  /** The program's stack outputs, in wire form (unknown sentinels during preview). */
  readonly outputs: Record<string, unknown>;
}

/** Runs the program under mocks and returns the resources as the engine would send them to a pack. */
export async function captureProgram(options: CaptureOptions): Promise<ResourceSpec[]> {
  return (await runProgram(options)).resources;
}

let queue: Promise<unknown> = Promise.resolve();

/** Like captureProgram, with the stack outputs too. Calls are serialised (see the module comment). */
export function runProgram(options: CaptureOptions): Promise<CapturedProgram> {
  const run = queue.then(() => runExclusively(options));
  queue = run.catch(() => undefined);
  return run;
}

interface MonitorLike {
  registerResource(
    request: resproto.RegisterResourceRequest,
    callback: (error: Error | null, response?: resproto.RegisterResourceResponse) => void,
  ): void;
}

async function runExclusively(options: CaptureOptions): Promise<CapturedProgram> {
  const programDir = path.resolve(options.programDir);
  const project = options.project;
  const stack = options.stack ?? "dev";
  const preview = options.preview ?? true;
  const config = stackConfig(project, options.config ?? {}, options.secretKeys ?? []);
  const world = new MockWorld(options.accountId ?? MOCK_ACCOUNT_ID, config, preview);

  ensureTypeScript(programDir);
  await pulumi.runtime.setMocks(world, project, stack, preview, options.organization ?? "organization");
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  const monitor = settings.getMonitor() as unknown as MonitorLike;
  const registerResource = monitor.registerResource.bind(monitor);
  const captured: { request: resproto.RegisterResourceRequest; urn: string }[] = [];
  const failures: Error[] = [];
  monitor.registerResource = (request, callback) =>
    registerResource(request, (error, response) => {
      if (error) failures.push(error);
      else if (response) {
        captured.push({ request, urn: response.getUrn() });
        world.noteRegistration(request, response.getUrn());
      }
      callback(error, response);
    });

  forgetProgram(programDir);
  let programError: unknown;
  let programExports: Record<string, unknown> = {};
  // Outputs are awaited by the Stack only to record them; in preview they may never resolve.
  void runInPulumiStack(async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      programExports = require(programDir) as Record<string, unknown>;
    } catch (error) {
      programError = error;
    }
    return programExports;
  }).catch((error: unknown) => (programError ??= error));
  await waitForRegistrations();
  if (programError !== undefined) throw programError;
  if (failures.length > 0) throw failures[0];

  const resources = captured.map(({ request, urn }) => toResourceSpec(request, urn, world, project, stack));
  const outputs = await rpc.serializeProperties("stack outputs", { ...programExports });
  return { resources, outputs };
}

/**
 * Waits until the SDK's RPC queue (registrations, invokes) is drained and stays drained across a
 * macrotask: the SDK chains every RPC onto `settings.rpcDone` in its store.
 */
async function waitForRegistrations(): Promise<void> {
  const { waitForRPCs } = settings as unknown as { waitForRPCs(): Promise<void> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { rpcDone: unknown } } };
  let before: unknown;
  do {
    before = state.getStore().settings.rpcDone;
    await waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  } while (state.getStore().settings.rpcDone !== before);
}

function toResourceSpec(
  request: resproto.RegisterResourceRequest,
  urn: string,
  world: MockWorld,
  project: string,
  stack: string,
): ResourceSpec {
  const propertyDependencies: Record<string, string[]> = {};
  request.getPropertydependenciesMap().forEach((dependencies, property) => {
    propertyDependencies[property] = dependencies.getUrnsList();
  });
  const type = request.getType();
  return {
    type,
    name: request.getName(),
    urn,
    properties: (request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
    provider:
      request.getCustom() && !isProviderType(type)
        ? world.providerFor(request.getProvider(), type, project, stack)
        : undefined,
    parent: request.getParent() || undefined,
    dependencies: request.getDependenciesList(),
    propertyDependencies,
  };
}

function isProviderType(type: string): boolean {
  return type.startsWith("pulumi:providers:");
}

/** The package a resource or invoke token belongs to (`aws` for `aws:kms/key:Key`). */
function packageOf(token: string): string {
  return token.split(":")[0];
}

interface StackConfig {
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
}

/** The flat string map the SDK reads its config from; keys namespaced, structured values as JSON. */
function stackConfig(
  project: string,
  given: Record<string, unknown>,
  secret: readonly string[],
): StackConfig {
  const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  const values = Object.fromEntries(
    Object.entries(given).map(([key, value]) => [
      qualify(key),
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  return { values, secretKeys: secret.map(qualify) };
}

/**
 * Lets `require` load a TypeScript program when the caller did not register ts-node already: the
 * program's own ts-node first, then this tool's (a development dependency: an installed tool has
 * none, and then runs JavaScript programs only).
 */
function ensureTypeScript(programDir: string): void {
  if (require.extensions[".ts"]) return;
  let tsNode: string;
  try {
    tsNode = require.resolve("ts-node", { paths: [programDir, __dirname] });
  } catch {
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(tsNode) as typeof import("ts-node")).register({ transpileOnly: true });
}

/** Drops the program's own modules from the require cache so the next capture runs it again. */
function forgetProgram(programDir: string): void {
  const prefix = programDir + path.sep;
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(prefix) && !file.includes(`${path.sep}node_modules${path.sep}`))
      delete require.cache[file];
  }
}

/**
 * The mock cloud: answers invokes, and for registrations returns inputs only (preview) or inputs plus
 * plausible computed outputs (up). It remembers providers so resources can carry their provider's
 * properties, as the engine's AnalyzerResource does.
 */
class MockWorld implements pulumi.runtime.Mocks {
  private readonly providers = new Map<string, ProviderSpec>();
  private counter = 0;

  constructor(
    private readonly accountId: string,
    private readonly config: StackConfig,
    private readonly preview: boolean,
  ) {}

  noteRegistration(request: resproto.RegisterResourceRequest, urn: string): void {
    if (!isProviderType(request.getType())) return;
    this.providers.set(urn, {
      type: request.getType(),
      name: request.getName(),
      urn,
      properties: (request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
    });
  }

  /** The provider a resource names (`<urn>::<id>`), or the default provider the engine would use. */
  providerFor(reference: string, type: string, project: string, stack: string): ProviderSpec {
    const urn = reference.slice(0, reference.lastIndexOf("::"));
    const explicit = reference ? this.providers.get(urn) : undefined;
    if (explicit) return explicit;
    const pkg = packageOf(type);
    const properties = Object.fromEntries(
      Object.entries(this.config.values)
        .filter(([key]) => key.startsWith(`${pkg}:`))
        .map(([key, value]) => [key.slice(pkg.length + 1), value]),
    );
    return {
      type: `pulumi:providers:${pkg}`,
      name: "default",
      urn: `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::default`,
      properties,
    };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    if (isProviderType(args.type))
      return { id: this.preview ? undefined : `${args.name}-id`, state: args.inputs };
    if (this.preview) return { id: undefined, state: args.inputs };
    const region = this.regionOf(args.provider, args.inputs);
    const partition = partitionOf(region);
    const unique = uuidFor(`${args.type}/${args.name}/${++this.counter}`);
    const inputs = args.inputs as Record<string, unknown>;
    switch (args.type) {
      case "aws:kms/key:Key":
      case "aws:kms/replicaKey:ReplicaKey": {
        // A replica shares its primary's key id; multi-region key ids start with `mrk-`.
        const primaryKeyArn = typeof inputs.primaryKeyArn === "string" ? inputs.primaryKeyArn : undefined;
        const keyId = primaryKeyArn
          ? primaryKeyArn.slice(primaryKeyArn.lastIndexOf("/") + 1)
          : inputs.multiRegion === true
            ? `mrk-${unique.replace(/-/g, "")}`
            : unique;
        const arn = `arn:${partition}:kms:${region}:${this.accountId}:key/${keyId}`;
        return { id: keyId, state: { ...inputs, arn, keyId } };
      }
      case "aws:kms/alias:Alias":
        return {
          id: String(inputs.name),
          state: {
            ...inputs,
            arn: `arn:${partition}:kms:${region}:${this.accountId}:${inputs.name}`,
            targetKeyArn: `arn:${partition}:kms:${region}:${this.accountId}:key/${inputs.targetKeyId}`,
          },
        };
      case "aws:iam/role:Role": {
        const name = String(inputs.name ?? args.name);
        return {
          id: name,
          state: { ...inputs, name, arn: `arn:${partition}:iam::${this.accountId}:role/${name}` },
        };
      }
      case "aws:datazone/domain:Domain": {
        const id = `dzd_${unique.replace(/-/g, "").slice(0, 14)}`;
        return {
          id,
          state: {
            ...inputs,
            arn: `arn:${partition}:datazone:${region}:${this.accountId}:domain/${id}`,
            portalUrl: `https://${id}.datazone.${region}.on.aws`,
            domainVersion: inputs.domainVersion ?? "V1",
          },
        };
      }
      default:
        return { id: `${args.name}-id`, state: inputs };
    }
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    const region = this.regionOf(args.provider, inputs);
    const partition = partitionOf(region);
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: this.accountId,
          arn: `arn:${partition}:iam::${this.accountId}:user/mock`,
          id: this.accountId,
          userId: "AIDAMOCKUSER",
        };
      case "aws:index/getPartition:getPartition":
        return {
          partition,
          id: partition,
          dnsSuffix: partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
          reverseDnsPrefix: partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws",
        };
      case "aws:index/getRegion:getRegion":
        return {
          id: region,
          name: region,
          region,
          description: region,
          endpoint: `ec2.${region}.amazonaws.com`,
        };
      case "aws:datazone/getEnvironmentBlueprint:getEnvironmentBlueprint":
        return {
          ...inputs,
          id: `bp_${uuidFor(String(inputs.name)).replace(/-/g, "").slice(0, 14)}`,
          blueprintProvider: "Amazon DataZone",
          description: `${inputs.name} (mock)`,
          region,
        };
      case "aws:iam/getPolicyDocument:getPolicyDocument": {
        const json = JSON.stringify(policyDocumentFromArgs(inputs), null, 2);
        return { ...inputs, id: String(json.length), json, minifiedJson: JSON.stringify(JSON.parse(json)) };
      }
      default:
        // Unknown functions echo their arguments: enough for programs that only pass them on.
        return inputs;
    }
  }

  private regionOf(reference: string | undefined, inputs: Record<string, unknown>): string {
    if (typeof inputs.region === "string") return inputs.region;
    const urn = reference ? reference.slice(0, reference.lastIndexOf("::")) : "";
    const region = this.providers.get(urn)?.properties?.region;
    if (typeof region === "string") return region;
    return this.config.values["aws:region"] ?? "us-east-1";
  }
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** A stable, UUID-shaped id derived from a seed (KMS key ids are 36-character UUIDs). */
function uuidFor(seed: string): string {
  let hash = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; hex.join("").length < 32; round++) {
    for (const char of `${seed}#${round}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    hex.push(hash.toString(16).padStart(8, "0"));
  }
  const h = hex.join("").slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

interface PolicyDocumentArgs {
  readonly version?: string;
  readonly policyId?: string;
  readonly statements?: readonly {
    sid?: string;
    effect?: string;
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    notResources?: string[];
    principals?: { type: string; identifiers: string[] }[];
    notPrincipals?: { type: string; identifiers: string[] }[];
    conditions?: { test: string; variable: string; values: string[] }[];
  }[];
}

/** What `aws.iam.getPolicyDocument` computes from its arguments (the subset programs use). */
function policyDocumentFromArgs(args: PolicyDocumentArgs): Record<string, unknown> {
  const single = (values: string[] | undefined) => (values && values.length === 1 ? values[0] : values);
  const principals = (list: { type: string; identifiers: string[] }[] | undefined) => {
    if (!list || list.length === 0) return undefined;
    if (list.length === 1 && list[0].type === "*") return "*";
    const grouped: Record<string, string[]> = {};
    for (const p of list) grouped[p.type] = [...(grouped[p.type] ?? []), ...p.identifiers];
    return Object.fromEntries(Object.entries(grouped).map(([type, ids]) => [type, single(ids)]));
  };
  const statements = (args.statements ?? []).map((s) => {
    const conditions: Record<string, Record<string, unknown>> = {};
    for (const c of s.conditions ?? [])
      conditions[c.test] = { ...conditions[c.test], [c.variable]: single(c.values) };
    const statement: Record<string, unknown> = {
      Sid: s.sid,
      Effect: s.effect ?? "Allow",
      Action: single(s.actions),
      NotAction: single(s.notActions),
      Resource: single(s.resources),
      NotResource: single(s.notResources),
      Principal: principals(s.principals),
      NotPrincipal: principals(s.notPrincipals),
      Condition: Object.keys(conditions).length > 0 ? conditions : undefined,
    };
    return Object.fromEntries(Object.entries(statement).filter(([, v]) => v !== undefined));
  });
  return {
    Version: args.version ?? "2012-10-17",
    ...(args.policyId ? { Id: args.policyId } : {}),
    Statement: statements,
  };
}
