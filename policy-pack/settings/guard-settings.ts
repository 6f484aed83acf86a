/**
 * Settings the guard's own policies take through the standard pack config:
 * - `guard-settings` (pack-wide): `trustedKeys`, `exemptions`, `maxExemptionDays` and `verifyKeysWithAws`;
 * - the rotation and deletion-window policies: their thresholds.
 * Each is validated by the engine gate's Configure (parsePackConfig) and read from PackState.
 */
import type { ConfigErrors, SettingsSpec } from "./pack-config";
import { EXEMPTIONS_SCHEMA, parseExemptions, type Exemption } from "./exemptions";
import {
  parseTrustedKey,
  TRUSTED_KEY_SHAPE,
  wholeAccountWarning,
  type TrustedKeyPattern,
} from "../facts/trusted-keys";
import { isPlainObject } from "../facts/values";
import type { PackState } from "./pack-state";

export const GUARD_SETTINGS_POLICY = "guard-settings";

/** What the engine and reports show about the guard-settings policy (it holds settings, runs no rule). */
export const GUARD_SETTINGS_DESCRIPTION = {
  name: GUARD_SETTINGS_POLICY,
  displayName: "bedrock-cmk-guard settings and exempted findings",
  description:
    "Holds the pack-wide settings (trustedKeys: keys outside the stack accepted as customer-managed; exemptions: accepted findings on one named resource, with a reason and an expiry date at most maxExemptionDays ahead) and reports every exempted finding, as EXEMPTED, at this policy's level, and the configuration's warnings. Keep it advisory.",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps:
    "Fix the exempted finding before its exemption expires, or renew the exemption in guard-settings.exemptions with a reason.",
  tags: ["bedrock", "kms", "exemptions"],
} as const;

export interface GuardSettings {
  readonly trustedKeys: readonly TrustedKeyPattern[];
  readonly exemptions: readonly Exemption[];
  /**
   * What the configuration should change though it is valid (a trustedKeys pattern that covers a
   * whole account): written to stderr at Configure and reported by the guard-settings policy.
   */
  readonly warnings: readonly string[];
  readonly verifyKeysWithAws: VerifyKeysSetting;
}

/**
 * `verifyKeysWithAws`: ask AWS KMS about every key a guarded resource names that the stack does
 * not create (policy-pack/aws/kms-facts.ts). `auto` (the default) asks whenever AWS credentials
 * are at hand (policy-pack/aws/credentials.ts: a real `pulumi preview` or `up` has the AWS
 * provider's), `true` always, `false` never (opt out: trustedKeys alone then vouches for keys).
 */
export interface VerifyKeysSetting {
  readonly enabled: VerifyKeysMode;
  /** Each key's verification (all its calls and retries) ends after this many seconds. */
  readonly timeoutSeconds: number;
}

export type VerifyKeysMode = boolean | "auto";

const VERIFY_TIMEOUT_BOUNDS = { minimum: 1, maximum: 300 } as const;

export const VERIFY_KEYS_DEFAULTS: VerifyKeysSetting = { enabled: "auto", timeoutSeconds: 10 };

export const NO_GUARD_SETTINGS: GuardSettings = {
  trustedKeys: [],
  exemptions: [],
  warnings: [],
  verifyKeysWithAws: VERIFY_KEYS_DEFAULTS,
};

const maxExemptionDaysSpec = integerSetting(
  "maxExemptionDays",
  { minimum: 1, maximum: 3650, default: 365 },
  "Longest time ahead, in days from the day of configuration, that an exemption's `expires` may be.",
);

/** `exemptable`: the names of the policies an exemption may name. */
export function guardSettingsSpec(
  exemptable: ReadonlySet<string>,
  now: () => number = Date.now,
): SettingsSpec<GuardSettings> {
  return {
    schema: {
      properties: {
        trustedKeys: {
          type: "array",
          description: `Keys outside the stack accepted as customer-managed: ${TRUSTED_KEY_SHAPE}. Prefer exact key ARNs: a pattern covering an account also covers its AWS-managed keys.`,
          items: { type: "string" },
        },
        exemptions: EXEMPTIONS_SCHEMA,
        ...maxExemptionDaysSpec.schema.properties,
        verifyKeysWithAws: VERIFY_KEYS_SCHEMA,
      },
    },
    defaults: NO_GUARD_SETTINGS,
    parse(raw, errors) {
      const { maxExemptionDays } = maxExemptionDaysSpec.parse(raw, errors);
      const trustedKeys = parseTrustedKeys(raw.trustedKeys, errors);
      return {
        trustedKeys,
        exemptions: parseExemptions(raw.exemptions, exemptable, errors, {
          maxDays: maxExemptionDays,
          now: now(),
        }),
        warnings: trustedKeys.flatMap((pattern, index) => {
          const warning = wholeAccountWarning(pattern);
          return warning === undefined ? [] : [`guard-settings.trustedKeys[${index}]: ${warning}`];
        }),
        verifyKeysWithAws: parseVerifyKeys(raw.verifyKeysWithAws, errors),
      };
    },
  };
}

function parseTrustedKeys(raw: unknown, errors: ConfigErrors): TrustedKeyPattern[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    errors.add("trustedKeys", `a list of key ARNs or patterns (${TRUSTED_KEY_SHAPE})`);
    return [];
  }
  const patterns: TrustedKeyPattern[] = [];
  raw.forEach((entry: unknown, index) => {
    const pattern = parseTrustedKey(entry);
    if (pattern === undefined) errors.add(`trustedKeys[${index}]`, TRUSTED_KEY_SHAPE);
    else patterns.push(pattern);
  });
  return patterns;
}

/** An integer setting within KMS's own bounds. */
function integerSetting<K extends string>(
  key: K,
  bounds: { readonly minimum: number; readonly maximum: number; readonly default: number },
  description: string,
): SettingsSpec<Record<K, number>> {
  const defaults = { [key]: bounds.default } as Record<K, number>;
  return {
    schema: { properties: { [key]: { type: "integer", ...bounds, description } } },
    defaults,
    parse(raw, errors) {
      const value = raw[key];
      if (value === undefined) return defaults;
      if (
        typeof value !== "number" ||
        !Number.isInteger(value) ||
        value < bounds.minimum ||
        value > bounds.maximum
      ) {
        errors.add(key, `an integer from ${bounds.minimum} to ${bounds.maximum}`);
        return defaults;
      }
      return { [key]: value } as Record<K, number>;
    },
  };
}

export const rotationSettingsSpec = integerSetting(
  "maxRotationPeriodDays",
  // KMS accepts rotation periods of 90-2560 days.
  { minimum: 90, maximum: 2560, default: 365 },
  "Longest accepted automatic rotation period, in days.",
);

export const deletionWindowSettingsSpec = integerSetting(
  "minDeletionWindowDays",
  // KMS accepts deletion waiting periods of 7-30 days.
  { minimum: 7, maximum: 30, default: 30 },
  "Shortest accepted deletion waiting period, in days.",
);

/** A policy's parsed settings, or the spec's defaults when the config says nothing about it. */
export function settingsOf<T>(state: PackState, policy: string, spec: SettingsSpec<T>): T {
  return (state.settings.get(policy) as T | undefined) ?? spec.defaults;
}

export function guardSettings(state: PackState): GuardSettings {
  return (state.settings.get(GUARD_SETTINGS_POLICY) as GuardSettings | undefined) ?? NO_GUARD_SETTINGS;
}

const VERIFY_KEYS_SCHEMA = {
  type: "object",
  description:
    "Verify keys outside the stack with AWS KMS (DescribeKey, GetKeyRotationStatus, GetKeyPolicy, ListResourceTags) using the environment's AWS credentials.",
  properties: {
    enabled: {
      enum: [true, false, "auto"],
      default: VERIFY_KEYS_DEFAULTS.enabled,
      description:
        "auto: whenever AWS credentials are found without a network call (environment variables, the shared files' profile, the stack's aws:profile); true: always (e.g. with an EC2 instance role); false: never.",
    },
    timeoutSeconds: {
      type: "integer",
      ...VERIFY_TIMEOUT_BOUNDS,
      default: VERIFY_KEYS_DEFAULTS.timeoutSeconds,
    },
  },
  additionalProperties: false,
};

function parseVerifyKeys(raw: unknown, errors: ConfigErrors): VerifyKeysSetting {
  if (raw === undefined) return VERIFY_KEYS_DEFAULTS;
  if (!isPlainObject(raw)) {
    errors.add("verifyKeysWithAws", "an object { enabled, timeoutSeconds }");
    return VERIFY_KEYS_DEFAULTS;
  }
  const entries = raw;
  const scoped = errors.scoped("verifyKeysWithAws");
  for (const key of Object.keys(entries)) {
    if (!(key in VERIFY_KEYS_SCHEMA.properties)) scoped.add(key, "one of enabled, timeoutSeconds");
  }
  let { enabled, timeoutSeconds } = VERIFY_KEYS_DEFAULTS;
  if (entries.enabled !== undefined) {
    if (typeof entries.enabled === "boolean" || entries.enabled === "auto") enabled = entries.enabled;
    else scoped.add("enabled", 'true, false or "auto"');
  }
  const timeout = entries.timeoutSeconds;
  if (timeout !== undefined) {
    const { minimum, maximum } = VERIFY_TIMEOUT_BOUNDS;
    if (typeof timeout === "number" && Number.isInteger(timeout) && timeout >= minimum && timeout <= maximum)
      timeoutSeconds = timeout;
    else scoped.add("timeoutSeconds", `an integer from ${minimum} to ${maximum}`);
  }
  return { enabled, timeoutSeconds };
}
