/**
 * A thin layer between the engine and @pulumi/policy's gRPC service, installed before the pack
 * starts its server:
 * - Configure: the whole pack config is validated (unknown policy names, bad settings) and
 *   rejected with a message naming each bad key; @pulumi/policy alone would accept anything. The
 *   config's warnings (valid but risky settings) go to stderr, which the CLI shows.
 * - Analyze / AnalyzeStack: resources of types no policy reads are answered for at once (Analyze)
 *   or left out before @pulumi/policy deserializes them once per stack policy (AnalyzeStack).
 *   A pack guarding a handful of types then costs the engine about what an empty pack costs.
 * - State analysis: a deployment's engine says whether it runs a preview (the dry-run variable of
 *   the pack's environment, ConfigureStack) before its first Analyze. `pulumi policy analyze`
 *   says neither (pulumi/pulumi pkg/cmd/pulumi/policy/policy_analyze.go loads the packs with no
 *   PolicyAnalyzerOptions, so no ConfigureStack and no variable): an analysis that starts unsaid
 *   judges a recorded state, whose values are final.
 * - Fail closed: an Analyze or AnalyzeStack that fails inside @pulumi/policy (a property bag it
 *   cannot deserialize, a policy that throws) is answered with a mandatory violation naming each
 *   resource concerned, never with a failed call whose text could quote a property value.
 */
import * as path from "path";
import {
  configuredLevels,
  InvalidConfigError,
  parsePackConfig,
  type RawPolicyConfig,
} from "../settings/pack-config";
import type { Guard } from "./guard";
import { INTERNAL_ERROR } from "../judging/outcome";
import { dryRunVariable, type PackState } from "../settings/pack-state";
import { GUARD_SETTINGS_POLICY, guardSettings } from "../settings/guard-settings";

/* eslint-disable @typescript-eslint/no-explicit-any -- the gRPC service types are untyped JS here. */
type Handler = (call: any, callback: (error: unknown, response?: unknown) => void) => void;

const INVALID_ARGUMENT = 3;
const MANDATORY = 1;

/**
 * A Struct as plain objects that keep every key as data. google-protobuf's `toJavaScript` assigns
 * keys, so a `__proto__` key would silently become the object's prototype (dropped, or worse,
 * inherited settings); kept as data, the pack config validation refuses it by name.
 */
function plainStruct(struct: any): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  struct?.getFieldsMap().forEach((value: any, key: string) => {
    Object.defineProperty(result, key, {
      value: plainValue(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return result;
}

function plainValue(value: any): unknown {
  if (value.hasStructValue()) return plainStruct(value.getStructValue());
  if (value.hasListValue()) return value.getListValue().getValuesList().map(plainValue);
  return value.toJavaScript();
}

/** @grpc/grpc-js exactly as @pulumi/policy resolves it, so that the patched class is the one it uses. */
function policyGrpc(): {
  Server: { prototype: { addService: (service: any, impl: Record<string, Handler>) => void } };
} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @pulumi/policy's folder
  return require(require.resolve("@grpc/grpc-js", { paths: [policyDir()] }));
}

function policyDir(): string {
  return path.dirname(require.resolve("@pulumi/policy"));
}

/** The analyzer messages exactly as @pulumi/policy resolves them (its response type is built from them). */
function analyzerMessages(): { AnalyzeDiagnostic: new () => any } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @pulumi/policy's folder
  return require(require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [policyDir()] }));
}

export function installEngineGate(
  guard: Guard,
  state: PackState,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const prototype = policyGrpc().Server.prototype;
  const addService = prototype.addService;
  prototype.addService = function (service, impl) {
    const isAnalyzer = typeof impl.analyze === "function" && typeof impl.configure === "function";
    return addService.call(this, service, isAnalyzer ? gate(service, impl, guard, state, env) : impl);
  };
}

function gate(
  service: any,
  impl: Record<string, Handler>,
  guard: Guard,
  state: PackState,
  env: NodeJS.ProcessEnv,
): Record<string, Handler> {
  const AnalyzeResponse = service.analyze.responseType;
  /** Whether the engine said what it runs (see the header); decided at the latest by its first analysis. */
  let engineSaid = dryRunVariable(env) !== undefined;
  const beforeAnalysis = () => {
    if (engineSaid) return;
    engineSaid = true;
    state.mode = "final";
    state.source = "state";
  };
  const { AnalyzeDiagnostic } = analyzerMessages();
  /** The pack's name and version, as GetAnalyzerInfo (always the engine's first call) reports them. */
  let pack = { name: "", version: "" };
  /** Answers a failed call with a mandatory violation on each resource it concerned (see the header). */
  const failClosed =
    (resources: () => any[], callback: (error: unknown, response?: unknown) => void) =>
    (error: unknown, response?: unknown) => {
      if (!error) {
        callback(error, response);
        return;
      }
      const answer = new AnalyzeResponse();
      for (const resource of resources()) {
        const diagnostic = new AnalyzeDiagnostic();
        diagnostic.setPolicyname(GUARD_SETTINGS_POLICY);
        diagnostic.setPolicypackname(pack.name);
        diagnostic.setPolicypackversion(pack.version);
        diagnostic.setDescription("The guard could not evaluate this resource.");
        diagnostic.setMessage(
          `${resource.getType()} '${resource.getName()}': ${INTERNAL_ERROR.problem}\nFix: ${INTERNAL_ERROR.fix}`,
        );
        diagnostic.setEnforcementlevel(MANDATORY);
        diagnostic.setUrn(resource.getUrn());
        answer.addDiagnostics(diagnostic);
      }
      callback(null, answer);
    };
  return {
    ...impl,
    getAnalyzerInfo: (call, callback) => {
      impl.getAnalyzerInfo(call, (error, info: any) => {
        if (!error && info) pack = { name: info.getName(), version: info.getVersion() };
        callback(error, info);
      });
    },
    configureStack: (call, callback) => {
      // An update, `pulumi policy analyze` and the like judge final values; a preview may not.
      if (typeof call.request?.getDryRun === "function") {
        state.mode = call.request.getDryRun() ? "preview" : "final";
        engineSaid = true;
      }
      impl.configureStack(call, callback);
    },
    configure: (call, callback) => {
      const entries = new Map<string, RawPolicyConfig>();
      for (const [name, value] of call.request.getPolicyconfigMap().entries() as Iterable<[string, any]>) {
        entries.set(name, {
          enforcementLevel: levelName(value.getEnforcementlevel()),
          properties: plainStruct(value.getProperties()),
        });
      }
      try {
        state.settings = parsePackConfig(entries, guard.settings, guard.remediationUnavailable);
        state.levels = configuredLevels(entries);
        // The CLI shows a policy pack's stderr lines among the update's diagnostics.
        for (const warning of guardSettings(state).warnings)
          process.stderr.write(`bedrock-cmk-guard warning: ${warning}\n`);
      } catch (error) {
        if (!(error instanceof InvalidConfigError)) throw error;
        callback({ code: INVALID_ARGUMENT, details: error.message, message: error.message });
        return;
      }
      impl.configure(call, callback);
    },
    remediate: (call, callback) => {
      beforeAnalysis();
      impl.remediate(call, callback);
    },
    analyze: (call, callback) => {
      beforeAnalysis();
      if (!guard.relevantTypes.has(call.request.getType())) {
        callback(null, new AnalyzeResponse());
        return;
      }
      impl.analyze(
        call,
        failClosed(() => [call.request], callback),
      );
    },
    analyzeStack: (call, callback) => {
      beforeAnalysis();
      const resources: any[] = call.request.getResourcesList();
      call.request.setResourcesList(resources.filter((r) => guard.relevantTypes.has(r.getType())));
      impl.analyzeStack(
        call,
        failClosed(() => call.request.getResourcesList(), callback),
      );
    },
  };
}

/** The proto enum's names, as the pack config spells them. */
function levelName(level: number): string {
  return ["advisory", "mandatory", "disabled", "remediate"][level] ?? `unknown level ${level}`;
}
