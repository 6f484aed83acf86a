/**
 * The other side of "public": can the principals that must use a key do so? One documented request
 * (a role of the key's own account calling KMS through a service, with the encryption context the
 * service sends) is evaluated by @cloud-copilot/iam-simulate the way KMS evaluates it: the key
 * policy, and the caller's identity policies only where the key policy lets IAM policies decide
 * (the default key policy's account-root `kms:*` statement). The same library and the same reading
 * of documents as the public-key search (probes.ts), from the inside.
 */
import { isPlainObject } from "../facts/values";
import { libraries } from "./probes";

/** Who makes a request: an IAM role or user, or an AWS service principal acting for a resource. */
export type RequestPrincipal =
  | { readonly kind: "iam"; readonly arn: string }
  | { readonly kind: "service"; readonly service: string; readonly sourceArn: string };

/** A request a service documents that it makes with the key (e.g. DataZone's domain execution role). */
export interface KeyUseRequest {
  /** The caller (an IAM principal of the key's account, or a service acting for it). */
  readonly principal: RequestPrincipal;
  /** One KMS action, e.g. `kms:GenerateDataKey`. */
  readonly action: string;
  /** The key's ARN: its account is the key policy's account. */
  readonly keyArn: string;
  /** Condition keys the service sets on the request (kms:ViaService, encryption context, ...). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export type KeyUseVerdict =
  /**
   * The request is allowed: by the key policy and the caller's identity policies together, or by
   * the key policy alone when the caller has none (a service, or `[]`) or they are not known.
   */
  | { readonly kind: "allowed" }
  /** The key policy lets IAM policies decide; the caller's identity policies are not known. */
  | { readonly kind: "identity-policies-decide" }
  /** Neither the key policy nor (where it delegates) the identity policies allow it, or a Deny wins. */
  | { readonly kind: "denied"; readonly by: "key-policy" | "identity-policies" };

/**
 * Evaluates one request. `keyPolicy` is a parsed, valid key policy document (analysis.ts judges
 * validity); `identityPolicies` are the caller's policy documents, or undefined when not known.
 * IAM's evaluation logic decides with every policy at once (an explicit Deny in an identity policy
 * wins over the key policy's Allow), so one request decides when it is allowed; only a refusal is
 * asked again, to say which policy refuses.
 */
export function evaluateKeyUse(
  request: KeyUseRequest,
  keyPolicy: unknown,
  identityPolicies: readonly unknown[] | undefined,
): KeyUseVerdict {
  // A service principal has no identity policies: the key policy alone decides.
  const own = request.principal.kind === "service" ? [] : identityPolicies;
  if (simulate(request, keyPolicy, own ?? [])) return { kind: "allowed" };
  if (request.principal.kind === "service") return { kind: "denied", by: "key-policy" };
  // Would any identity policy help? Only if the key policy lets IAM decide (and denies nothing).
  if (!simulate(request, keyPolicy, [ALLOW_EVERYTHING])) return { kind: "denied", by: "key-policy" };
  return own === undefined
    ? { kind: "identity-policies-decide" }
    : { kind: "denied", by: "identity-policies" };
}

const ALLOW_EVERYTHING = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

/**
 * The principals of the key's own account that the key policy names in an Allow statement (roles
 * and users, not the account root): who could be "the identity that calls the API" for a service
 * whose documented statement names that caller.
 */
export function namedAccountPrincipals(keyPolicy: unknown, account: string): string[] {
  const statements = readStatements(keyPolicy);
  const named = new Set<string>();
  for (const statement of statements) {
    if (statement.Effect !== "Allow") continue;
    const aws =
      typeof statement.Principal === "object" && statement.Principal !== null
        ? (statement.Principal as Record<string, unknown>).AWS
        : undefined;
    for (const arn of typeof aws === "string" ? [aws] : Array.isArray(aws) ? aws : []) {
      if (typeof arn === "string" && new RegExp(`^arn:[^:]+:iam::${account}:(role|user)/`).test(arn))
        named.add(arn);
    }
  }
  return [...named];
}

function readStatements(keyPolicy: unknown): Record<string, unknown>[] {
  if (typeof keyPolicy !== "object" || keyPolicy === null) return [];
  const statement = (keyPolicy as Record<string, unknown>).Statement;
  const list = Array.isArray(statement) ? statement : [statement];
  return list.filter((s): s is Record<string, unknown> => typeof s === "object" && s !== null);
}

/** The request context IAM sets for a principal of the key's account, or a service acting for it. */
function principalContext(principal: RequestPrincipal, account: string): Record<string, string | string[]> {
  if (principal.kind === "service") {
    return {
      "aws:PrincipalIsAWSService": "true",
      "aws:PrincipalServiceName": principal.service,
      "aws:PrincipalType": "Service",
      "aws:SourceAccount": account,
      "aws:SourceArn": principal.sourceArn,
    };
  }
  return {
    "aws:PrincipalArn": principal.arn,
    "aws:PrincipalAccount": account,
    "aws:PrincipalType": /:user\//.test(principal.arn) ? "User" : "AssumedRole",
    "aws:PrincipalIsAWSService": "false",
    "kms:CallerAccount": account,
  };
}

/** An IAM role, user or session ARN: a caller that no Service principal names. */
const IAM_PRINCIPAL_ARN = /^arn:[^:]+:(iam|sts)::/;

/**
 * The key policy without its statements that name only AWS services, each literally: IAM matches a
 * Service principal to that service alone, so for a caller that is an IAM principal they neither
 * allow nor deny, and the simulator would still evaluate their conditions on every request (the
 * bulk of its time on a stack with a key per workspace). The document is a valid one (analysis.ts).
 */
function withoutServiceOnlyStatements(request: KeyUseRequest, keyPolicy: unknown): unknown {
  const { principal } = request;
  if (principal.kind !== "iam" || !IAM_PRINCIPAL_ARN.test(principal.arn) || !isPlainObject(keyPolicy))
    return keyPolicy;
  const statements = readStatements(keyPolicy);
  const kept = statements.filter((s) => !namesOnlyServices(s));
  return kept.length === statements.length ? keyPolicy : { ...keyPolicy, Statement: kept };
}

function namesOnlyServices(statement: Record<string, unknown>): boolean {
  const principal = statement.Principal;
  if ("NotPrincipal" in statement || !isPlainObject(principal)) return false;
  if (Object.keys(principal).join() !== "Service") return false;
  const services: unknown[] = Array.isArray(principal.Service) ? principal.Service : [principal.Service];
  return services.length > 0 && services.every((s) => typeof s === "string" && !/[*?]/.test(s));
}

function simulate(request: KeyUseRequest, keyPolicy: unknown, identityPolicies: readonly unknown[]): boolean {
  const { simulate: simulator, policy } = libraries();
  const account = request.keyArn.split(":")[4] ?? "";
  const principal = request.principal;
  const result = simulator.runUnsafeSimulation(
    {
      request: {
        principal: principal.kind === "service" ? principal.service : principal.arn,
        action: request.action,
        resource: { resource: request.keyArn, accountId: account },
        contextVariables: {
          ...principalContext(principal, account),
          "aws:ResourceAccount": account,
          ...Object.fromEntries(
            Object.entries(request.context).map(([key, value]) => [
              key,
              typeof value === "string" ? value : [...value],
            ]),
          ),
        },
      },
      identityPolicies: identityPolicies.map((document, index) => ({
        name: `identity-${index}`,
        policy: document,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy.createValidatedPolicy(
        withoutServiceOnlyStatements(request, keyPolicy),
        () => [],
        {
          name: "key-policy",
        },
      ),
    },
    {},
  );
  return result === "Allowed";
}
