/**
 * The pack's configuration: what `--policy-pack-config` (or a Pulumi Cloud policy group) sends in
 * the engine's Configure call, validated as a whole. A configuration the pack cannot understand is
 * rejected with a message naming the key and what it expects: nothing a user configured is
 * silently ignored.
 */
import { isPlainObject } from "./values";

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
    this.messages.push(`${this.prefix}${key}: expected ${expected}`);
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

const LEVELS = new Set(["advisory", "mandatory", "disabled", "remediate"]);
/** The CLI's shorthand that sets every policy's level at once. */
const ALL_POLICIES = "all";

/**
 * Validates a whole Configure request against the pack's policies and returns each policy's parsed
 * settings. Throws {@link InvalidConfigError} listing every problem at once.
 */
export function parsePackConfig(
  raw: ReadonlyMap<string, RawPolicyConfig>,
  policies: ReadonlyMap<string, SettingsSpec<unknown> | undefined>,
): Map<string, unknown> {
  const errors = new ConfigErrors();
  const settings = new Map<string, unknown>();
  for (const [name, entry] of raw) {
    if (entry.enforcementLevel !== undefined && !LEVELS.has(String(entry.enforcementLevel))) {
      errors.add(`${name}.enforcementLevel`, 'one of "advisory", "mandatory", "disabled"');
    }
    if (name === ALL_POLICIES) continue;
    if (!policies.has(name)) {
      errors.add(name, `the name of a policy in this pack (${[...policies.keys()].sort().join(", ")})`);
      continue;
    }
    const spec = policies.get(name);
    const scoped = errors.scoped(name);
    if (spec === undefined) {
      for (const key of Object.keys(entry.properties))
        scoped.add(key, "nothing: this policy takes only enforcementLevel");
      continue;
    }
    for (const key of Object.keys(entry.properties)) {
      if (!(key in spec.schema.properties)) {
        scoped.add(key, `one of this policy's settings (${Object.keys(spec.schema.properties).join(", ")})`);
      }
    }
    settings.set(name, spec.parse(entry.properties, scoped));
  }
  if (errors.messages.length > 0) throw new InvalidConfigError(errors.messages);
  return settings;
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
