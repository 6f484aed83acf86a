/**
 * One config file everywhere: every policy declares its configSchema (what `pulumi policy
 * validate-config` checks), the JSON Schema shipped in the pack is the one the policies make, and
 * every example pack config in the docs validates against it with a maintained validator (ajv),
 * as `validate-config` would validate it; the same validator refuses what the pack refuses.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { NO_AWS } from "../support/builders";
import { buildGuard } from "../../policy-pack/crossguard/guard";
import { createPackState } from "../../policy-pack/settings/pack-state";
import { packConfigProblems } from "../../policy-pack/judging/config-problems";
import type { RawPolicyConfig } from "../../policy-pack/settings/pack-config";
import { docFiles, readBlocks, ROOT } from "../docs/doc-blocks";
import { configSchemaText, SCHEMA_FILE } from "./config-schema-file";

const guard = buildGuard(createPackState({}), NO_AWS);
const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const policyNames = new Set([...guard.policies.map((p) => p.name), "all"]);

/** A config file's entries as the CLI hands them to the pack's Configure validation. */
function asConfigure(config: Record<string, unknown>): Map<string, RawPolicyConfig> {
  return new Map(
    Object.entries(config).map(([name, value]) => {
      if (typeof value === "string") return [name, { enforcementLevel: value, properties: {} }];
      const { enforcementLevel, ...properties } = value as Record<string, unknown>;
      return [name, { enforcementLevel, properties }];
    }),
  );
}

/** The docs' JSON blocks that are pack configs (a fragment `"policy": {...}` is read as an object). */
function docConfigs(): { where: string; config: Record<string, unknown> }[] {
  const configs: { where: string; config: Record<string, unknown> }[] = [];
  for (const file of docFiles()) {
    for (const block of readBlocks(file).filter((b) => b.language === "json")) {
      const text = block.body.trim().startsWith('"') ? `{${block.body}}` : block.body;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) continue;
      if (Object.keys(parsed).some((key) => policyNames.has(key)))
        configs.push({ where: `${file}:${block.line}`, config: parsed as Record<string, unknown> });
    }
  }
  return configs;
}

describe("pack config schema (validate-config, --policy-pack-config, -c)", () => {
  it("every policy declares a configSchema, the settings' own schema where it has settings", () => {
    for (const policy of guard.policies) {
      assert.ok(policy.configSchema, `${policy.name} has no configSchema`);
      const settings = guard.settings.get(policy.name);
      assert.deepEqual(policy.configSchema, settings?.schema ?? { properties: {} }, policy.name);
    }
  });

  it("the shipped policy-pack/config.schema.json is the one the policies make (npm run docs:schema)", () => {
    assert.equal(fs.readFileSync(SCHEMA_FILE, "utf8"), configSchemaText());
    const packFiles = (
      JSON.parse(fs.readFileSync(path.join(ROOT, "policy-pack/package.json"), "utf8")) as { files: string[] }
    ).files;
    assert.ok(packFiles.includes("config.schema.json"), "the pack tarball ships the schema");
  });

  it("every example config in the docs, and config.example.json, validates and is accepted by the pack", () => {
    const examples = [
      {
        where: "policy-pack/config.example.json",
        config: JSON.parse(
          fs.readFileSync(path.join(ROOT, "policy-pack/config.example.json"), "utf8"),
        ) as Record<string, unknown>,
      },
      ...docConfigs(),
    ];
    // The docs hold several configs: a change that stops finding them must not pass quietly.
    assert.ok(examples.length >= 6, `found only ${examples.length} example configs`);
    for (const { where, config } of examples) {
      assert.ok(validate(config), `${where}: ${JSON.stringify(validate.errors)}`);
      assert.deepEqual(packConfigProblems(asConfigure(config)), [], where);
    }
  });

  const refused: [string, string][] = [
    ["an unknown policy", `{"workspace-cmk-requird": "mandatory"}`],
    ["an unknown level", `{"workspace-cmk-required": "blocking"}`],
    ["an unknown setting", `{"cmk-key-rotation": {"maxRotationDays": 365}}`],
    ["a setting of the wrong type", `{"cmk-key-rotation": {"maxRotationPeriodDays": "365"}}`],
    ["a __proto__ policy", `{"__proto__": {"enforcementLevel": "disabled"}}`],
    ["a nested __proto__", `{"guard-settings": {"verifyKeysWithAws": {"__proto__": {"enabled": true}}}}`],
    ["a constructor setting", `{"cmk-key-rotation": {"constructor": {}}}`],
  ];
  for (const [what, text] of refused) {
    it(`the schema and the pack both refuse ${what}`, () => {
      const config = JSON.parse(text) as Record<string, unknown>;
      assert.equal(validate(config), false, "schema accepted it");
      assert.notDeepEqual(packConfigProblems(asConfigure(config)), [], "pack accepted it");
    });
  }

  it("names a forbidden key by its path and says why", () => {
    const problems = packConfigProblems(
      asConfigure(
        JSON.parse(`{"guard-settings": {"exemptions": [{"prototype": 1}]}}`) as Record<string, unknown>,
      ),
    );
    assert.equal(problems.length, 1, problems.join("; "));
    assert.match(problems[0], /^guard-settings\.exemptions\[0\]\.prototype: refused: .*remove it$/);
  });
});
