/**
 * The pack's configuration file: the same JSON as `pulumi preview --policy-pack-config FILE`
 * ({"<policy>": "<level>" | {"enforcementLevel"?: "<level>", ...settings}, "all": "<level>"}),
 * parsed and reconciled with the pack's own defaults the way the Pulumi CLI does
 * (pkg/resource/analyzer/config.go: parsePolicyPackConfig, ReconcilePolicyPackConfig) before it
 * sends Configure. The file is checked first by the pack's own Configure validation (loaded from
 * the pack folder that will run), so that its problems are reported before the pack starts.
 */
import * as path from "path";
import { PACK_DIR, type Level, type PolicyConfigSpec } from "../engine/pack-client";
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
export function readPackConfig(file: string, packDir: string = PACK_DIR): PackConfigFile {
  const text = readInputFile(file, `--config ${file}`);
  if (text.trim() === "") return new Map();
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UnusableInputError(`--config ${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(document)) {
    throw new UnusableInputError(`--config ${file}: expected a JSON object of policy names`);
  }
  const entries = new Map<string, PolicyConfigEntry>();
  for (const [policy, value] of Object.entries(document)) {
    const where = `--config ${file}: ${policy}`;
    if (typeof value === "string") {
      entries.set(policy, { enforcementLevel: level(value, where), properties: {} });
    } else if (isPlainObject(value)) {
      const { enforcementLevel, ...properties } = value;
      entries.set(policy, {
        enforcementLevel: enforcementLevel === undefined ? undefined : level(enforcementLevel, where),
        properties,
      });
    } else {
      throw new UnusableInputError(`${where}: expected an enforcement level or an object`);
    }
  }
  const problems = packValidation(packDir).packConfigProblems(entries);
  if (problems.length > 0) throw new UnusableInputError(`--config ${file}: ${problems.join("; ")}`);
  return entries;
}

/** The validation code of the pack that will run (its built bin/), not a copy of it. */
function packValidation(packDir: string): {
  packConfigProblems(raw: ReadonlyMap<string, RawPolicyConfig>): readonly string[];
} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from the pack folder
  return require(path.join(packDir, "bin", "judging", "config-problems.js")) as ReturnType<
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
