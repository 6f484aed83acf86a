/**
 * What an AWS error makes unreadable: the one taxonomy every reader (the KMS facts module, the
 * audit's readers) applies to a failed call, so that no failure is ever read as "nothing there".
 *
 * - `unreadable`: the thing asked (one resource for a get, one listing for a list) could not be
 *   read: denied, gone, refused as invalid, or answered with something that is not an answer.
 * - `retry`: transient (throttling, 5xx, timeouts, a dropped connection). The SDK has already
 *   retried it within its budget; once that is spent, the thing asked is unreadable too.
 * - `region`: the service cannot be reached in this region at all (no such endpoint).
 * - `region-not-enabled`: an opt-in region the account has not enabled. AWS answers these with the
 *   same codes as revoked credentials, so this is only said of opt-in regions (AWS Account
 *   Management: regions launched after 20 March 2019); in a default region the same code is `stop`.
 * - `stop`: the credentials are missing, invalid or expired: the whole account is unreadable and
 *   nothing more should be asked with them (never a region "skipped").
 */

export type AwsErrorKind = "unreadable" | "retry" | "region" | "region-not-enabled" | "stop";

export interface ClassifiedAwsError {
  readonly kind: AwsErrorKind;
  /** AWS's error code (`AccessDeniedException`, ...), the SDK's error name, or a network code. */
  readonly code: string;
  /** The HTTP status AWS answered, when there was an answer. */
  readonly status?: number;
  /** AWS's or the SDK's message, on one line, at most 300 characters. */
  readonly detail: string;
}

/** Credentials missing, rejected or expired (STS, JSON and Query protocols' codes). */
const CREDENTIAL_CODES = new Set([
  "CredentialsProviderError",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "IncompleteSignatureException",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "AuthFailure",
  "TokenRefreshRequired",
]);

/** What a disabled opt-in region answers (the same codes as unknown credentials). */
const REGION_NOT_ENABLED_CODES = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "AuthFailure",
]);

/**
 * Opt-in regions (AWS Account Management, "Enable or disable AWS Regions in your account"): a
 * region not listed here is a default region, which cannot be disabled.
 */
export const OPT_IN_REGIONS: ReadonlySet<string> = new Set([
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-west-1",
  "eu-central-2",
  "eu-south-1",
  "eu-south-2",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
]);

const RETRY_CODES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServerException",
  "InternalFailure",
  "InternalError",
  "KMSInternalException",
  "DependencyTimeoutException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "AbortError",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);
/** No such host: the service has no endpoint in this region. */
const NO_ENDPOINT_CODES = new Set(["ENOTFOUND", "UnknownEndpoint"]);

/** An SDK (or network) error, classified. Anything not recognised is `unreadable`, never a pass. */
export function classifyAwsError(error: unknown, region?: string): ClassifiedAwsError {
  const fields = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $response?: { statusCode?: unknown };
  };
  const networkCode = typeof fields.code === "string" ? fields.code : undefined;
  const name = typeof fields.name === "string" && fields.name !== "" ? fields.name : "Error";
  const code = networkCode !== undefined && (name === "Error" || name === "TypeError") ? networkCode : name;
  const rawStatus = fields.$metadata?.httpStatusCode ?? fields.$response?.statusCode;
  const status = typeof rawStatus === "number" ? rawStatus : undefined;
  const message = typeof fields.message === "string" ? fields.message : String(error);
  const detail = message.replace(/\s*\n\s*/g, " ").slice(0, 300);
  const classified = (kind: AwsErrorKind): ClassifiedAwsError => ({
    kind,
    code,
    ...(status === undefined ? {} : { status }),
    detail,
  });
  if (CREDENTIAL_CODES.has(code) || /could not load credentials/i.test(detail)) {
    return classified(
      region !== undefined && OPT_IN_REGIONS.has(region) && REGION_NOT_ENABLED_CODES.has(code)
        ? "region-not-enabled"
        : "stop",
    );
  }
  if (NO_ENDPOINT_CODES.has(code) || (networkCode !== undefined && NO_ENDPOINT_CODES.has(networkCode)))
    return classified("region");
  if (RETRY_CODES.has(code) || (networkCode !== undefined && NETWORK_CODES.has(networkCode)))
    return classified("retry");
  if (status === 429 || (status !== undefined && status >= 500)) return classified("retry");
  return classified("unreadable");
}

/** A classified error as the reports print it: `code (HTTP status): message`. */
export function classifiedText(error: ClassifiedAwsError): string {
  const status = error.status === undefined ? "" : ` (HTTP ${error.status})`;
  return `${error.code}${status}: ${error.detail}`;
}
