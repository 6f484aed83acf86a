/**
 * The engine side this tool serves to programs (cli/engine/resource-monitor.ts), driven over gRPC with the
 * ResourceMonitor and Engine client stubs that @pulumi/pulumi ships, as the SDK drives it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import type * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceProto from "@pulumi/pulumi/proto/resource_pb";
import { UNKNOWN } from "../../cli/engine/pack-client";
import { EngineServer } from "../../cli/engine/resource-monitor";
import { MOCK_ACCOUNT_ID, SimulatedCloud } from "../../cli/engine/simulated-cloud";

// The google-protobuf copy that @pulumi/pulumi resolves: a second copy breaks instanceof checks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structPb = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))],
  }),
) as typeof import("google-protobuf/google/protobuf/struct_pb");

const ROOT = path.resolve(__dirname, "../..");
const KEY = "aws:kms/key:Key";
const STACK = "pulumi:pulumi:Stack";

type Unary<Req, Res> = (
  request: Req,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => void;
function call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    method(request, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

interface Engine {
  readonly server: EngineServer;
  readonly monitor: resourceGrpc.ResourceMonitorClient;
  readonly engine: engineGrpc.EngineClient;
}

async function startEngine(preview: boolean, programDir = ROOT): Promise<Engine> {
  const cloud = new SimulatedCloud({ "aws:region": "eu-west-1" }, preview);
  const server = await EngineServer.start(
    { organization: "o", project: "p", stack: "dev", programDir },
    cloud,
  );
  const credentials = grpc.credentials.createInsecure();
  return {
    server,
    monitor: new resourceGrpc.ResourceMonitorClient(server.address, credentials),
    engine: new engineGrpc.EngineClient(server.address, credentials),
  };
}

async function stopEngine({ server, monitor, engine }: Engine): Promise<void> {
  monitor.close();
  engine.close();
  await server.stop();
}

function registration(type: string, name: string, inputs: Record<string, unknown>, parent = "") {
  const request = new resourceProto.RegisterResourceRequest();
  request.setType(type);
  request.setName(name);
  request.setParent(parent);
  request.setCustom(type !== STACK);
  request.setObject(structPb.Struct.fromJavaScript(inputs as never));
  return request;
}

function invocation(token: string, args: Record<string, unknown> = {}) {
  const request = new resourceProto.ResourceInvokeRequest();
  request.setTok(token);
  request.setArgs(structPb.Struct.fromJavaScript(args as never));
  return request;
}

const register = (engine: Engine, request: resourceProto.RegisterResourceRequest) =>
  call<resourceProto.RegisterResourceRequest, resourceProto.RegisterResourceResponse>(
    engine.monitor.registerResource.bind(engine.monitor),
    request,
  );

const returned = (response: providerProto.InvokeResponse) =>
  (response.getReturn()?.toJavaScript() ?? {}) as Record<string, unknown>;

describe("the engine side served to programs (monitor server)", () => {
  let preview: Engine;
  let up: Engine;
  before(async () => {
    [preview, up] = await Promise.all([startEngine(true), startEngine(false)]);
  });
  after(async () => Promise.all([preview, up].filter(Boolean).map(stopEngine)));

  it("answers a new resource with its inputs only at preview (other outputs unknown), with outputs at up", async () => {
    const inputs = { enableKeyRotation: true, description: "k" };
    const atPreview = await register(preview, registration(KEY, "k", inputs));
    assert.equal(atPreview.getId(), "", "the id of a resource being created is unknown");
    assert.deepEqual(atPreview.getObject()?.toJavaScript(), inputs);
    assert.equal(atPreview.getUrn(), "urn:pulumi:dev::p::aws:kms/key:Key::k");

    const atUp = await register(up, registration(KEY, "k", inputs));
    const outputs = atUp.getObject()?.toJavaScript() as Record<string, unknown>;
    assert.match(
      String(outputs.arn),
      new RegExp(`^arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/[0-9a-f-]{36}$`),
    );
    assert.equal(atUp.getId(), outputs.keyId);
  });

  it("records resources as the engine hands them to a pack: default provider from config, URNs under components", async () => {
    const stack = await register(preview, registration(STACK, "p-dev", {}));
    const component = await register(preview, registration("my:index:Thing", "t", {}, stack.getUrn()));
    const child = registration(KEY, "c", { description: "x" }, component.getUrn());
    child.setVersion("7.48.0");
    const dependencies = new resourceProto.RegisterResourceRequest.PropertyDependencies();
    dependencies.setUrnsList([component.getUrn()]);
    child.getPropertydependenciesMap().set("description", dependencies);
    const registered = await register(preview, child);
    assert.equal(registered.getUrn(), "urn:pulumi:dev::p::my:index:Thing$aws:kms/key:Key::c");

    const spec = preview.server.record().resources.find((r) => r.urn === registered.getUrn());
    assert.deepEqual(spec?.provider?.properties, { region: "eu-west-1" });
    assert.equal(spec?.provider?.urn, "urn:pulumi:dev::p::pulumi:providers:aws::default_7_48_0");
    assert.equal(spec?.parent, component.getUrn());
    assert.deepEqual(spec?.propertyDependencies, { description: [component.getUrn()] });
  });

  it("answers caller identity, partition and region offline", async () => {
    const invoke = preview.monitor.invoke.bind(preview.monitor);
    const identity = returned(
      await call(invoke, invocation("aws:index/getCallerIdentity:getCallerIdentity")),
    );
    assert.equal(identity.accountId, MOCK_ACCOUNT_ID);
    const region = returned(await call(invoke, invocation("aws:index/getRegion:getRegion")));
    assert.equal(region.name, "eu-west-1");
    const partition = returned(await call(invoke, invocation("aws:index/getPartition:getPartition")));
    assert.equal(partition.partition, "aws");
  });

  it("answers every other lookup with unknown values, never with an empty (absent) result", async () => {
    const invoke = preview.monitor.invoke.bind(preview.monitor);
    const alias = returned(await call(invoke, invocation("aws:kms/getAlias:getAlias", { name: "alias/x" })));
    assert.equal(alias.targetKeyArn, UNKNOWN);
    assert.equal(alias.targetKeyId, UNKNOWN);
    const key = returned(await call(invoke, invocation("aws:kms/getKey:getKey", { keyId: "alias/x" })));
    assert.equal(key.arn, UNKNOWN);
    const native = returned(await call(invoke, invocation("aws-native:kms:getKey", { keyId: "k" })));
    assert.equal(native.arn, UNKNOWN);
  });

  it("refuses a lookup it cannot simulate after up, where an unknown value would read as absent", async () => {
    await assert.rejects(
      call(up.monitor.invoke.bind(up.monitor), invocation("aws:kms/getAlias:getAlias", { name: "alias/x" })),
      /aws:kms\/getAlias:getAlias has no simulated answer after `up`/,
    );
  });

  it("fails a lookup whose result it cannot even shape, rather than answering it as absent", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "engine-monitor-"));
    const bare = await startEngine(true, empty);
    try {
      await assert.rejects(
        call(bare.monitor.invoke.bind(bare.monitor), invocation("aws:kms/getAlias:getAlias", { name: "a" })),
        /aws:kms\/getAlias:getAlias cannot be answered offline, and @pulumi\/aws is not installed/,
      );
    } finally {
      await stopEngine(bare);
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("reads a resource outside the stack with unknown state at preview, without recording it", async () => {
    const read = new resourceProto.ReadResourceRequest();
    read.setType(KEY);
    read.setName("shared");
    read.setId("1234abcd-12ab-34cd-56ef-1234567890ab");
    const response = await call<resourceProto.ReadResourceRequest, resourceProto.ReadResourceResponse>(
      preview.monitor.readResource.bind(preview.monitor),
      read,
    );
    assert.equal(response.getUrn(), "urn:pulumi:dev::p::aws:kms/key:Key::shared");
    assert.deepEqual(response.getProperties()?.toJavaScript(), {}, "every output left unknown");
    assert.ok(!preview.server.record().resources.some((r) => r.urn === response.getUrn()));
    await assert.rejects(
      call(up.monitor.readResource.bind(up.monitor), read),
      /cannot be read: no simulated state after `up`/,
    );
  });

  it("keeps the program's logs and its root resource", async () => {
    const log = new engineProto.LogRequest();
    log.setSeverity(engineProto.LogSeverity.ERROR);
    log.setMessage("boom");
    await call(preview.engine.log.bind(preview.engine), log);
    assert.deepEqual(
      preview.server.record().logs.map((l) => [l.severity, l.message]),
      [["error", "boom"]],
    );
    const root = new engineProto.SetRootResourceRequest();
    root.setUrn("urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev");
    await call(preview.engine.setRootResource.bind(preview.engine), root);
    const got = await call<engineProto.GetRootResourceRequest, engineProto.GetRootResourceResponse>(
      preview.engine.getRootResource.bind(preview.engine),
      new engineProto.GetRootResourceRequest(),
    );
    assert.equal(got.getUrn(), "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev");
    const version = new engineProto.RequirePulumiVersionRequest();
    version.setPulumiVersionRange(">=3.0.0");
    await call(preview.engine.requirePulumiVersion.bind(preview.engine), version);
  });
});
