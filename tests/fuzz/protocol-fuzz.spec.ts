/**
 * Protocol fuzz: thousands of generated resources and stacks (guarded types of every family, KMS
 * keys, replicas, aliases, key policies, unrelated types; with unknowns, secrets, ciphertext,
 * signature look-alikes, values of the wrong type, and property dependencies that point anywhere,
 * including missing URNs and the resource itself) sent to ONE real pack process over the engine's
 * protocol. Seeded (FC_SEED) and bounded.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { guardedType } from "../../policy-pack/catalog/bedrock-resources";
import { plain, UNKNOWN as UNKNOWN_VALUE } from "../../policy-pack/facts/values";
import {
  UNKNOWN,
  type AnalyzeResult,
  type ProviderSpec,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { LEAK, PROPERTY_RUNS, signatureLookalike } from "../property/arbitraries";
import { depth } from "../support/depth";
import { arbitraryStack, type GeneratedResource } from "../property/stack-arbitraries";
import { suitePack } from "../support/pack";
import { patient } from "../support/patience";

/**
 * Stacks per run: 400 under `npm run test:deep` (about 2,000 Analyze calls and 400 AnalyzeStack
 * calls, about 25 s), 60 in `npm test`.
 */
const STACKS = depth(400, 60);
const MAX_STACK_SIZE = 14;
/** Analyze calls in flight at once, as the engine analyzes parallel steps. */
const IN_FLIGHT = 8;

const PROVIDERS: readonly (ProviderSpec | undefined)[] = [
  undefined,
  { type: "pulumi:providers:aws", name: "default", properties: { region: "us-east-1" } },
  { type: "pulumi:providers:aws", name: "eu", properties: { region: "eu-west-1" } },
  { type: "pulumi:providers:aws", name: "odd", properties: { region: 42 } },
  { type: "pulumi:providers:aws", name: "preview", properties: { region: UNKNOWN } },
  { type: "pulumi:providers:aws-native", name: "native", properties: { region: ["us-east-1"] } },
];

/** A generated stack with signature look-alikes dropped into some properties, and providers attached. */
const fuzzStack = fc
  .tuple(
    arbitraryStack(MAX_STACK_SIZE),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom("kmsKeyIdentifier", "policy", "region", "tags", "keyId", "targetKeyId"),
        signatureLookalike,
      ),
      {
        maxLength: 3,
      },
    ),
    fc.array(fc.nat(PROVIDERS.length - 1), { minLength: MAX_STACK_SIZE, maxLength: MAX_STACK_SIZE }),
  )
  .map(([stack, lookalikes, providers]) => {
    const resources = stack.map((r) => ({ ...r, props: { ...r.props } }));
    for (const [index, property, value] of lookalikes) {
      if (resources.length > 0) resources[index % resources.length].props[property] = value;
    }
    return resources.map((r, index): ResourceSpec & { generated: GeneratedResource } => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      // The wire has no `undefined` (a Struct rejects it): drop such keys, as the engine never sends them.
      properties: JSON.parse(JSON.stringify(r.props)) as Record<string, unknown>,
      propertyDependencies: r.propertyDependencies,
      dependencies: [...new Set(Object.values(r.propertyDependencies).flat())],
      provider: PROVIDERS[providers[index]],
      generated: r,
    }));
  });

/** The fail-closed answer to a request the pack could not evaluate (policy-pack/judging/outcome.ts). */
const INTERNAL = /could not evaluate this resource \(internal error\)/;

/** Every message and reason of a response: none may carry exception text or a stack trace. */
function assertClean(result: AnalyzeResult, context: string): void {
  for (const d of result.diagnostics)
    assert.doesNotMatch(d.message, LEAK, `${context}: ${d.policyName}: ${d.message}`);
  for (const n of result.notApplicable)
    assert.doesNotMatch(n.reason, LEAK, `${context}: ${n.policyName}: ${n.reason}`);
}

/**
 * A guarded resource whose key property holds a value of the wrong type (a number, a list, an
 * object that is not a secret): whatever else it says, some policy must object and name it.
 */
function presentButUnusableKey(resource: ResourceSpec): boolean {
  const type = guardedType(resource.type);
  if (type === undefined || type.appliesWhen !== undefined || type.keyType !== undefined) return false;
  let value: unknown = resource.properties;
  for (const segment of type.keyProperty) {
    value = plain(value);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    value = (value as Record<string, unknown>)[segment];
  }
  const key = plain(value);
  return key !== undefined && key !== null && key !== UNKNOWN_VALUE && typeof key !== "string";
}

async function inLanes<T, R>(
  items: readonly T[],
  lanes: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return results;
}

/** Whether a message names the resource, or a resource of its template (`<name>/<logical id>`). */
function namesResource(message: string, name: string): boolean {
  return message.includes(`'${name}'`) || message.includes(`'${name}/`);
}

describe("protocol fuzz: generated resources and stacks against one real pack process", function () {
  this.timeout(patient(180_000));
  const pack = suitePack();

  it("answers every Analyze and AnalyzeStack call, with clean messages, fail-closed, and survives", async () => {
    const stacks = fc.sample(fuzzStack, { numRuns: STACKS, seed: PROPERTY_RUNS.seed });
    let analyzed = 0;
    let failClosedChecked = 0;
    let stackDiagnostics = 0;
    let internalErrors = 0;
    for (const [stackIndex, stack] of stacks.entries()) {
      const context = `seed ${PROPERTY_RUNS.seed}, stack ${stackIndex}`;
      const results = await inLanes(stack, IN_FLIGHT, (resource) =>
        pack.client.analyze(resource).catch((error: Error) => {
          throw new Error(`${context}: Analyze of ${resource.urn} failed: ${error.message}`);
        }),
      );
      analyzed += results.length;
      results.forEach((result, index) => {
        const resource = stack[index];
        assertClean(result, `${context}, ${resource.urn}`);
        for (const d of result.diagnostics) {
          assert.ok(
            namesResource(d.message, resource.name),
            `${context}: ${d.policyName} does not name ${resource.name}: ${d.message}`,
          );
          if (INTERNAL.test(d.message)) internalErrors++;
        }
        if (presentButUnusableKey(resource)) {
          failClosedChecked++;
          const named = result.diagnostics.filter((d) => d.message.includes(`'${resource.name}'`));
          assert.ok(
            named.length > 0,
            `${context}: ${resource.urn} with an unusable key passed: ${JSON.stringify(resource.properties)}`,
          );
        }
      });
      const stackResult = await pack.client.analyzeStack(stack).catch((error: Error) => {
        throw new Error(`${context}: AnalyzeStack failed: ${error.message}`);
      });
      assertClean(stackResult, context);
      const names = new Map(stack.map((r) => [r.urn, r.name]));
      for (const d of stackResult.diagnostics) {
        stackDiagnostics++;
        if (INTERNAL.test(d.message)) internalErrors++;
        const name = names.get(d.urn);
        assert.ok(name !== undefined, `${context}: ${d.policyName} reported on ${d.urn}, not in the stack`);
        assert.ok(
          namesResource(d.message, name),
          `${context}: ${d.policyName} does not name ${name}: ${d.message}`,
        );
      }
    }
    // One stack of everything at once: duplicate URNs, dependencies across the former stacks.
    assertClean(await pack.client.analyzeStack(stacks.flat()), "all stacks as one");
    assert.ok(pack.client.alive, `the pack exited: ${pack.client.stderr}`);
    assert.doesNotMatch(pack.client.stderr, LEAK, "the pack logged an exception");
    // Thresholds scale with the number of stacks (measured: about 5 Analyze calls, 0.1 unusable
    // keys and 0.4 stack findings per stack).
    assert.ok(analyzed > STACKS * 3.75, `only ${analyzed} Analyze calls`);
    assert.ok(failClosedChecked > STACKS * 0.075, `only ${failClosedChecked} unusable keys met`);
    assert.ok(stackDiagnostics > STACKS / 4, `only ${stackDiagnostics} stack findings`);
    // Property bags @pulumi/policy cannot read were met, and each became a violation (see above).
    assert.ok(internalErrors > 0, "no internal error was provoked");
  });
});
