/**
 * A thin layer between the engine and @pulumi/policy's gRPC service, installed before the pack
 * starts its server:
 * - Configure: the whole pack config is validated (unknown policy names, bad settings) and
 *   rejected with a message naming each bad key; @pulumi/policy alone would accept anything. The
 *   config's warnings (valid but risky settings) go to stderr, which the CLI shows.
 * - Analyze: resources of types no policy reads are answered for at once. A pack guarding a
 *   handful of types then costs the engine about what an empty pack costs.
 * - AnalyzeStack: the resources of the types the policies read are deserialized once and judged
 *   once; @pulumi/policy's own handler then runs every stack policy, each reporting its share of
 *   that one judgment, so the answer is the one it would give (same diagnostics, levels, order and
 *   not-applicable notes). Left to itself it rebuilds every resource (properties, proxy, options,
 *   provider, dependencies) once per stack policy: with a dozen stack policies, most of the pack's
 *   time on a large stack.
 * - State analysis: a deployment's engine says whether it runs a preview (the dry-run variable of
 *   the pack's environment, ConfigureStack) before its first Analyze. `pulumi policy analyze`
 *   says neither (pulumi/pulumi pkg/cmd/pulumi/policy/policy_analyze.go loads the packs with no
 *   PolicyAnalyzerOptions, so no ConfigureStack and no variable): an analysis that starts unsaid
 *   judges a recorded state, whose values are final.
 * - Fail closed: an Analyze or AnalyzeStack that fails inside @pulumi/policy (a property bag it
 *   cannot deserialize, a policy that throws) is answered with a mandatory violation naming each
 *   resource concerned, never with a failed call whose text could quote a property value.
 */
import {
  configuredLevels,
  InvalidConfigError,
  parsePackConfig,
  type RawPolicyConfig,
} from "../settings/pack-config";
import type { Guard, StackRequest } from "./guard";
import type { StackResource } from "../facts/key-tracing";
import { INTERNAL_ERROR } from "../judging/outcome";
import { dryRunVariable, type PackState } from "../settings/pack-state";
import { GUARD_SETTINGS_POLICY, guardSettings } from "../settings/guard-settings";
import type { IndexedJudgment } from "../judging/judgment";
import { analyzerMessages, analyzeStackHandler, policyGrpc, type Handler } from "./policy-internals";
import { stackResourcesOf } from "./stack-request";

/* eslint-disable @typescript-eslint/no-explicit-any -- the gRPC service types are untyped JS here. */

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
  /** The pack's name and version as @pulumi/policy reports them (GetAnalyzerInfo), and its level. */
  let identity: Promise<PackIdentity> | undefined;
  const packIdentity = () =>
    (identity ??= new Promise<PackIdentity>((resolve, reject) =>
      impl.getAnalyzerInfo({ request: undefined }, (error, info: any) =>
        error || !info
          ? reject(error ?? new Error("no analyzer info"))
          : resolve({
              name: info.getName(),
              version: info.getVersion(),
              enforcementLevel: guard.enforcementLevel,
            }),
      ),
    ));
  /** Answers a failed call with a mandatory violation on each resource it concerned (see the header). */
  const failClosed =
    (resources: () => any[], callback: (error: unknown, response?: unknown) => void) =>
    (error: unknown, response?: unknown) => {
      if (!error) {
        callback(error, response);
        return;
      }
      const unnamed: PackIdentity = { name: "", version: "", enforcementLevel: "mandatory" };
      void packIdentity()
        .catch(() => unnamed)
        .then((pack) => {
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
        });
    };
  return {
    ...impl,
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
      const resources = (call.request.getResourcesList() as any[]).filter((r) =>
        guard.relevantTypes.has(r.getType()),
      );
      call.request.setResourcesList(resources);
      const respond = failClosed(() => resources, callback);
      packIdentity().then((pack) => analyzeStackJudgedOnce(guard, pack)(call, respond), respond);
    },
  };
}

/**
 * AnalyzeStack as @pulumi/policy answers it, with the request's resources read once (when a stack
 * policy first needs them) and judged once (when the first enabled stack policy asks: none asks
 * when all are disabled). @pulumi/policy's own AnalyzeStack loop runs the stack policies (levels,
 * not-applicable notes, violations, the response), each reporting its share; it is given no
 * resources, which it would otherwise rebuild once per stack policy.
 */
export function analyzeStackJudgedOnce(guard: Guard, pack: PackIdentity): Handler {
  return (call, callback) => {
    const raw: any[] = call.request.getResourcesList();
    let resources: StackResource[] | undefined;
    let judgment: Promise<IndexedJudgment> | undefined;
    const plain = () => (resources ??= stackResourcesOf(raw));
    const request: StackRequest = {
      resources: plain,
      judgment: () => (judgment ??= Promise.resolve().then(() => guard.judgeStack(plain()))),
    };
    call.request.setResourcesList([]);
    analyzeStackHandler(pack, guard.reportingStack(request))(call, callback);
  };
}

export interface PackIdentity {
  readonly name: string;
  readonly version: string;
  readonly enforcementLevel: string;
}

/** The proto enum's names, as the pack config spells them. */
function levelName(level: number): string {
  return ["advisory", "mandatory", "disabled", "remediate"][level] ?? `unknown level ${level}`;
}
