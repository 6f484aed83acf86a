/**
 * The pack's configuration: what `--policy-pack-config` (or a Pulumi Cloud policy group) sends in
 * the engine's Configure call, validated as a whole. A configuration the pack cannot understand is
 * rejected with a message naming the key and what it expects: nothing a user configured is
 * silently ignored.
 */
import { didYouMean } from "./suggest";
import { isPlainObject } from "../facts/values";
import type { PolicyLevel } from "../judging/final-values";

/** JSON schema of one policy's settings, as @pulumi/policy and the Pulumi CLI expect it. */
export interface SettingsSchema {
  readonly properties: Record<string, Record<string, unknown>>;
  readonly required?: string[];
}

/** A policy's settings: their schema (for the CLI and Pulumi Cloud) and a parser (for the pack). */
export interface SettingsSpec<T> {
  readonly schema: SettingsSchema;
  readonly defaults: T;
  /** Returns the settings, or pushes one message per problem (each naming its key) to `errors`. */
  parse(raw: Record<string, unknown>, errors: ConfigErrors): T;
}

/** Collects problems, each prefixed with the policy it belongs to. */
export class ConfigErrors {
  constructor(
    private readonly prefix = "",
    /** Shared by every scope, so that nested problems reach the caller. */
    readonly messages: string[] = [],
  ) {}
  add(key: string, expected: string): void {
    this.problem(key, `expected ${expected}`);
  }
  problem(key: string, text: string): void {
    this.messages.push(`${this.prefix}${key}: ${text}`);
  }
  scoped(prefix: string): ConfigErrors {
    return new ConfigErrors(`${this.prefix}${prefix}.`, this.messages);
  }
}

export class InvalidConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid bedrock-cmk-guard policy pack config: ${problems.join("; ")}`);
    this.name = "InvalidConfigError";
  }
}

/** One policy's entry in a Configure request: its level and its other properties. */
export interface RawPolicyConfig {
  readonly enforcementLevel?: unknown;
  readonly properties: Record<string, unknown>;
}

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
const REMEDIATE = "remediate";
/** A message names at most this many policies of a group. */
const NAMES_LISTED = 3;
/** The CLI's shorthand that sets every policy's level at once. */
const ALL_POLICIES = "all";

/**
 * Keys that a JavaScript assignment turns into a prototype change instead of data: a config that
 * holds one anywhere is refused, so that nothing configured is ever silently dropped.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Each forbidden key's dotted path inside `value` (arrays by index). */
function forbiddenKeyPaths(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => forbiddenKeyPaths(item, `${at}[${index}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const where = at === "" ? key : `${at}.${key}`;
    const inner = forbiddenKeyPaths((value as Record<string, unknown>)[key], where);
    return FORBIDDEN_KEYS.has(key) ? [where, ...inner] : inner;
  });
}

/**
 * Validates a whole Configure request against the pack's policies and returns each policy's parsed
 * settings. Throws {@link InvalidConfigError} listing every problem at once. `remediationUnavailable`
 * says why `remediate` is refused for each policy that has no safe automatic fix.
 */
export function parsePackConfig(
  raw: ReadonlyMap<string, RawPolicyConfig>,
  policies: ReadonlyMap<string, SettingsSpec<unknown> | undefined>,
  remediationUnavailable: ReadonlyMap<string, string> = new Map(),
): Map<string, unknown> {
  const errors = new ConfigErrors();
  const settings = new Map<string, unknown>();
  for (const [name, entry] of raw) {
    const forbidden = [
      ...(FORBIDDEN_KEYS.has(name) ? [name] : []),
      ...forbiddenKeyPaths(entry.properties, name),
    ];
    if (forbidden.length > 0) {
      for (const where of forbidden)
        errors.problem(
          where,
          `refused: \`__proto__\`, \`constructor\` and \`prototype\` are not config keys (JavaScript would drop them silently); remove it`,
        );
      continue;
    }
    if (entry.enforcementLevel !== undefined && !LEVELS.includes(String(entry.enforcementLevel))) {
      const level = String(entry.enforcementLevel);
      errors.add(
        `${name}.enforcementLevel`,
        `one of ${LEVELS.map((l) => JSON.stringify(l)).join(", ")}${didYouMean(level, LEVELS)}`,
      );
    }
    if (name === ALL_POLICIES) continue;
    if (!policies.has(name)) {
      const hint = didYouMean(name, policies.keys()) || ` (none is close; the pack has ${policies.size})`;
      errors.add(name, `the name of a policy in this pack${hint}`);
      continue;
    }
    const spec = policies.get(name);
    const scoped = errors.scoped(name);
    if (spec === undefined) {
      for (const key of Object.keys(entry.properties))
        scoped.add(key, "nothing: this policy takes only enforcementLevel");
      continue;
    }
    const known = Object.keys(spec.schema.properties);
    for (const key of Object.keys(entry.properties)) {
      if (!known.includes(key)) {
        scoped.add(key, `one of this policy's settings (${known.join(", ")})${didYouMean(key, known)}`);
      }
    }
    settings.set(name, spec.parse(entry.properties, scoped));
  }
  refuseRemediation(raw, policies, remediationUnavailable, errors);
  if (errors.messages.length > 0) throw new InvalidConfigError(errors.messages);
  return settings;
}

/**
 * Refuses `remediate` for policies that have no safe automatic fix (the level would act as
 * mandatory and fix nothing), in one problem: with the reason when the policies share one, else
 * (e.g. `all` at remediate, which the Pulumi CLI expands to every policy) naming the policies that
 * can remediate.
 */
function refuseRemediation(
  raw: ReadonlyMap<string, RawPolicyConfig>,
  policies: ReadonlyMap<string, unknown>,
  remediationUnavailable: ReadonlyMap<string, string>,
  errors: ConfigErrors,
): void {
  const allLevel = raw.get(ALL_POLICIES)?.enforcementLevel;
  const refused = [...policies.keys()].filter(
    (name) => (raw.get(name)?.enforcementLevel ?? allLevel) === REMEDIATE && remediationUnavailable.has(name),
  );
  if (refused.length === 0) return;
  const listed = refused.slice(0, NAMES_LISTED).join(", ");
  const more = refused.length > NAMES_LISTED ? ` and ${refused.length - NAMES_LISTED} more` : "";
  const reasons = new Set(refused.map((name) => remediationUnavailable.get(name)));
  const able = [...policies.keys()].filter((name) => !remediationUnavailable.has(name));
  const why =
    reasons.size === 1
      ? [...reasons][0]
      : `no safe automatic fix; only ${able.join(", ") || "no policy"} can remediate`;
  errors.problem(`${listed}${more}`, `"remediate" is not available: ${why}`);
}

/**
 * The levels a Configure request sets, by policy name (`all` kept as given: it applies to every
 * policy the request does not name). Call after parsePackConfig has validated the request.
 */
export function configuredLevels(raw: ReadonlyMap<string, RawPolicyConfig>): Map<string, PolicyLevel> {
  const levels = new Map<string, PolicyLevel>();
  for (const [name, entry] of raw) {
    const level = entry.enforcementLevel;
    if (typeof level === "string" && LEVELS.includes(level)) levels.set(name, level as PolicyLevel);
  }
  return levels;
}

/** Reads the stack's configuration the engine hands to the pack process (`PULUMI_CONFIG`). */
export function readStackConfig(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const text = env.PULUMI_CONFIG;
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
