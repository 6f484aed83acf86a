/**
 * Facts about the engine's wire values that every front end needs. Kept free of Pulumi imports:
 * the sentinels are part of the engine protocol, not of an SDK version.
 */

/** The engine's sentinel for an unknown value (`UnknownStringValue` in the Go SDK). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Sentinels @pulumi/policy uses for unknowns of other types (see its proxy.js). */
const UNKNOWN_SENTINELS: ReadonlySet<unknown> = new Set([
  UNKNOWN_SENTINEL,
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** The signature key and value that mark a secret on the wire and in stack exports. */
export const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** Marks a value that is not known yet (a preview of a resource not created yet). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

export function isUnknownSentinel(value: unknown): boolean {
  return UNKNOWN_SENTINELS.has(value);
}

export function isSecretWrapper(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && value[SIGNATURE_KEY] === SECRET_SIGNATURE;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Unwraps a secret (a wire wrapper) and maps unknown sentinels to {@link UNKNOWN}. A secret whose
 * plaintext is not available (a stack export's `ciphertext`) is unknown too: nothing can be judged
 * from it, and it must not be treated as absent.
 */
export function plain(value: unknown): unknown {
  if (isUnknownSentinel(value)) return UNKNOWN;
  if (isSecretWrapper(value)) return "value" in value ? plain(value.value) : UNKNOWN;
  return value;
}

/** Reads a property path through secrets; any unknown on the way makes the result unknown. */
export function readPath(props: unknown, path: readonly string[]): unknown {
  let current: unknown = plain(props);
  for (const segment of path) {
    if (current === UNKNOWN) return UNKNOWN;
    if (!isPlainObject(current)) return undefined;
    current = plain(current[segment]);
  }
  return current;
}
