/**
 * The engine's side of the Node.js language host protocol, served on 127.0.0.1: Pulumi's
 * ResourceMonitor (registrations, reads, invokes) and Engine (logs, root resource) gRPC services,
 * from the stubs that @pulumi/pulumi ships. A program started by @pulumi/pulumi/cmd/run talks to it
 * as it talks to `pulumi preview`; every registration is recorded in the form the engine hands to a
 * policy pack (ResourceSpec: wire-form inputs, provider with its properties, parent, dependencies,
 * property dependencies), and answered from the SimulatedCloud.
 */
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceProto from "@pulumi/pulumi/proto/resource_pb";
import type { ResourceSpec } from "./pack-client";
import { isProviderType } from "../urn";
import { unknownResult } from "./invoke-results";
import type { SimulatedCloud } from "./simulated-cloud";

// The google-protobuf copy that @pulumi/pulumi resolves: a second copy breaks instanceof checks.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structPb = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
) as typeof import("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emptyPb = require(
  require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] }),
) as typeof import("google-protobuf/google/protobuf/empty_pb");

const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The message type ResourceMonitor.Invoke answers with, as the installed stubs declare it:
 * `pulumirpc.InvokeResponse` (provider.proto) up to @pulumi/pulumi 3.248, its wire-identical
 * `pulumirpc.ResourceInvokeResponse` (resource.proto) in later releases. The stub's serializer
 * refuses any other class ("Error serializing response"), which the program sees as a rejected
 * invoke, so the class comes from the service definition, not from a proto file named here.
 */
const InvokeResponse = (
  resourceGrpc.ResourceMonitorService as unknown as {
    invoke: { responseType: new () => { setReturn(value: unknown): unknown } };
  }
).invoke.responseType;

/**
 * Features the SDK asks about at start. Those needing a callback server of the program's
 * (transforms, hooks) are declined: the SDK then tells the user, instead of us dropping them.
 */
const SUPPORTED_FEATURES = new Set([
  "secrets",
  "resourceReferences",
  "outputValues",
  "deletedWith",
  "replaceWith",
  "aliasSpecs",
  "parameterization",
]);

export interface EngineIdentity {
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
  /** The program's folder: where provider typings resolve from. */
  readonly programDir: string;
}

export interface ProgramLog {
  readonly severity: "debug" | "info" | "warning" | "error";
  readonly message: string;
  readonly urn: string;
}

/** What a program run produced, as the engine saw it. */
export interface EngineRecord {
  /** Every registered or read resource (stack, components, providers, custom), in order. */
  readonly resources: ResourceSpec[];
  /** The stack's outputs (RegisterResourceOutputs on the root stack), in wire form. */
  readonly outputs: Record<string, unknown>;
  readonly logs: ProgramLog[];
  /** What the run could not see, for the report (e.g. a multi-language component's children). */
  readonly warnings: string[];
}

const SEVERITIES: Record<number, ProgramLog["severity"]> = {
  [engineProto.LogSeverity.DEBUG]: "debug",
  [engineProto.LogSeverity.INFO]: "info",
  [engineProto.LogSeverity.WARNING]: "warning",
  [engineProto.LogSeverity.ERROR]: "error",
};

type Callback<T> = (error: grpc.ServiceError | null, response?: T) => void;
type Handler<Req, Res> = (call: { request: Req }, callback: Callback<Res>) => void;

/** Runs a handler, turning a thrown error into the gRPC error the SDK reports. */
function handle<Req, Res>(work: (request: Req) => Res): Handler<Req, Res> {
  return (call, callback) => {
    try {
      callback(null, work(call.request));
    } catch (error) {
      callback({
        name: "Error",
        message: (error as Error).message,
        code: grpc.status.UNKNOWN,
        details: (error as Error).message,
        metadata: new grpc.Metadata(),
      });
    }
  };
}

const toStruct = (value: Record<string, unknown>) =>
  structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as never);
const fromStruct = (struct: { toJavaScript(): unknown } | undefined) =>
  (struct?.toJavaScript() ?? {}) as Record<string, unknown>;

export class EngineServer {
  private readonly server = new grpc.Server();
  private readonly resources: ResourceSpec[] = [];
  private readonly logs: ProgramLog[] = [];
  private readonly warnings: string[] = [];
  /** Data sources answered with unknown values, and how often. */
  private readonly unanswered = new Map<string, number>();
  private outputs: Record<string, unknown> = {};
  private rootUrn = "";
  private readonly types = new Map<string, string>();

  private constructor(
    private readonly identity: EngineIdentity,
    private readonly cloud: SimulatedCloud,
  ) {
    this.server.addService(resourceGrpc.ResourceMonitorService, {
      supportsFeature: handle((request: resourceProto.SupportsFeatureRequest) =>
        new resourceProto.SupportsFeatureResponse().setHassupport(SUPPORTED_FEATURES.has(request.getId())),
      ),
      registerResource: handle((request: resourceProto.RegisterResourceRequest) => this.register(request)),
      registerResourceOutputs: handle((request: resourceProto.RegisterResourceOutputsRequest) => {
        if (request.getUrn() === this.rootUrn) this.outputs = fromStruct(request.getOutputs());
        return new emptyPb.Empty();
      }),
      readResource: handle((request: resourceProto.ReadResourceRequest) => this.read(request)),
      invoke: handle((request: resourceProto.ResourceInvokeRequest) => this.invoke(request)),
      call: handle((request: resourceProto.ResourceCallRequest) => {
        // A method of a component of another language's provider: nothing answers it offline.
        throw new Error(`the method ${request.getTok()} cannot be called offline`);
      }),
      registerPackage: handle((request: resourceProto.RegisterPackageRequest) =>
        new resourceProto.RegisterPackageResponse().setRef(`${request.getName()}@${request.getVersion()}`),
      ),
      signalAndWaitForShutdown: handle(() => new emptyPb.Empty()),
    } as unknown as grpc.UntypedServiceImplementation);
    this.server.addService(engineGrpc.EngineService, {
      log: handle((request: engineProto.LogRequest) => {
        this.logs.push({
          severity: SEVERITIES[request.getSeverity()] ?? "info",
          message: request.getMessage(),
          urn: request.getUrn(),
        });
        return new emptyPb.Empty();
      }),
      // A program's `requirePulumiVersion` names Pulumi CLI versions; offline there is no CLI to
      // check, and this engine serves the protocol of the @pulumi/pulumi it ships with.
      requirePulumiVersion: handle(() => new engineProto.RequirePulumiVersionResponse()),
      getRootResource: handle(() => new engineProto.GetRootResourceResponse().setUrn(this.rootUrn)),
      setRootResource: handle((request: engineProto.SetRootResourceRequest) => {
        this.rootUrn = request.getUrn();
        return new engineProto.SetRootResourceResponse();
      }),
    } as unknown as grpc.UntypedServiceImplementation);
  }

  private port = 0;

  /** Binds a free port on 127.0.0.1. */
  static async start(identity: EngineIdentity, cloud: SimulatedCloud): Promise<EngineServer> {
    const engine = new EngineServer(identity, cloud);
    engine.port = await new Promise<number>((resolve, reject) =>
      engine.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return engine;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  record(): EngineRecord {
    const lookups = [...this.unanswered].map(([token, count]) => (count > 1 ? `${token} (${count})` : token));
    const unknownLookups =
      lookups.length === 0
        ? []
        : [
            `data sources with no offline answer, so values derived from them are unknown and the checks ` +
              `that need them not determinable (--verbose lists them): ${lookups.join(", ")}`,
          ];
    return {
      resources: [...this.resources],
      outputs: this.outputs,
      logs: [...this.logs],
      warnings: [...this.warnings, ...unknownLookups],
    };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  /** The engine's URN: the parent's type chain (the root stack excluded), then type and name. */
  private urnOf(type: string, name: string, parent: string): string {
    const parentType = parent ? this.types.get(parent) : undefined;
    const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
    const { stack, project } = this.identity;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
  }

  /** Names a registered resource and records it as the engine hands it to a pack. */
  private remember(
    request: resourceProto.RegisterResourceRequest,
    inputs: Record<string, unknown>,
    propertyDependencies: Record<string, string[]>,
  ): string {
    const type = request.getType();
    const urn = this.urnFor(request);
    const { project, stack } = this.identity;
    this.resources.push({
      type,
      name: request.getName(),
      urn,
      properties: inputs,
      provider:
        request.getCustom() && !isProviderType(type)
          ? this.cloud.providerFor(request.getProvider(), type, project, stack, request.getVersion())
          : undefined,
      parent: request.getParent() || undefined,
      dependencies: request.getDependenciesList(),
      propertyDependencies,
    });
    return urn;
  }

  /** Names a new resource and remembers its type chain (for its children's URNs). */
  private urnFor(request: { getType(): string; getName(): string; getParent(): string }): string {
    const type = request.getType();
    const parent = request.getParent();
    const urn = this.urnOf(type, request.getName(), parent);
    this.types.set(urn, urn.split("::")[2]);
    if (type === STACK_TYPE && !parent) this.rootUrn = urn;
    return urn;
  }

  private register(request: resourceProto.RegisterResourceRequest): resourceProto.RegisterResourceResponse {
    const propertyDependencies: Record<string, string[]> = {};
    request.getPropertydependenciesMap().forEach((dependencies, property) => {
      propertyDependencies[property] = dependencies.getUrnsList();
    });
    const inputs = fromStruct(request.getObject());
    const urn = this.remember(request, inputs, propertyDependencies);
    if (isProviderType(request.getType()))
      this.cloud.noteProvider({ type: request.getType(), name: request.getName(), urn, properties: inputs });
    const response = new resourceProto.RegisterResourceResponse().setUrn(urn);
    if (request.getRemote()) {
      // Only the component's provider plugin can construct it (and register its children).
      this.warnings.push(
        `${urn} is a multi-language component that only its provider plugin can build: the resources it creates were not checked`,
      );
    }
    // Components have no outputs of their own: the SDK fills them from RegisterResourceOutputs.
    if (!request.getCustom()) return response.setObject(toStruct({}));
    const created = this.cloud.create({
      type: request.getType(),
      name: request.getName(),
      inputs,
      provider: request.getProvider(),
    });
    return response.setId(created.id).setObject(toStruct(created.outputs));
  }

  /**
   * `Resource.get(...)`: a resource outside the stack, which only AWS knows. At preview its state is
   * unknown (the SDK makes every output the response lacks unknown); after up an unknown would read
   * as absent, so the read fails. It is read, not created or updated: not recorded for the pack.
   */
  private read(request: resourceProto.ReadResourceRequest): resourceProto.ReadResourceResponse {
    if (!this.cloud.preview) {
      throw new Error(
        `${request.getType()} ${request.getName()} cannot be read: no simulated state after \`up\``,
      );
    }
    const urn = this.urnFor(request);
    return new resourceProto.ReadResourceResponse().setUrn(urn).setProperties(toStruct({}));
  }

  private invoke(request: resourceProto.ResourceInvokeRequest): unknown {
    const token = request.getTok();
    const inputs = fromStruct(request.getArgs());
    let answer = this.cloud.invoke(token, inputs, request.getProvider());
    if (answer === undefined) {
      answer = unknownResult(token, this.identity.programDir);
      this.unanswered.set(token, (this.unanswered.get(token) ?? 0) + 1);
    }
    return new InvokeResponse().setReturn(toStruct(answer));
  }
}
