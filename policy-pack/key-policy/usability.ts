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

/** A request a service documents that it makes with the key (e.g. DataZone's domain execution role). */
export interface KeyUseRequest {
  /** The calling role's ARN (in the key's account). */
  readonly principalArn: string;
  /** One KMS action, e.g. `kms:GenerateDataKey`. */
  readonly action: string;
  /** The key's ARN: its account is the key policy's account. */
  readonly keyArn: string;
  /** Condition keys the service sets on the request (kms:ViaService, encryption context, ...). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export type KeyUseVerdict =
  /** The key policy alone lets the caller make the request. */
  | { readonly kind: "allowed-by-key-policy" }
  /** The key policy lets IAM policies decide, and the caller's identity policies allow the request. */
  | { readonly kind: "allowed-by-identity-policies" }
  /** The key policy lets IAM policies decide; the caller's identity policies are not known. */
  | { readonly kind: "identity-policies-decide" }
  /** Neither the key policy nor (where it delegates) the identity policies allow it, or a Deny wins. */
  | { readonly kind: "denied"; readonly by: "key-policy" | "identity-policies" };

/**
 * Evaluates one request. `keyPolicy` is a parsed, valid key policy document (analysis.ts judges
 * validity); `identityPolicies` are the caller's policy documents, or undefined when not known.
 */
export function evaluateKeyUse(
  request: KeyUseRequest,
  keyPolicy: unknown,
  identityPolicies: readonly unknown[] | undefined,
): KeyUseVerdict {
  if (simulate(request, keyPolicy, [])) return { kind: "allowed-by-key-policy" };
  // Would any identity policy help? Only if the key policy lets IAM decide (and denies nothing).
  if (!simulate(request, keyPolicy, [ALLOW_EVERYTHING])) return { kind: "denied", by: "key-policy" };
  if (identityPolicies === undefined) return { kind: "identity-policies-decide" };
  return simulate(request, keyPolicy, identityPolicies)
    ? { kind: "allowed-by-identity-policies" }
    : { kind: "denied", by: "identity-policies" };
}

const ALLOW_EVERYTHING = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

/** An IAM role, user or session ARN: a caller that no Service principal names. */
const IAM_PRINCIPAL_ARN = /^arn:[^:]+:(iam|sts)::/;

/**
 * The key policy without its statements that name only AWS services, each literally: IAM matches a
 * Service principal to that service alone, so for a caller that is an IAM principal they neither
 * allow nor deny, and the simulator would still evaluate their conditions on every request (the
 * bulk of its time on a stack with a key per workspace).
 */
function withoutServiceOnlyStatements(request: KeyUseRequest, keyPolicy: unknown): unknown {
  if (!IAM_PRINCIPAL_ARN.test(request.principalArn) || !isPlainObject(keyPolicy)) return keyPolicy;
  const statement = keyPolicy.Statement;
  const statements: unknown[] = Array.isArray(statement) ? statement : [statement];
  const kept = statements.filter((s) => !namesOnlyServices(s));
  return kept.length === statements.length ? keyPolicy : { ...keyPolicy, Statement: kept };
}

function namesOnlyServices(statement: unknown): boolean {
  if (!isPlainObject(statement) || "NotPrincipal" in statement) return false;
  const principal = statement.Principal;
  if (!isPlainObject(principal) || Object.keys(principal).join() !== "Service") return false;
  const services: unknown[] = Array.isArray(principal.Service) ? principal.Service : [principal.Service];
  return services.length > 0 && services.every((s) => typeof s === "string" && !/[*?]/.test(s));
}

function simulate(request: KeyUseRequest, keyPolicy: unknown, identityPolicies: readonly unknown[]): boolean {
  const { simulate: simulator, policy } = libraries();
  const account = request.keyArn.split(":")[4] ?? "";
  const result = simulator.runUnsafeSimulation(
    {
      request: {
        principal: request.principalArn,
        action: request.action,
        resource: { resource: request.keyArn, accountId: account },
        contextVariables: {
          "aws:PrincipalArn": request.principalArn,
          "aws:PrincipalAccount": account,
          "aws:PrincipalType": "AssumedRole",
          "aws:PrincipalIsAWSService": "false",
          "aws:ResourceAccount": account,
          "kms:CallerAccount": account,
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
