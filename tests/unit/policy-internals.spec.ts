import { strict as assert } from "assert";
import * as path from "path";
import { analyzeStackRequest, type ResourceSpec } from "../../cli/engine/pack-client";
import { ALL_BEDROCK, generateStack, REALISTIC_MIX } from "../../bench/workload";
import { NO_AWS } from "../support/builders";
import { analyzeStackJudgedOnce } from "../../policy-pack/crossguard/engine-gate";
import { buildGuard, type Guard } from "../../policy-pack/crossguard/guard";
import {
  analyzeStackHandler,
  type Handler,
  PATCHED_POLICY_VERSION,
  PROXY_TARGET,
} from "../../policy-pack/crossguard/policy-internals";
import { createPackState } from "../../policy-pack/settings/pack-state";

const policyDir = path.dirname(require.resolve("@pulumi/policy"));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed package's own files
const internal = (file: string) => require(path.join(policyDir, file));

describe("@pulumi/policy internals the pack relies on (crossguard/policy-internals.ts)", () => {
  it(`are those of the version they were written against (${PATCHED_POLICY_VERSION}): re-check each before moving the pin`, () => {
    const installed = String(internal("package.json").version).replace(/^v/, "");
    assert.equal(installed, PATCHED_POLICY_VERSION);
  });

  it("are all still there", () => {
    assert.equal(typeof internal("server.js").makeAnalyzeStackRpcFun, "function");
    assert.equal(typeof internal("deserialize.js").deserializeProperties, "function");
    assert.equal(internal("proxy.js").getSpecialProxyTarget, PROXY_TARGET);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the copy @pulumi/policy resolves
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] }));
    assert.equal(typeof grpc.Server.prototype.addService, "function");
  });
});

/** The response of a handler to `request`, serialized (what goes on the wire), or its error. */
function answer(handler: Handler, request: unknown): Promise<string> {
  return new Promise((resolve) =>
    handler({ request }, (error, response) =>
      resolve(
        error
          ? `error: ${(error as Error).message}`
          : Buffer.from((response as { serializeBinary(): Uint8Array }).serializeBinary()).toString("base64"),
      ),
    ),
  );
}

describe("AnalyzeStack judged once (engine gate) against @pulumi/policy running each stack policy", () => {
  const pack = { name: "bedrock-cmk-guard", version: "0.0.0-test", enforcementLevel: "mandatory" };
  const stacks: Record<string, ResourceSpec[]> = {
    "all-Bedrock at preview": generateStack({ ...ALL_BEDROCK, size: 60, preview: true }),
    "all-Bedrock at up": generateStack({ ...ALL_BEDROCK, size: 60, preview: false }),
    "realistic mix at up": generateStack({ ...REALISTIC_MIX, size: 400, preview: false }),
    empty: [],
  };

  // A recorded state (`pulumi policy analyze`): the stack policies report resource verdicts too.
  const runs = [
    { mode: "preview", source: "program" },
    { mode: "final", source: "program" },
    { mode: "final", source: "state" },
  ] as const;
  for (const { mode, source } of runs) {
    for (const [label, stack] of Object.entries(stacks)) {
      it(`gives the same wire answer: ${label}, ${mode} values from the ${source}`, async () => {
        const state = createPackState({});
        state.mode = mode;
        state.source = source;
        const guard: Guard = buildGuard(state, NO_AWS);
        // Only the types the policies read reach @pulumi/policy (the gate leaves the others out).
        const guarded = stack.filter((r) => guard.relevantTypes.has(r.type));
        const once = await answer(analyzeStackJudgedOnce(guard, pack), analyzeStackRequest(guarded));
        const perPolicy = await answer(
          analyzeStackHandler(pack, guard.policies),
          analyzeStackRequest(guarded),
        );
        assert.ok(!once.startsWith("error"), once);
        assert.equal(once, perPolicy);
      });
    }
  }

  it("fails as @pulumi/policy fails on a resource without options (an engine older than it supports)", async () => {
    const guard = buildGuard(createPackState({}), NO_AWS);
    const request = () => {
      const built = analyzeStackRequest(stacks["all-Bedrock at up"]!.slice(0, 4));
      built.getResourcesList()[1]!.clearOptions();
      return built;
    };
    const once = await answer(analyzeStackJudgedOnce(guard, pack), request());
    const perPolicy = await answer(analyzeStackHandler(pack, guard.policies), request());
    assert.match(once, /^error: [\s\S]*A more recent version of the Pulumi CLI is required/);
    assert.match(perPolicy, /^error: [\s\S]*A more recent version of the Pulumi CLI is required/);
  });
});
