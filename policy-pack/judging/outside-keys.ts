/**
 * Keys outside the stack, verified with AWS KMS under `guard-settings.verifyKeysWithAws`: by
 * default (`auto`) whenever AWS credentials are at hand (an injected detector, asked once per run
 * and only when the stack names such a key), always with `true`, never with `false`. Before a
 * stack is judged, every key that a guarded resource names and that the stack does not create
 * (trusted keys included) is read through an injected KMS facts source, once per key for the run
 * (the pack process lives for one preview or update). Judging then reads the results synchronously.
 */
import { stackProfile, type CredentialsDetector, type CredentialsPresence } from "../aws/credentials";
import type { KeyVerification, KmsFactsSource } from "../aws/kms-facts";
import type { GuardedResourceTrace, OutsideKeyReference } from "../facts/key-tracing";
import { resolveRegion } from "../facts/region";
import { readPath } from "../facts/values";
import type { PackState } from "../settings/pack-state";
import { guardSettings } from "../settings/guard-settings";

/** A guarded resource whose key is outside the stack. */
export type OutsideTrace = GuardedResourceTrace & {
  readonly trace: { readonly kind: "outside"; readonly reference: OutsideKeyReference };
};

export function isOutside(trace: GuardedResourceTrace): trace is OutsideTrace {
  return trace.trace.kind === "outside";
}

/** What the pack knows from AWS about a key outside the stack. */
export type OutsideKeyStatus =
  /** `verifyKeysWithAws.enabled: false`: trustedKeys alone vouches for the key. */
  | { readonly kind: "off" }
  /** The default (`auto`) found no AWS credentials: as "off", and the findings say why. */
  | { readonly kind: "unavailable"; readonly reason: string }
  /** Why KMS was not asked, and what would let it be. */
  | { readonly kind: "not-asked"; readonly reason: string; readonly fix: string }
  | KeyVerification;

export interface OutsideKeyVerifier {
  /** Reads every outside key of the stack from AWS (when the setting is on). Never rejects. */
  prepare(traces: readonly GuardedResourceTrace[]): Promise<void>;
  /** The result for one resource's key (read after `prepare`; "off" for a key in the stack). */
  status(trace: GuardedResourceTrace): OutsideKeyStatus;
}

/**
 * Makes the KMS facts source the verifier reads from (injected: tests and the audit bring their
 * own). `profile`: the stack's `aws:profile`, so that KMS is asked with the AWS provider's profile.
 */
export type KmsFactsSourceFactory = (options: { timeoutSeconds: number; profile?: string }) => KmsFactsSource;

/** What to ask AWS KMS about a key outside the stack: its reference, in the key ARN's region, else the resource's own. */
export function keyLookup(
  trace: OutsideTrace,
  state: PackState,
): { reference: string; region: string } | undefined {
  const value = readPath(trace.resource.props, trace.type.keyProperty);
  if (typeof value !== "string") return undefined;
  const reference = trace.trace.reference;
  const arnRegion =
    reference.form === "key-arn"
      ? reference.region
      : reference.form === "customer-alias"
        ? reference.region
        : undefined;
  const region =
    arnRegion ??
    resolveRegion(
      trace.type,
      trace.resource.props,
      trace.resource.providerProps,
      state.stackConfig,
      state.environmentRegion,
    );
  return typeof region === "string" ? { reference: value, region } : undefined;
}

const lookupKey = (lookup: { reference: string; region: string }) =>
  `${lookup.region}\u0000${lookup.reference}`;

export function outsideKeyVerifier(
  state: PackState,
  createSource: KmsFactsSourceFactory,
  detectCredentials: CredentialsDetector,
): OutsideKeyVerifier {
  let source: { timeoutSeconds: number; facts: KmsFactsSource } | undefined;
  const results = new Map<string, KeyVerification>();
  // Asked once per run (the pack process lives for one preview or update), on first need.
  let credentials: Promise<CredentialsPresence> | undefined;
  let presence: CredentialsPresence | undefined;
  const sourceFor = (timeoutSeconds: number, profile: string | undefined): KmsFactsSource => {
    if (source?.timeoutSeconds !== timeoutSeconds)
      source = {
        timeoutSeconds,
        facts: createSource(profile === undefined ? { timeoutSeconds } : { timeoutSeconds, profile }),
      };
    return source.facts;
  };
  return {
    async prepare(traces) {
      const setting = guardSettings(state).verifyKeysWithAws;
      if (setting.enabled === false) return;
      const lookups = traces
        .filter(isOutside)
        .map((trace) => keyLookup(trace, state))
        .filter((lookup) => lookup !== undefined);
      if (lookups.length === 0) return;
      if (setting.enabled === "auto") {
        presence ??= await (credentials ??= detectCredentials().catch(
          (error: unknown): CredentialsPresence => ({
            found: false,
            why: `whether AWS credentials are at hand could not be found out (${String(error)})`,
          }),
        ));
        if (!presence.found) return;
      }
      // The stack's aws:profile is the AWS provider's: KMS is asked with it whenever it is set.
      const facts = sourceFor(setting.timeoutSeconds, stackProfile(state.stackConfig));
      await Promise.all(
        lookups.map(async (lookup) => results.set(lookupKey(lookup), await facts.verify(lookup))),
      );
    },
    status(trace) {
      const { enabled } = guardSettings(state).verifyKeysWithAws;
      if (enabled === false || !isOutside(trace)) return { kind: "off" };
      if (enabled === "auto" && presence?.found === false)
        return { kind: "unavailable", reason: `AWS KMS was not asked about it: ${presence.why}` };
      const lookup = keyLookup(trace, state);
      if (lookup === undefined) {
        return {
          kind: "not-asked",
          reason:
            "it is named by a key id or alias, which KMS resolves only in a region, and the resource's region is not known.",
          fix: "Name the key by its key ARN, or set the resource's (or its provider's) region.",
        };
      }
      // Absent only if a policy read before prepare ran: nothing was verified, and it says so.
      return (
        results.get(lookupKey(lookup)) ?? {
          kind: "not-asked",
          reason: "the verification did not run before this policy (internal error).",
          fix: "Report this to the bedrock-cmk-guard maintainers.",
        }
      );
    },
  };
}
