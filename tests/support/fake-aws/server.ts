/**
 * A fake AWS endpoint for tests and benchmarks: one HTTP server on 127.0.0.1 (ephemeral port) that
 * the real AWS SDK v3 clients reach through `AWS_ENDPOINT_URL` (or a client's `endpoint`).
 *
 * How a request is routed
 * - The service and region come from the SigV4 credential scope of the `Authorization` header
 *   (`Credential=AKID/date/region/service/aws4_request`); the access key id comes from there too,
 *   so a test can model accounts or principals by access key (`call.accessKeyId`). A request
 *   without a signature answers 403 `MissingAuthenticationTokenException`.
 * - Handlers are registered per signing name (`server.register("kms", handler)`); several handlers
 *   may share one name (Bedrock and Bedrock Agent both sign as `bedrock`): the first whose
 *   `operationOf` recognises the request answers it. Unknown service or operation: 400
 *   `UnknownOperationException` in the handler's protocol (or JSON when no handler matched).
 *
 * Protocol helpers (so a service handler is a table of small functions)
 * - `awsJsonHandler("1.1", "TrentService", { DescribeKey: (input, call) => output })`:
 *   AWS JSON 1.0/1.1 (`X-Amz-Target: Prefix.Operation`, JSON body); errors are
 *   `{"__type": code, "message": ...}` with header `x-amzn-ErrorType`.
 * - `restJsonHandler([{ method: "GET", path: "/v2/domains/{identifier}", operation: "GetDomain",
 *   handle: (request, call) => output }])`: REST-JSON, `request.params` (path, decoded),
 *   `request.query`, `request.body` (parsed JSON or undefined); errors are JSON `{"message"}` with
 *   `x-amzn-ErrorType`.
 * - `queryXmlHandler("https://sts.amazonaws.com/doc/2011-06-15/", { GetCallerIdentity:
 *   (params, call) => "<Arn>...</Arn>" })`: AWS Query (form body `Action=...`), the function returns
 *   the inner XML of `<OperationResult>`; errors are `<ErrorResponse><Error><Type/><Code/><Message/>`.
 *   `xmlEscape` escapes text for those fragments.
 * - Any handler throws `new AwsError(code, message, status = 400)` to answer an AWS error in its
 *   protocol.
 *
 * Faults (`server.faults`, changeable between calls)
 * - `latencyMs`: a number, or a function of the call, awaited before each answer.
 * - `throttle`: `[{ service, operation, count }]`: the first `count` calls of that operation answer
 *   `ThrottlingException` (400) in the service's protocol; later calls are answered normally.
 * - `neverAnswer`: a function of the call; true holds the request open until `close()`.
 * - `inject`: `[{ service, operation, when?, count?, fault }]`: the calls of that operation (those
 *   `when` accepts; the first `count` of them, or all) are answered with the fault instead:
 *   `{ kind: "error", code, status, message? }` (an AWS error with its real code and status, in
 *   the service's protocol), `html-502` (a load balancer's HTML page), `malformed` (200 with a
 *   body that is not JSON), `truncated` (200 whose body stops short of its Content-Length),
 *   `no-answer` (held open), `delay` (answered after `ms`), or `rewrite` (the handler's JSON
 *   answer edited: a repeated pagination token, an answer about another key, ...).
 *
 * Call log: `server.calls` lists every request (service, region, operation, accessKeyId, input as
 * parsed, fault applied); `server.callsOf(service, operation?)` filters it.
 *
 * Child processes (the pack, the CLI): `fakeAwsEnv(server, credentials?)` (env.ts) is the
 * environment that reaches this server and can never pick up real credentials.
 */
import * as http from "http";
import type { AddressInfo } from "net";

/** An AWS error a handler throws; rendered in the protocol of the service that threw it. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** One request as the server saw it. */
export interface FakeAwsCall {
  readonly service: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  /** The parsed input: JSON body, query parameters (Query protocol), or REST request. */
  readonly input: unknown;
  /** Which fault, if any, answered instead of the handler. */
  fault?: "throttled" | "never-answered" | InjectedFault["kind"];
  /** The status code sent (undefined while a call is held open). */
  status?: number;
}

/** What the server hands a protocol handler. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A service handler: recognises its operations and answers them; protocol helpers build these. */
export interface ServiceHandler {
  /** The operation and parsed input of a request, or undefined when not this handler's. */
  recognise(request: RawRequest): { operation: string; input: unknown } | undefined;
  answer(operation: string, input: unknown, call: FakeAwsCall): Promise<RawResponse>;
  /** An AWS error in this handler's protocol. */
  error(error: AwsError): RawResponse;
}

export interface ThrottleRule {
  readonly service: string;
  readonly operation: string;
  /** How many calls of the operation answer ThrottlingException before it is answered. */
  readonly count: number;
}

export type InjectedFault =
  | { readonly kind: "error"; readonly code: string; readonly status: number; readonly message?: string }
  | { readonly kind: "html-502" }
  | { readonly kind: "malformed" }
  | { readonly kind: "truncated" }
  | { readonly kind: "no-answer" }
  | { readonly kind: "delay"; readonly ms: number }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the handler's JSON answer
  | { readonly kind: "rewrite"; readonly edit: (answer: any, call: FakeAwsCall) => unknown };

export interface FaultRule {
  readonly service: string;
  readonly operation: string;
  /** Which calls of the operation (default: all). */
  readonly when?: (call: FakeAwsCall) => boolean;
  /** How many matching calls get the fault (default: every one). */
  readonly count?: number;
  readonly fault: InjectedFault;
}

export interface FaultOptions {
  latencyMs?: number | ((call: FakeAwsCall) => number);
  throttle?: ThrottleRule[];
  neverAnswer?: (call: FakeAwsCall) => boolean;
  inject?: FaultRule[];
}

const REQUEST_ID = "00000000-0000-4000-8000-000000000000";
const CREDENTIAL_SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export class FakeAwsServer {
  readonly calls: FakeAwsCall[] = [];
  faults: FaultOptions = {};
  private readonly handlers = new Map<string, ServiceHandler[]>();
  private readonly throttled = new Map<string, number>();
  private readonly injected = new Map<FaultRule, number>();
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err));
      });
    });
  }

  /** Starts a server on 127.0.0.1 on a free port. */
  static async start(): Promise<FakeAwsServer> {
    const fake = new FakeAwsServer();
    await new Promise<void>((resolve, reject) => {
      fake.server.once("error", reject);
      fake.server.listen(0, "127.0.0.1", () => resolve());
    });
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  register(service: string, handler: ServiceHandler): this {
    this.handlers.set(service, [...(this.handlers.get(service) ?? []), handler]);
    return this;
  }

  callsOf(service: string, operation?: string): FakeAwsCall[] {
    return this.calls.filter(
      (c) => c.service === service && (operation === undefined || c.operation === operation),
    );
  }

  /** Forgets the call log and the throttling counts (faults and handlers stay). */
  reset(): void {
    this.calls.length = 0;
    this.throttled.clear();
    this.injected.clear();
  }

  /** Closes the server, dropping held-open requests. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw: RawRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    const scope = CREDENTIAL_SCOPE.exec(String(req.headers.authorization ?? ""));
    if (!scope) {
      return send(
        res,
        jsonError(new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)),
      );
    }
    const [, accessKeyId, region, service] = scope;
    const candidates = this.handlers.get(service) ?? [];
    let handler: ServiceHandler | undefined;
    let recognised: { operation: string; input: unknown } | undefined;
    for (const candidate of candidates) {
      recognised = candidate.recognise(raw);
      if (recognised) {
        handler = candidate;
        break;
      }
    }
    const call: FakeAwsCall = {
      service,
      region,
      accessKeyId,
      operation: recognised?.operation ?? "unknown",
      method: raw.method,
      path: raw.path,
      input: recognised?.input,
    };
    this.calls.push(call);
    if (!handler || !recognised) {
      const unknown = new AwsError(
        "UnknownOperationException",
        `no fake handler for ${service} ${raw.method} ${raw.path}`,
      );
      call.status = 400;
      return send(res, (candidates[0]?.error ?? jsonError)(unknown));
    }
    if (this.faults.neverAnswer?.(call)) {
      call.fault = "never-answered";
      return; // held open until the client gives up or close() drops it
    }
    const injected = this.takeInjected(call);
    if (injected !== undefined) call.fault = injected.kind;
    if (injected?.kind === "no-answer") return;
    if (injected?.kind === "delay") await new Promise((resolve) => setTimeout(resolve, injected.ms));
    if (injected?.kind === "truncated") {
      call.status = 200;
      // Promises more than it sends, then hangs up: the client sees the body end early.
      res.writeHead(200, { "content-type": "application/json", "content-length": "4096" });
      res.end('{"items": [');
      res.socket?.destroySoon();
      return;
    }
    const faulted = injected === undefined ? undefined : injectedResponse(injected, handler);
    if (faulted !== undefined) {
      call.status = faulted.status;
      return send(res, faulted);
    }
    const latency =
      typeof this.faults.latencyMs === "function" ? this.faults.latencyMs(call) : this.faults.latencyMs;
    if (latency) await new Promise((resolve) => setTimeout(resolve, latency));
    let response: RawResponse;
    if (this.takeThrottle(call)) {
      call.fault = "throttled";
      response = handler.error(new AwsError("ThrottlingException", "Rate exceeded"));
    } else {
      try {
        response = await handler.answer(recognised.operation, recognised.input, call);
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        response = handler.error(err);
      }
    }
    if (injected?.kind === "rewrite" && response.status < 300 && response.body !== "") {
      response = { ...response, body: JSON.stringify(injected.edit(JSON.parse(response.body), call)) };
    }
    call.status = response.status;
    send(res, response);
  }

  private takeInjected(call: FakeAwsCall): InjectedFault | undefined {
    const rule = this.faults.inject?.find(
      (r) =>
        r.service === call.service &&
        r.operation === call.operation &&
        (r.when === undefined || r.when(call)),
    );
    if (rule === undefined) return undefined;
    const done = this.injected.get(rule) ?? 0;
    if (rule.count !== undefined && done >= rule.count) return undefined;
    this.injected.set(rule, done + 1);
    return rule.fault;
  }

  private takeThrottle(call: FakeAwsCall): boolean {
    const rule = this.faults.throttle?.find(
      (t) => t.service === call.service && t.operation === call.operation,
    );
    if (!rule) return false;
    const key = `${rule.service}:${rule.operation}`;
    const done = this.throttled.get(key) ?? 0;
    if (done >= rule.count) return false;
    this.throttled.set(key, done + 1);
    return true;
  }
}

/** The answer a fault gives in place of the handler's, if it replaces it. */
function injectedResponse(fault: InjectedFault, handler: ServiceHandler): RawResponse | undefined {
  switch (fault.kind) {
    case "error":
      return handler.error(new AwsError(fault.code, fault.message ?? `injected ${fault.code}`, fault.status));
    case "html-502":
      return {
        status: 502,
        headers: { "content-type": "text/html" },
        body: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
      };
    case "malformed":
      return { status: 200, headers: { "content-type": "application/json" }, body: '{"items": [{"id": ' };
    default:
      return undefined;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, response: RawResponse): void {
  res.writeHead(response.status, {
    ...response.headers,
    "x-amzn-requestid": REQUEST_ID,
    "content-length": String(Buffer.byteLength(response.body)),
  });
  res.end(response.body);
}

function parseJson(body: string): unknown {
  if (body.trim() === "") return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new AwsError("SerializationException", "body is not JSON");
  }
}

function jsonError(error: AwsError, contentType = "application/json"): RawResponse {
  return {
    status: error.status,
    headers: { "content-type": contentType, "x-amzn-errortype": error.code },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

/** An operation of a JSON-protocol service: parsed input in, output object out (or AwsError). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonOperation = (input: any, call: FakeAwsCall) => unknown;

/** AWS JSON 1.0 / 1.1: `X-Amz-Target: <targetPrefix>.<Operation>`, JSON in and out. */
export function awsJsonHandler(
  version: "1.0" | "1.1",
  targetPrefix: string,
  operations: Record<string, JsonOperation>,
): ServiceHandler {
  const contentType = `application/x-amz-json-${version}`;
  return {
    recognise(request) {
      const target = String(request.headers["x-amz-target"] ?? "");
      if (request.method !== "POST" || !target.startsWith(`${targetPrefix}.`)) return undefined;
      const operation = target.slice(targetPrefix.length + 1);
      let input: unknown;
      try {
        input = parseJson(request.body);
      } catch {
        input = undefined;
      }
      return { operation, input };
    },
    async answer(operation, input, call) {
      const implementation = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (!implementation)
        throw new AwsError("UnknownOperationException", `${targetPrefix}.${operation} is not faked`);
      if (input === undefined) throw new AwsError("SerializationException", "body is not JSON");
      const output = await implementation(input, call);
      return { status: 200, headers: { "content-type": contentType }, body: JSON.stringify(output ?? {}) };
    },
    error: (error) => jsonError(error, contentType),
  };
}

export interface RestJsonRequest {
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface RestJsonRoute {
  readonly method: string;
  /** A path template; `{name}` matches one segment, `{name+}` the rest of the path. */
  readonly path: string;
  readonly operation: string;
  readonly handle: (request: RestJsonRequest, call: FakeAwsCall) => unknown;
  /** The success status (200 unless the API says otherwise, e.g. 201 or 204). */
  readonly status?: number;
}

/** REST-JSON: routing by method and path template, JSON body and answer. */
export function restJsonHandler(routes: RestJsonRoute[]): ServiceHandler {
  const compiled = routes.map((route) => ({ route, ...compileTemplate(route.path) }));
  return {
    recognise(request) {
      for (const { route, pattern, names } of compiled) {
        if (route.method !== request.method) continue;
        const match = pattern.exec(request.path);
        if (!match) continue;
        const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
        let body: unknown;
        try {
          body = request.body.trim() === "" ? undefined : JSON.parse(request.body);
        } catch {
          body = undefined;
        }
        return { operation: route.operation, input: { params, query: request.query, body } };
      }
      return undefined;
    },
    async answer(operation, input, call) {
      const route = routes.find((r) => r.operation === operation)!;
      const output = await route.handle(input as RestJsonRequest, call);
      const status = route.status ?? 200;
      return {
        status,
        headers: { "content-type": "application/json" },
        body: status === 204 ? "" : JSON.stringify(output ?? {}),
      };
    },
    error: (error) => ({
      status: error.status,
      headers: { "content-type": "application/json", "x-amzn-errortype": error.code },
      body: JSON.stringify({ message: error.message }),
    }),
  };
}

function compileTemplate(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const param = /^\{([^}+]+)(\+?)\}$/.exec(part);
      if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(param[1]);
      return param[2] ? "(.+)" : "([^/]+)";
    })
    .join("");
  return { pattern: new RegExp(`^${source}/?$`), names };
}

/** An operation of a Query-protocol service: form parameters in, inner XML of the result out. */
export type QueryOperation = (params: URLSearchParams, call: FakeAwsCall) => string | Promise<string>;

/** AWS Query (STS and the like): form-encoded `Action=...`, XML answers and XML errors. */
export function queryXmlHandler(xmlns: string, operations: Record<string, QueryOperation>): ServiceHandler {
  return {
    recognise(request) {
      const params = new URLSearchParams(request.method === "POST" ? request.body : request.query.toString());
      const action = params.get("Action");
      return action ? { operation: action, input: params } : undefined;
    },
    async answer(operation, input, call) {
      const implementation = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (!implementation) throw new AwsError("InvalidAction", `${operation} is not faked`);
      const inner = await implementation(input as URLSearchParams, call);
      const body =
        `<${operation}Response xmlns="${xmlns}"><${operation}Result>${inner}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${REQUEST_ID}</RequestId></ResponseMetadata></${operation}Response>`;
      return { status: 200, headers: { "content-type": "text/xml" }, body };
    },
    error: (error) => ({
      status: error.status,
      headers: { "content-type": "text/xml" },
      body:
        `<ErrorResponse xmlns="${xmlns}"><Error><Type>${error.status >= 500 ? "Receiver" : "Sender"}</Type>` +
        `<Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error>` +
        `<RequestId>${REQUEST_ID}</RequestId></ErrorResponse>`,
    }),
  };
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
