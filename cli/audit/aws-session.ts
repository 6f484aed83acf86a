/**
 * How the audit reaches AWS: the SDK for JavaScript v3 with its standard configuration (default
 * credential chain, `--profile`/`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL[_<SERVICE>]`),
 * loaded only when `audit` runs. Every client of a run shares one request handler that bounds the
 * requests in flight (`--concurrency`), so accounts × regions × resources share one budget and the
 * bound holds for KMS too (the facts module takes the handler as a client option). That handler
 * has a connect and a request timeout: an endpoint that accepts a connection and never answers
 * costs one bounded attempt, retried within the retry budget, then the call fails.
 */
import type { STSClientConfig } from "@aws-sdk/client-sts";
import { AsyncLocalStorage } from "async_hooks";
import { UnusableInputError } from "../errors";
import { KMS_REQUEST_TIMEOUTS } from "../../policy-pack/aws/kms-facts";

/** Credentials as every SDK client takes them: static, or a provider. */
export type Credentials = NonNullable<STSClientConfig["credentials"]>;
/** The SDK's node:http request handler, as the clients' config types name it. */
interface SdkRequestHandler {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own signature
  handle(request: any, options?: any): Promise<any>;
  destroy?(): void;
}
export type StaticCredentials = Extract<Credentials, { accessKeyId: string }>;

/** Options every client of the run takes: credentials, retries, the shared request handler. */
export interface ClientOptions {
  readonly region: string;
  readonly credentials: Credentials;
  readonly requestHandler: LimitedRequestHandler;
  readonly retryMode: "adaptive";
  readonly maxAttempts: number;
}

/** Attempts per call (the SDK's default is 3): throttling answers are retried with adaptive back-off. */
const MAX_ATTEMPTS = 6;

/** The identity the run starts with, and what every client needs. */
export interface AwsSession {
  readonly account: string;
  readonly partition: string;
  /** The configured region (`AWS_REGION`, the profile's region), if any. */
  readonly configuredRegion?: string;
  clientOptions(region: string, credentials?: ClientOptions["credentials"]): ClientOptions;
  readonly baseCredentials: Credentials;
  /** The options a client made elsewhere (the facts module's KMS clients) takes to share the run's budget. */
  readonly sharedOptions: Pick<ClientOptions, "requestHandler" | "retryMode" | "maxAttempts">;
  /**
   * Runs a call that finishes work (a get) when a slot is free: at most twice the request limit
   * are issued at once, so that thousands of gets do not wait as SDK commands (each holds its
   * request and middleware) in the handler's queue. Memory then stays flat as inventories grow.
   */
  issue<T>(call: () => Promise<T>): Promise<T>;
  /** AWS requests sent so far (retries included). */
  readonly requests: () => number;
}

/** Marks the requests made inside it as ones that unblock more work (the next page of a list). */
const urgency = new AsyncLocalStorage<true>();

/**
 * Runs `call` with its requests ahead of the queue: a list's next page is urgent, since the
 * calls for its items cannot start before it, while a get only finishes work. Without this, each
 * page would wait behind every get queued so far, and the pages of a long list would trickle in.
 */
export function urgently<T>(call: () => Promise<T>): Promise<T> {
  return urgency.run(true, call);
}

/**
 * A request handler that lets at most `limit` requests be in flight, urgent ones first: the
 * SDK's own handler (node:http, keep-alive) does the work.
 */
export class LimitedRequestHandler {
  private active = 0;
  private sent = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly urgent: (() => void)[] = [];

  constructor(
    private readonly inner: SdkRequestHandler & {
      updateHttpClientConfig?(key: never, value: never): void;
      httpHandlerConfigs?(): unknown;
    },
    private readonly limit: number,
  ) {}

  get metadata(): { handlerProtocol: string } {
    return { handlerProtocol: "http/1.1" };
  }

  get requests(): number {
    return this.sent;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own signature
  async handle(request: any, options?: any): Promise<any> {
    if (this.active >= this.limit) {
      const queue = urgency.getStore() === true ? this.urgent : this.waiting;
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    this.active++;
    this.sent++;
    try {
      return await this.inner.handle(request, options);
    } finally {
      this.active--;
      (this.urgent.shift() ?? this.waiting.shift())?.();
    }
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.inner.updateHttpClientConfig?.(key, value);
  }

  httpHandlerConfigs(): unknown {
    return this.inner.httpHandlerConfigs?.() ?? {};
  }

  destroy(): void {
    this.inner.destroy?.();
  }
}

/** A semaphore: `run` waits for one of `count` slots. */
function slots(count: number): <T>(call: () => Promise<T>) => Promise<T> {
  let free = count;
  const waiting: (() => void)[] = [];
  return async (call) => {
    if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else free--;
    try {
      return await call();
    } finally {
      const next = waiting.shift();
      if (next === undefined) free++;
      else next();
    }
  };
}

export interface SessionOptions {
  readonly profile?: string;
  readonly concurrency: number;
}

/** How long the start (credentials, then GetCallerIdentity) may take before the run gives up. */
const START_TIMEOUT_MS = 15_000;

/**
 * Finds credentials and the caller's account. No credentials, or credentials AWS rejects, is an
 * {@link UnusableInputError} (exit 2, one line).
 */
export async function startSession(options: SessionOptions): Promise<AwsSession> {
  // The SDK warns on every run under Node 20 that its releases from 2027 on will need Node 22:
  // advice for this tool's maintainers (package.json engines), not for the person auditing.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  const profile = options.profile === undefined ? {} : { profile: options.profile };
  const baseCredentials = fromNodeProviderChain(profile);
  // A client without an explicit region resolves it the standard way (AWS_REGION, the profile).
  const probe = new STSClient({
    ...profile,
    credentials: baseCredentials,
    requestHandler: KMS_REQUEST_TIMEOUTS,
  });
  const configuredRegion = await probe.config.region().catch(() => undefined);
  // The SDK's own node:http handler, shared (and bounded) by every client of the run.
  const requestHandler = new LimitedRequestHandler(
    probe.config.requestHandler as SdkRequestHandler,
    options.concurrency,
  );
  const clientOptions = (region: string, credentials: ClientOptions["credentials"] = baseCredentials) => ({
    region,
    credentials,
    requestHandler,
    retryMode: "adaptive" as const,
    maxAttempts: MAX_ATTEMPTS,
  });
  const sts = new STSClient(clientOptions(configuredRegion ?? "us-east-1"));
  let identity: { Account?: string; Arn?: string };
  try {
    identity = await sts.send(new GetCallerIdentityCommand({}), {
      abortSignal: AbortSignal.timeout(START_TIMEOUT_MS),
    });
  } catch (error) {
    throw new UnusableInputError(`cannot start the audit: ${credentialProblem(error, options.profile)}`);
  }
  if (identity.Account === undefined) throw new UnusableInputError("STS GetCallerIdentity named no account");
  return {
    account: identity.Account,
    partition: identity.Arn?.split(":")[1] ?? "aws",
    ...(configuredRegion === undefined ? {} : { configuredRegion }),
    baseCredentials,
    clientOptions,
    sharedOptions: { requestHandler, retryMode: "adaptive", maxAttempts: MAX_ATTEMPTS },
    issue: slots(2 * options.concurrency),
    requests: () => requestHandler.requests,
  };
}

function credentialProblem(error: unknown, profile: string | undefined): string {
  const name = (error as { name?: string }).name ?? "";
  const message = ((error as { message?: string }).message ?? String(error)).split("\n")[0];
  if (name === "CredentialsProviderError" || (/credential/i.test(message) && !/token/i.test(message))) {
    const where = profile === undefined ? "" : ` for profile '${profile}'`;
    return `no AWS credentials found${where} (set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): ${message}`;
  }
  if (name === "AbortError" || name === "TimeoutError")
    return "AWS STS did not answer GetCallerIdentity in time";
  return `AWS rejected the credentials (STS GetCallerIdentity: ${name || "error"}: ${message})`;
}

/** Credentials of `roleName` in `account`, assumed with the run's own credentials. */
export async function assumeRole(
  session: AwsSession,
  account: string,
  roleName: string,
): Promise<StaticCredentials> {
  const { STSClient, AssumeRoleCommand } = await import("@aws-sdk/client-sts");
  const sts = new STSClient(session.clientOptions(session.configuredRegion ?? "us-east-1"));
  const roleArn = `arn:${session.partition}:iam::${account}:role/${roleName}`;
  const answer = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "bedrock-cmk-guard-audit" }),
  );
  const credentials = answer.Credentials;
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined)
    throw new Error(`sts:AssumeRole of ${roleArn} returned no credentials`);
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    ...(credentials.SessionToken === undefined ? {} : { sessionToken: credentials.SessionToken }),
    ...(credentials.Expiration === undefined ? {} : { expiration: credentials.Expiration }),
  };
}

/** An AWS error's code and message, on one line (never a credential: the SDK's messages carry none). */
export function awsErrorText(error: unknown): string {
  const name = (error as { name?: string }).name ?? "Error";
  const message = ((error as { message?: string }).message ?? String(error)).replace(/\s*\n\s*/g, " ");
  return `${name}: ${message}`;
}
