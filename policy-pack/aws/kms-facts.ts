/**
 * AWS as a source of key facts: asks KMS about a key (DescribeKey, GetKeyRotationStatus,
 * GetKeyPolicy `default`, ListResourceTags) and maps the answers into the same KeyFacts shape the
 * stack's keys are normalised into (kms-catalog.ts), plus what only AWS knows (KeyManager,
 * KeyState, Origin). The pack's verification of keys outside the stack and the `audit` command
 * both read keys through here.
 *
 * - The SDK (`@aws-sdk/client-kms`) is loaded on first use only: a pack that never verifies a key
 *   starts as fast as before. Clients take the SDK's standard configuration (default credential
 *   chain, profiles, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_KMS, ...) with retries in adaptive mode,
 *   unless the caller passes explicit credentials or client options (the audit's assumed roles).
 *   Every client has a connect and a request timeout (the SDK's node:http handler settings), so a
 *   KMS endpoint that accepts a connection and never answers costs one bounded attempt per retry.
 * - An answer is checked against its question: DescribeKey must describe the key asked (its ARN,
 *   its key id, or for an alias a key of the alias's account and region); any other answer is a
 *   failure (`invalid-answer`), never facts about the wrong key.
 * - Each verification is cached (per reference and region, for the life of the source), runs
 *   with bounded concurrency, and ends at its timeout.
 * - Nothing throws: every failure is a typed result naming the call and the permission it needs.
 */
import type { KeyMetadata, KMSClient, KMSClientConfig } from "@aws-sdk/client-kms";
import type { KeyFacts, KeyOrigin } from "../catalog/kms-types";
import { UNKNOWN } from "../facts/values";
import { classifyAwsError } from "./errors";

/** The KMS calls a verification makes, each with the IAM permission it needs. */
export const KMS_PERMISSIONS = {
  DescribeKey: "kms:DescribeKey",
  GetKeyRotationStatus: "kms:GetKeyRotationStatus",
  GetKeyPolicy: "kms:GetKeyPolicy",
  ListResourceTags: "kms:ListResourceTags",
} as const;

export type KmsOperation = keyof typeof KMS_PERMISSIONS;

/** What to verify: a key ARN, key id, alias name or alias ARN, in the region KMS is asked in. */
export interface KeyLookup {
  readonly reference: string;
  readonly region: string;
}

/**
 * Why a key could not be read. `code` is the error's name (AccessDeniedException, ...); `detail`
 * is AWS's or the SDK's message, which may quote the key ARN and the caller's ARN.
 */
export type VerificationFailure =
  | {
      readonly kind: "access-denied" | "not-found" | "unreachable" | "throttled" | "error";
      readonly operation: KmsOperation;
      readonly code: string;
      readonly detail: string;
    }
  /** KMS answered, but not the question: another key, or no metadata or policy at all. */
  | {
      readonly kind: "invalid-answer";
      readonly operation: KmsOperation;
      readonly code: string;
      readonly detail: string;
    }
  /** No credentials found, or the ones found were rejected: the same for every key of a run. */
  | { readonly kind: "no-credentials"; readonly code: string; readonly detail: string }
  | { readonly kind: "timeout"; readonly afterSeconds: number };

/** DescribeKey's answer, in the terms the rules and messages use. */
export interface KeyDescription {
  readonly arn: string;
  readonly keyId: string;
  readonly account: string;
  /** `CUSTOMER` or `AWS` (as KMS says it: any other value reaches the rule, which fails closed). */
  readonly keyManager: string;
  /** `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, ... */
  readonly keyState: string;
  /** `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`. */
  readonly origin: string;
}

export interface VerifiedKey {
  readonly description: KeyDescription;
  readonly facts: KeyFacts;
}

export type KeyVerification =
  | { readonly kind: "verified"; readonly key: VerifiedKey }
  /**
   * `described`: DescribeKey's answer when that call succeeded before another one failed, its
   * facts UNKNOWN where only the failed calls could tell (rotation, policy, tags).
   */
  | { readonly kind: "failed"; readonly failure: VerificationFailure; readonly described?: VerifiedKey };

export interface KmsFactsOptions {
  /** Ends each verification (all its calls, retries included) after this long. */
  readonly timeoutSeconds: number;
  /** Verifications running at once. */
  readonly concurrency?: number;
  /** The shared files' profile to read credentials from (the stack's `aws:profile`); else the chain's own. */
  readonly profile?: string;
  /** Explicit credentials (e.g. an assumed role's); the default credential chain otherwise. */
  readonly credentials?: KMSClientConfig["credentials"];
  /** Ends every verification still running (the audit's overall `--timeout`). */
  readonly signal?: AbortSignal;
  /** Any other client option (endpoint, maxAttempts, requestHandler, ...); region is the lookup's. */
  readonly clientConfig?: Omit<KMSClientConfig, "region" | "credentials">;
}

export interface KmsFactsSource {
  verify(lookup: KeyLookup): Promise<KeyVerification>;
}

const DEFAULT_CONCURRENCY = 8;
/**
 * The SDK's node:http handler settings for clients made here: a connection not made within this
 * long, or a request without an answer within this long, fails that attempt (and is retried).
 */
export const KMS_REQUEST_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;
/** ListResourceTags pages read at most (KMS allows 50 tags per key: one page by default). */
const MAX_TAG_PAGES = 10;

type KmsSdk = typeof import("@aws-sdk/client-kms");
let loadedSdk: KmsSdk | undefined;
function kmsSdk(): KmsSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see the header)
  loadedSdk ??= require("@aws-sdk/client-kms") as KmsSdk;
  return loadedSdk;
}

export function createKmsFactsSource(options: KmsFactsOptions): KmsFactsSource {
  const clients = new Map<string, KMSClient>();
  const cache = new Map<string, Promise<KeyVerification>>();
  const limit = concurrencyLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  let noCredentials: VerificationFailure | undefined;
  const clientFor = (region: string): KMSClient => {
    let client = clients.get(region);
    if (client === undefined) {
      const { KMSClient } = kmsSdk();
      client = new KMSClient({
        retryMode: "adaptive",
        requestHandler: KMS_REQUEST_TIMEOUTS,
        ...options.clientConfig,
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        region,
      });
      clients.set(region, client);
    }
    return client;
  };
  return {
    verify(lookup) {
      const key = `${lookup.region}\u0000${lookup.reference}`;
      let pending = cache.get(key);
      if (pending === undefined) {
        pending = limit(async () => {
          // Missing credentials are missing for every key: the keys still waiting are not retried.
          if (noCredentials !== undefined) return { kind: "failed", failure: noCredentials };
          const result = await withTimeout(options.timeoutSeconds, options.signal, (signal) =>
            readKey(clientFor, lookup, signal),
          );
          if (result.kind === "failed" && result.failure.kind === "no-credentials")
            noCredentials = result.failure;
          return result;
        });
        cache.set(key, pending);
      }
      return pending;
    },
  };
}

/** At most `count` tasks at once; the others wait their turn, in order. */
function concurrencyLimit(count: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running < count) running++;
    // A finishing task hands its slot straight to the next one: no newcomer can slip in between.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}

/**
 * The verification, or a timeout failure once `seconds` have passed: the calls in flight are
 * aborted, and the race ends even if something (credential resolution) ignores the abort.
 */
async function withTimeout(
  seconds: number,
  overall: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<KeyVerification>,
): Promise<KeyVerification> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let stop: (() => void) | undefined;
  const timedOut = new Promise<KeyVerification>((resolve) => {
    stop = () => {
      resolve({ kind: "failed", failure: { kind: "timeout", afterSeconds: seconds } });
      controller.abort();
    };
    timer = setTimeout(stop, seconds * 1000);
    if (overall?.aborted) stop();
    else overall?.addEventListener("abort", stop, { once: true });
  });
  try {
    return await Promise.race([run(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    if (stop !== undefined) overall?.removeEventListener("abort", stop);
  }
}

class CallFailed extends Error {
  constructor(readonly failure: VerificationFailure) {
    super(failure.kind);
  }
}

async function readKey(
  clientFor: (region: string) => KMSClient,
  lookup: KeyLookup,
  signal: AbortSignal,
): Promise<KeyVerification> {
  let sdk: KmsSdk;
  let client: KMSClient;
  try {
    // A missing SDK or a bad client option is a failure of this verification like any other.
    sdk = kmsSdk();
    client = clientFor(lookup.region);
  } catch (error) {
    return { kind: "failed", failure: classify("DescribeKey", error) };
  }
  const { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListResourceTagsCommand } =
    sdk;
  const call = async <T>(operation: KmsOperation, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      // After the timeout aborts the calls, the race has already answered with the timeout.
      throw new CallFailed(classify(operation, error));
    }
  };
  let described: VerifiedKey | undefined;
  try {
    const { KeyMetadata: metadata } = await call("DescribeKey", () =>
      client.send(new DescribeKeyCommand({ KeyId: lookup.reference }), { abortSignal: signal }),
    );
    if (metadata?.Arn === undefined || metadata.KeyId === undefined) {
      return failed("DescribeKey", "the answer has no key metadata");
    }
    const mismatch = answerMismatch(lookup, metadata.Arn, metadata.KeyId);
    if (mismatch !== undefined) return failed("DescribeKey", mismatch, undefined, "AnswerForAnotherKey");
    // Until the other calls answer, what only they can tell is unknown.
    described = {
      description: describe(metadata),
      facts: keyFacts(metadata, { rotation: UNKNOWN, policy: UNKNOWN, tags: { kind: "unknown" } }),
    };
    // Every further call names the key by its ARN: an alias may be re-pointed meanwhile.
    const KeyId = metadata.Arn;
    const [rotation, policy, tags] = await Promise.all([
      rotates(metadata)
        ? call("GetKeyRotationStatus", () =>
            client.send(new GetKeyRotationStatusCommand({ KeyId }), { abortSignal: signal }),
          )
        : undefined,
      call("GetKeyPolicy", () =>
        client.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" }), { abortSignal: signal }),
      ),
      call("ListResourceTags", async () => {
        const all: Record<string, string> = {};
        let marker: string | undefined;
        for (let page = 0; page < MAX_TAG_PAGES; page++) {
          const answer = await client.send(new ListResourceTagsCommand({ KeyId, Marker: marker }), {
            abortSignal: signal,
          });
          for (const tag of answer.Tags ?? [])
            if (tag.TagKey !== undefined) all[tag.TagKey] = tag.TagValue ?? "";
          marker = answer.Truncated ? answer.NextMarker : undefined;
          if (marker === undefined) return all;
        }
        throw Object.assign(new Error(`more than ${MAX_TAG_PAGES} pages of tags`), { name: "TooManyTags" });
      }),
    ]);
    if (typeof policy.Policy !== "string") {
      return failed("GetKeyPolicy", "the answer has no policy document", described);
    }
    const facts = keyFacts(metadata, {
      rotation,
      policy: policy.Policy,
      tags: { kind: "map", tags, complete: true },
    });
    return { kind: "verified", key: { description: described.description, facts } };
  } catch (error) {
    const failure = error instanceof CallFailed ? error.failure : classify("DescribeKey", error);
    return described === undefined ? { kind: "failed", failure } : { kind: "failed", failure, described };
  }
}

/** KMS rotates only symmetric keys with KMS-generated material; it refuses GetKeyRotationStatus for others. */
function rotates(metadata: KeyMetadata): boolean {
  return (
    (metadata.KeySpec ?? metadata.CustomerMasterKeySpec) === "SYMMETRIC_DEFAULT" &&
    metadata.Origin === "AWS_KMS"
  );
}

/**
 * The key's facts from DescribeKey's metadata and the other calls' answers (`rotation` undefined:
 * a key KMS does not rotate, so GetKeyRotationStatus was not asked).
 */
function keyFacts(
  metadata: KeyMetadata,
  read: {
    readonly rotation:
      { KeyRotationEnabled?: boolean; RotationPeriodInDays?: number } | undefined | typeof UNKNOWN;
    readonly policy: string | typeof UNKNOWN;
    readonly tags: KeyFacts["tags"];
  },
): KeyFacts {
  const { rotation } = read;
  return {
    usage: metadata.KeyUsage,
    spec: metadata.KeySpec ?? metadata.CustomerMasterKeySpec,
    enabled: metadata.Enabled,
    rotationEnabled: rotation === UNKNOWN ? UNKNOWN : rotation?.KeyRotationEnabled,
    rotationPeriodDays: rotation === UNKNOWN ? UNKNOWN : rotation?.RotationPeriodInDays,
    // A key has a deletion window only once its deletion is scheduled; KMS reports none before.
    deletionWindowDays: metadata.PendingDeletionWindowInDays,
    // A flag of the call that set the policy, not a property KMS reports: the policy itself is judged.
    bypassLockout: undefined,
    policy: read.policy,
    tags: read.tags,
    multiRegion: metadata.MultiRegion,
    origin: originOf(metadata.Origin),
    primaryKeyArn:
      metadata.MultiRegionConfiguration?.MultiRegionKeyType === "REPLICA"
        ? metadata.MultiRegionConfiguration.PrimaryKey?.Arn
        : undefined,
    arn: metadata.Arn,
    keyId: metadata.KeyId,
  };
}

function failed(
  operation: KmsOperation,
  detail: string,
  described?: VerifiedKey,
  code = "InvalidAnswer",
): Extract<KeyVerification, { kind: "failed" }> {
  const failure: VerificationFailure = { kind: "invalid-answer", operation, code, detail };
  return described === undefined ? { kind: "failed", failure } : { kind: "failed", failure, described };
}

const KEY_ARN = /^arn:[^:]+:kms:([^:]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:[^:]+:kms:([^:]+):(\d{12}):alias\/.+$/;

/**
 * Why DescribeKey's answer is not about the key asked, or undefined when it is. A key ARN must
 * come back as itself, a key id as itself; an alias (whose target KMS alone knows) must resolve to
 * a key of the alias's own region and, for an alias ARN, account.
 */
export function answerMismatch(lookup: KeyLookup, arn: string, keyId: string): string | undefined {
  const answered = KEY_ARN.exec(arn);
  if (answered === null || answered[3] !== keyId)
    return `the answer's ARN ${arn} and key id ${keyId} disagree`;
  const [, region, account] = answered;
  const asked = lookup.reference;
  const other = `AWS KMS answered with another key (${arn}) than the one asked (${asked})`;
  if (asked.startsWith("arn:")) {
    if (KEY_ARN.test(asked)) return asked === arn ? undefined : other;
    const alias = ALIAS_ARN.exec(asked);
    if (alias === null) return other;
    return alias[1] === region && alias[2] === account ? undefined : other;
  }
  if (asked.startsWith("alias/")) return region === lookup.region ? undefined : other;
  return asked === keyId && region === lookup.region ? undefined : other;
}

function describe(metadata: KeyMetadata): KeyDescription {
  return {
    arn: metadata.Arn ?? "",
    keyId: metadata.KeyId ?? "",
    account: metadata.AWSAccountId ?? "",
    keyManager: String(metadata.KeyManager),
    keyState: String(metadata.KeyState),
    origin: String(metadata.Origin),
  };
}

/** KMS's Origin in the catalog's terms; an origin it does not know is treated as a custom key store (no automatic rotation). */
function originOf(origin: string | undefined): KeyOrigin {
  if (origin === "AWS_KMS") return "aws-kms";
  if (origin === "EXTERNAL") return "external";
  return "custom-key-store";
}

/** An SDK error as a typed failure, by the AWS facts taxonomy (./errors.ts). */
export function classify(operation: KmsOperation, error: unknown): VerificationFailure {
  const { kind, code, detail } = classifyAwsError(error);
  switch (kind) {
    case "stop":
    case "region-not-enabled":
      return { kind: "no-credentials", code, detail };
    case "region":
      return { kind: "unreachable", operation, code, detail };
    case "retry":
      return {
        kind: /thrott|too ?many|limit|slowdown/i.test(code) ? "throttled" : "unreachable",
        operation,
        code,
        detail,
      };
    case "unreadable":
      return {
        kind:
          code === "AccessDeniedException"
            ? "access-denied"
            : code === "NotFoundException"
              ? "not-found"
              : "error",
        operation,
        code,
        detail,
      };
  }
}

/**
 * What could not be read, and what would let it be read, for a person at the terminal.
 * `awsDetail`: append AWS's own message, which may quote the key ARN and the caller's ARN (the
 * pack leaves it out: it cannot tell whether the key reference was a secret).
 */
export function failureText(failure: VerificationFailure, awsDetail = false): string {
  const said = (f: { code: string; detail: string }) =>
    awsDetail ? ` AWS said: ${f.code}: ${f.detail}` : "";
  switch (failure.kind) {
    case "access-denied":
      return `AWS KMS denied ${failure.operation}: the credentials in use need the permission ${KMS_PERMISSIONS[failure.operation]} on this key (in their IAM policy and, for a key of another account, in the key policy).${said(failure)}`;
    case "not-found":
      return `AWS KMS found no such key (${failure.operation}): check the reference and its region; a key of another account must be named by its key ARN, and its key policy must let you call ${KMS_PERMISSIONS[failure.operation]}.${said(failure)}`;
    case "no-credentials":
      return `no usable AWS credentials (${failure.code}: ${failure.detail}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is available.`;
    case "timeout":
      return `AWS KMS did not answer within ${failure.afterSeconds} seconds.`;
    case "unreachable":
      return `AWS KMS could not be reached (${failure.operation}: ${failure.detail}).`;
    case "throttled":
      return `AWS KMS kept throttling ${failure.operation} after the SDK's retries.${said(failure)}`;
    case "error":
      return `AWS KMS answered ${failure.operation} with ${failure.code}.${said(failure)}`;
    case "invalid-answer":
      return failure.code === "AnswerForAnotherKey"
        ? `AWS KMS answered ${failure.operation} about another key than the one asked: nothing it said is used.${said(failure)}`
        : `AWS KMS's answer to ${failure.operation} is incomplete or malformed: nothing it said is used.${said(failure)}`;
  }
}
