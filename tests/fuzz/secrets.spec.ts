/**
 * Secrets never leak: generated stacks whose secret values are canaries (strings of an alphabet no
 * message, report or format ever uses) in every field the rules read (key references, regions,
 * versions, tags, key policies, key facts), sent through the pack's protocol (Analyze and
 * AnalyzeStack) and through the command-line tool's `check` in all three formats. Any run of five
 * canary characters in the output is a substring (longer than 4 characters) of a secret.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { PackClient, type AnalyzeResult, type ResourceSpec } from "../../cli/engine/pack-client";
import { formatJson } from "../../cli/report/json";
import { formatSarif } from "../../cli/report/sarif";
import { formatText } from "../../cli/report/text";
import { runPack } from "../../cli/commands/run-pack";
import { parseStateDocument } from "../../cli/sources/stack-file";
import {
  isPlainObject,
  isSecretWrapper,
  SECRET_SIGNATURE,
  SIGNATURE_KEY,
} from "../../policy-pack/facts/values";
import { assertBuilt, runAll } from "../cli/run-cli";
import { PROPERTY_RUNS, secretWrapped } from "../property/arbitraries";
import { depth } from "../support/depth";
import { arbitraryStack, type GeneratedResource } from "../property/stack-arbitraries";
import { patient } from "../support/patience";

const CANARY_ALPHABET = "ЖЩЮЯжщюяЪЫ";
/** Five canary characters in a row: only a secret can have put them there. */
const LEAKED = new RegExp(`[${CANARY_ALPHABET}]{5}`);

const canary = fc
  .string({ unit: fc.constantFrom(...CANARY_ALPHABET), minLength: 6, maxLength: 16 })
  .map((text) => `ЖЩ${text}`);

/** A secret's value with every string in it (however nested) replaced by a canary. */
function canaryInside(value: unknown, next: () => string): unknown {
  if (typeof value === "string") return next();
  if (isSecretWrapper(value)) return secretWrapped(canaryInside(value.value, next));
  if (Array.isArray(value)) return value.map((v) => canaryInside(v, next));
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canaryInside(v, next)]));
  return value === undefined ? next() : value;
}

/**
 * Every secret of the generated properties gets canary contents; then, property by property
 * (the key property path included), a coin decides whether the value itself becomes a secret.
 */
function withCanarySecrets(
  props: Record<string, unknown>,
  coins: () => boolean,
  next: () => string,
): Record<string, unknown> {
  const walk = (value: unknown): unknown => {
    if (isSecretWrapper(value))
      return "value" in value
        ? secretWrapped(canaryInside(value.value, next))
        : { [SIGNATURE_KEY]: SECRET_SIGNATURE, ciphertext: next() };
    if (Array.isArray(value)) return value.map(walk);
    if (isPlainObject(value))
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, coins() ? secretWrapped(canaryInside(v, next)) : walk(v)]),
      );
    return value;
  };
  return walk(props) as Record<string, unknown>;
}

/** Generated stacks with canary secrets everywhere, as wire-form resources. */
const secretStack = fc
  .tuple(
    arbitraryStack(10),
    fc.array(canary, { minLength: 32, maxLength: 32 }),
    fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  )
  .map(([stack, canaries, coins]) => {
    let c = 0;
    let b = 0;
    const next = () => canaries[c++ % canaries.length];
    const coin = () => coins[b++ % coins.length];
    const unique = new Map<string, GeneratedResource>();
    for (const r of stack) unique.set(r.urn, r);
    return [...unique.values()].map((r): ResourceSpec => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      properties: JSON.parse(JSON.stringify(withCanarySecrets(r.props, coin, next))) as Record<
        string,
        unknown
      >,
      propertyDependencies: r.propertyDependencies,
      dependencies: [...new Set(Object.values(r.propertyDependencies).flat())],
    }));
  });

function assertNoCanary(text: string, where: string): void {
  const match = LEAKED.exec(text);
  assert.equal(
    match,
    null,
    `${where} shows part of a secret: ...${match ? text.slice(Math.max(0, match.index - 80), match.index + 20) : ""}`,
  );
}

function responseText(result: AnalyzeResult): string {
  return [
    ...result.diagnostics.map((d) => `${d.message}\n${d.description}`),
    ...result.notApplicable.map((n) => n.reason),
  ].join("\n");
}

/** A stack export (deployment v3) of the resources, secrets written as `--show-secrets` writes them. */
function stackExport(resources: readonly ResourceSpec[]): unknown {
  const exported = (value: unknown): unknown => {
    if (isSecretWrapper(value))
      return "value" in value
        ? { [SIGNATURE_KEY]: SECRET_SIGNATURE, plaintext: JSON.stringify(value.value) }
        : value;
    if (Array.isArray(value)) return value.map(exported);
    if (isPlainObject(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exported(v)]));
    return value;
  };
  const provider = "urn:pulumi:dev::test::pulumi:providers:aws::default";
  return {
    version: 3,
    deployment: {
      manifest: { time: "2025-06-02T09:15:41Z", magic: "", version: "v3.176.0" },
      resources: [
        {
          urn: provider,
          custom: true,
          id: "p-1",
          type: "pulumi:providers:aws",
          inputs: { region: "us-east-1" },
          outputs: { region: "us-east-1" },
        },
        ...resources.map((r, index) => ({
          urn: r.urn,
          custom: true,
          id: `id-${index}`,
          type: r.type,
          inputs: exported(r.properties),
          outputs: exported(r.properties),
          provider: `${provider}::p-1`,
          dependencies: r.dependencies,
          propertyDependencies: r.propertyDependencies,
        })),
      ],
    },
  };
}

describe("secrets: no secret value, or any part of it longer than 4 characters, is ever shown", function () {
  this.timeout(patient(180_000));

  it("in the pack's diagnostics and reasons (Analyze and AnalyzeStack)", async () => {
    const pack = await PackClient.start();
    try {
      await pack.initialise();
      let findings = 0;
      // 100 stacks under `npm run test:deep`, 40 in `npm test`.
      const stacks = depth(100, 40);
      for (const [index, stack] of fc
        .sample(secretStack, { numRuns: stacks, seed: PROPERTY_RUNS.seed })
        .entries()) {
        for (const resource of stack) {
          const result = await pack.analyze(resource);
          findings += result.diagnostics.length;
          assertNoCanary(responseText(result), `Analyze of ${resource.urn} (stack ${index})`);
        }
        const result = await pack.analyzeStack(stack);
        findings += result.diagnostics.length;
        assertNoCanary(responseText(result), `AnalyzeStack (stack ${index})`);
      }
      assert.ok(findings > stacks * 3, `only ${findings} findings: the stacks must reach the messages`);
    } finally {
      await pack.stop();
    }
  });

  it("in the command-line tool's text, JSON and SARIF reports of `check` on stack exports", async () => {
    // Two exports of about 50 resources each (ten generated stacks, URNs made unique).
    const samples = fc.sample(secretStack, { numRuns: 20, seed: PROPERTY_RUNS.seed + 1 });
    const documents = [0, 1].map((part) =>
      stackExport([
        ...new Map(
          samples
            .slice(part * 10, part * 10 + 10)
            .flat()
            .map((r) => [r.urn, r]),
        ).values(),
      ]),
    );
    // Each export through the tool's pipeline in-process (one pack run each, all three formats) ...
    for (const [index, document] of documents.entries()) {
      const file = `stack-${index}.json`;
      const input = parseStateDocument(document, file, JSON.stringify(document, null, 2));
      const report = await runPack(input, { command: "check", progress: () => undefined });
      assertNoCanary(formatText(report, { verbose: true }), `text report ${index}`);
      assertNoCanary(formatJson(report), `JSON report ${index}`);
      assertNoCanary(
        formatSarif(report, { toolVersion: "0.0.0", artifact: file, lineOf: input.lineOf }),
        `SARIF report ${index}`,
      );
      assert.ok(report.summary.mandatory + report.summary.advisory > 10, "the stack reaches the reports");
    }
    // ... and the built tool as a user runs it, every format, on one of them.
    assertBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmk-guard-secrets-"));
    try {
      const file = path.join(dir, "stack.json");
      fs.writeFileSync(file, JSON.stringify(documents[0], null, 2));
      const formats = ["text", "json", "sarif"];
      const runs = await runAll(
        formats.map((format) => ["check", file, "--format", format, "--verbose"]),
        formats.length,
      );
      for (const [index, run] of runs.entries()) {
        const format = formats[index];
        assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}: ${run.stderr}`);
        assertNoCanary(run.stdout, `bedrock-cmk-guard check --format ${format} (stdout)`);
        assertNoCanary(run.stderr, `bedrock-cmk-guard check --format ${format} (stderr)`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
