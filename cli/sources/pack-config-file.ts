/**
 * The pack's configuration file: the same JSON as `pulumi preview --policy-pack-config FILE`
 * ({"<policy>": "<level>" | {"enforcementLevel"?: "<level>", ...settings}, "all": "<level>"}),
 * parsed and reconciled with the pack's own defaults the way the Pulumi CLI does
 * (pkg/resource/analyzer/config.go: parsePolicyPackConfig, ReconcilePolicyPackConfig) before it
 * sends Configure. The file is checked first by the pack's own Configure validation (loaded from
 * the pack folder that will run), so that its problems are reported before the pack starts.
 */
import * as path from "path";
import type { Level, PolicyConfigSpec } from "../engine/pack-client";
import { readInputFile, UnusableInputError } from "../errors";
import type { PolicyDescription } from "../report/report";
import type { RawPolicyConfig } from "../../policy-pack/settings/pack-config";
import { didYouMean } from "../../policy-pack/settings/suggest";
import { isPlainObject } from "../../policy-pack/facts/values";

const LEVELS: readonly Level[] = ["advisory", "mandatory", "disabled", "remediate"];
/** The CLI's key that sets every policy's level at once. */
const ALL_POLICIES = "all";

interface PolicyConfigEntry {
  readonly enforcementLevel?: Level;
  readonly properties: Record<string, unknown>;
}

export type PackConfigFile = ReadonlyMap<string, PolicyConfigEntry>;

/** Reads and validates the file with the validation of the pack that will run (`packDir`, else the bundled one). */
export function readPackConfig(file: string, packDir?: string): PackConfigFile {
  const text = readInputFile(file, `--config ${file}`);
  if (text.trim() === "") return new Map();
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UnusableInputError(`--config ${file}: not valid JSON (${(error as Error).message})`);
  }
  const entries = packConfigEntries(document, `--config ${file}`);
  const problems = packValidation(packDir).packConfigProblems(entries);
  if (problems.length > 0) throw new UnusableInputError(`--config ${file}: ${problems.join("; ")}`);
  return entries;
}

/**
 * A pack config document (already parsed JSON) as policy entries: levels checked, settings kept
 * for the pack's own validation. `where` names the source in error messages.
 */
export function packConfigEntries(document: unknown, where: string): Map<string, PolicyConfigEntry> {
  if (!isPlainObject(document)) {
    throw new UnusableInputError(`${where}: expected a JSON object of policy names`);
  }
  const entries = new Map<string, PolicyConfigEntry>();
  for (const [policy, value] of Object.entries(document)) {
    const at = `${where}: ${policy}`;
    if (typeof value === "string") {
      entries.set(policy, { enforcementLevel: level(value, at), properties: {} });
    } else if (isPlainObject(value)) {
      const { enforcementLevel, ...properties } = value;
      entries.set(policy, {
        enforcementLevel: enforcementLevel === undefined ? undefined : level(enforcementLevel, at),
        properties,
      });
    } else {
      throw new UnusableInputError(`${at}: expected an enforcement level or an object`);
    }
  }
  return entries;
}

/** The validation code of the pack that will run (its built bin/), not a copy of it. */
function packValidation(packDir: string | undefined): {
  packConfigProblems(raw: ReadonlyMap<string, RawPolicyConfig>): readonly string[];
} {
  // Loaded here, not at the top: the AWS Config rule's bundle parses pack configs without the engine side.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PACK_DIR } = require("../engine/pack-client") as typeof import("../engine/pack-client");
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from the pack folder
  return require(path.join(packDir ?? PACK_DIR, "bin", "judging", "config-problems.js")) as ReturnType<
    typeof packValidation
  >;
}

function level(value: unknown, where: string): Level {
  if (typeof value === "string" && (LEVELS as readonly string[]).includes(value)) return value as Level;
  throw new UnusableInputError(
    `${where}: ${JSON.stringify(value)} is not an enforcement level (${LEVELS.join(", ")})${didYouMean(String(value), LEVELS)}`,
  );
}

/**
 * The Configure request the Pulumi CLI would send: every policy with its default level and
 * schema defaults, then the `all` level, then each configured policy on top.
 */
export function reconcile(
  policies: readonly PolicyDescription[],
  config: PackConfigFile,
): Record<string, PolicyConfigSpec> {
  const all = config.get(ALL_POLICIES)?.enforcementLevel;
  const result: Record<string, PolicyConfigSpec> = {};
  for (const policy of policies) {
    result[policy.name] = {
      enforcementLevel: all ?? policy.enforcementLevel,
      properties: { ...policy.configDefaults },
    };
  }
  for (const [name, entry] of config) {
    const current = result[name];
    result[name] = {
      enforcementLevel: entry.enforcementLevel ?? current?.enforcementLevel,
      properties: { ...current?.properties, ...entry.properties },
    };
  }
  return result;
}
