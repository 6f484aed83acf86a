/**
 * Reads a KMS key policy document and asks the question KMS answers: can a principal outside the
 * key's account use the key, on the key policy alone? The document is evaluated by
 * @cloud-copilot/iam-simulate (IAM's evaluation logic: Deny wins, policy variables resolve,
 * condition operators, IfExists, Null and set operators mean what IAM says) against probe requests
 * from outside callers (see key-policy-probes.ts). A document KMS would reject, or that cannot be
 * read the same way by every reader (duplicate JSON keys), fails closed.
 *
 * Results never carry document text (it could be secret), only statement positions.
 */
import { duplicateKeyPaths } from "../facts/json-duplicate-keys";
import {
  findPublicGrant,
  hasWildcardPrincipal,
  MAX_SIMULATIONS,
  statementsOf,
  type ProbeScope,
  type PolicyDocument,
  type PublicGrant,
  type StatementDocument,
} from "./probes";
import { isPlainObject, plain, UNKNOWN } from "../facts/values";
import { shareCaseInsensitiveCollator } from "./iam-policy-internals";

export type KeyPolicyVerdict =
  /** No policy set: KMS attaches its default key policy (the account's principals, through IAM). */
  | { readonly kind: "default" }
  | { readonly kind: "unknown" }
  | { readonly kind: "not-json" }
  /** The same key twice in one object: `JSON.parse` keeps the last, other readers may not. */
  | { readonly kind: "duplicate-key"; readonly paths: readonly string[] }
  /** Not a policy document KMS accepts; `problems` say where (e.g. `Statement[0]: no Principal`). */
  | { readonly kind: "invalid"; readonly problems: readonly string[] }
  /**
   * The evaluator could not decide, and says why: `budget` (more requests to try than it allows:
   * waiting will not help), `key-identity` (decided by the key's ARN, known at `up`),
   * `principal-meaning` (a principal KMS accepts whose meaning for KMS is not documented).
   */
  | { readonly kind: "undetermined"; readonly cause: UndeterminedCause; readonly reason: string }
  /** A request from outside the key's account is allowed. */
  | { readonly kind: "public"; readonly grant: PublicGrant; readonly otherGrants: readonly PublicGrant[] }
  | { readonly kind: "restricted" };

export type UndeterminedCause = "budget" | "key-identity" | "principal-meaning";

/** What is known about the key whose policy is judged. */
export interface KeyContext {
  /** The key's ARN when known (at `up`, in a stack export, read from KMS); absent at preview. */
  readonly keyArn?: string;
  /** The current time in epoch milliseconds, for time conditions (default: `Date.now()`). */
  readonly now?: number;
  /** Simulated requests allowed for one policy (default MAX_SIMULATIONS; tests lower it). */
  readonly budget?: number;
}

/** IAM's condition operators (without the IfExists suffix and set-operator prefix). */
const CONDITION_OPERATORS = new Set(
  [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
  ].map((o) => o.toLowerCase()),
);

type IamPolicy = typeof import("@cloud-copilot/iam-policy");
// Loaded on first use: most resources, and every key without a policy, never need it.
let iamPolicy: IamPolicy | undefined;
function policyLibrary(): IamPolicy {
  if (iamPolicy === undefined) shareCaseInsensitiveCollator();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see above)
  iamPolicy ??= require("@cloud-copilot/iam-policy") as IamPolicy;
  return iamPolicy;
}

/**
 * Verdicts already reached, by key ARN (and time, for a policy with time conditions), then document
 * text: a stack usually repeats a handful of documents, a verdict can cost many simulated requests,
 * and during `pulumi up` every key policy is judged by Analyze (the kms-key-* policies) before
 * AnalyzeStack judges it again for each resource using the key. Bounded (oldest out first): about
 * 1 KB per document.
 */
const verdictCache = new Map<string, Map<string, KeyPolicyVerdict>>();
let cachedVerdicts = 0;
const CACHE_LIMIT = 20_000;

/**
 * Judges a key policy (a JSON string, a document object, unknown, or absent) for the key described
 * by `key`: whether a caller outside the key's account can use it, on the key policy alone.
 */
export function analyseKeyPolicy(policy: unknown, key: KeyContext = {}): KeyPolicyVerdict {
  const value = plain(policy);
  if (value === UNKNOWN) return { kind: "unknown" };
  if (value === undefined || value === null) return { kind: "default" };
  const now = key.now ?? Date.now();
  const probe = { keyArn: key.keyArn, now, budget: key.budget ?? MAX_SIMULATIONS };
  if (typeof value !== "string") {
    if (containsUnknown(value)) return analysePartlyUnknown(value, key);
    const document = plainDeep(value);
    const text = JSON.stringify(document);
    return cached(text, probe, () => analyseDocument(document, text, probe));
  }
  return cached(value, probe, () => {
    let document: unknown;
    try {
      document = JSON.parse(value);
    } catch {
      return { kind: "not-json" };
    }
    const duplicates = duplicateKeyPaths(value);
    if (duplicates.length > 0) return { kind: "duplicate-key", paths: duplicates };
    return analyseDocument(document, value, probe);
  });
}

function cached(text: string, probe: ProbeScope, compute: () => KeyPolicyVerdict): KeyPolicyVerdict {
  // Only a policy with time conditions depends on the time (to the second, as IAM compares it).
  const time = TIME_KEYS.test(text) ? `@${Math.floor(probe.now / 1000)}` : "";
  const scope = `${probe.keyArn ?? ""}${time}#${probe.budget}`;
  let byText = verdictCache.get(scope);
  const known = byText?.get(text);
  if (known !== undefined) return known;
  const verdict = compute();
  if (cachedVerdicts >= CACHE_LIMIT) evictOldest();
  if (byText === undefined) verdictCache.set(scope, (byText = new Map()));
  byText.set(text, verdict);
  cachedVerdicts += 1;
  return verdict;
}

const TIME_KEYS = /aws:(currenttime|epochtime)/i;

function evictOldest(): void {
  for (const [scope, byText] of verdictCache) {
    const oldest = byText.keys().next();
    if (oldest.done === true) continue;
    byText.delete(oldest.value);
    cachedVerdicts -= 1;
    if (byText.size === 0) verdictCache.delete(scope);
    return;
  }
}

export function containsUnknown(value: unknown): boolean {
  const current = plain(value);
  if (current === UNKNOWN) return true;
  if (Array.isArray(current)) return current.some(containsUnknown);
  if (isPlainObject(current)) return Object.values(current).some(containsUnknown);
  return false;
}

/** Unwraps secrets everywhere in a document object (aws-native passes objects, not strings). */
export function plainDeep(value: unknown): unknown {
  const current = plain(value);
  if (Array.isArray(current)) return current.map(plainDeep);
  if (isPlainObject(current)) {
    return Object.fromEntries(Object.entries(current).map(([k, v]) => [k, plainDeep(v)]));
  }
  return current;
}

/** `text`: the document as JSON (where the probes look for the accounts it names). */
function analyseDocument(document: unknown, text: string, probe: ProbeScope): KeyPolicyVerdict {
  const problems = malformed(document);
  if (problems.length > 0) return { kind: "invalid", problems };
  const search = findPublicGrant(document as PolicyDocument, text, probe);
  if (search.kind !== "restricted") return search;
  const unclear = undocumentedPrincipals(document as PolicyDocument);
  if (unclear.length === 0) return { kind: "restricted" };
  return {
    kind: "undetermined",
    cause: "principal-meaning",
    reason: `${unclear.join(", ")} grant the key to a Federated or CanonicalUser principal, which KMS accepts but does not document for key policies`,
  };
}

/** Allow statements naming a Federated or CanonicalUser principal (other than a wildcard). */
function undocumentedPrincipals(document: PolicyDocument): string[] {
  const positions: string[] = [];
  statementsOf(document).forEach((statement, index) => {
    const principal = statement.Principal;
    if (statement.Effect !== "Allow" || !isPlainObject(principal)) return;
    const unclear = ["Federated", "CanonicalUser"].some(
      (type) => principal[type] !== undefined && !hasWildcardPrincipal(principal[type]),
    );
    if (unclear) positions.push(`Statement[${index}]`);
  });
  return positions;
}

/**
 * A document object with unknown parts (aws-native, at preview): the statements that are fully
 * known are judged on their own (a Deny among the unknown ones could only narrow them); if they
 * allow no outside caller the verdict waits for the rest.
 */
function analysePartlyUnknown(raw: unknown, key: KeyContext): KeyPolicyVerdict {
  const statements = plain(isPlainObject(raw) ? raw.Statement : UNKNOWN);
  if (!Array.isArray(statements)) return { kind: "unknown" };
  const known = statements.filter((s) => !containsUnknown(s)).map(plainDeep);
  if (known.length === 0) return { kind: "unknown" };
  const verdict = analyseKeyPolicy({ Version: "2012-10-17", Statement: known }, key);
  return verdict.kind === "public" || verdict.kind === "invalid" ? verdict : { kind: "unknown" };
}

/**
 * What KMS would reject, or what IAM would read differently from a reader: the library's resource
 * policy validation, plus what it leaves to the service (a statement with no principal or no
 * resource, an unknown condition operator, `Null` with IfExists).
 */
function malformed(document: unknown): string[] {
  let errors: { path: string; message: string }[];
  try {
    errors = policyLibrary().validateResourcePolicy(document);
  } catch {
    return ["(document): not a policy document"];
  }
  if (errors.length > 0)
    return [...new Set(errors.map((e) => `${positionOf(e.path)}: not valid in an IAM policy document`))];
  const problems: string[] = [];
  statementsOf(document as PolicyDocument).forEach((statement, index) => {
    const at = `Statement[${index}]`;
    if (!("Principal" in statement) && !("NotPrincipal" in statement))
      problems.push(`${at}: no Principal (a key policy statement must say whom it applies to)`);
    for (const element of ["Principal", "NotPrincipal"] as const) {
      if (element in statement) problems.push(...principalProblems(statement, element, at));
    }
    if (!("Resource" in statement) && !("NotResource" in statement))
      problems.push(`${at}: no Resource (a key policy statement uses "Resource": "*")`);
    const conditions = statement.Condition;
    if (!isPlainObject(conditions)) return;
    for (const operator of Object.keys(conditions)) {
      if (!knownOperator(operator)) problems.push(`${at}: a condition operator IAM does not know`);
    }
  });
  return [...new Set(problems)];
}

/** Principal types a key policy may name, and the identifiers KMS accepts for each. */
const PRINCIPAL_SHAPES: Readonly<Record<string, RegExp>> = {
  // `*`, an account id, an IAM or STS ARN with a literal account, or a unique id (a deleted principal).
  AWS: /^(\*|[0-9]{12}|arn:aws(-[a-z-]+)?:(iam|sts)::[0-9]{12}:[^*?]+|A[A-Z0-9]{15,127})$/,
  Service: /^(\*|[a-z0-9][a-z0-9.-]*\.[a-z]{2,}(\.[a-z]{2,})?)$/,
  Federated: /^\S+$/,
  CanonicalUser: /^(\*|[0-9a-f]{64})$/,
};

/**
 * What KMS refuses in a Principal (PutKeyPolicy fails with MalformedPolicyDocumentException): a
 * string other than `*`, a principal type IAM does not know, or an identifier of the wrong shape
 * (IAM allows no wildcard inside a principal ARN).
 */
function principalProblems(
  statement: StatementDocument,
  element: "Principal" | "NotPrincipal",
  at: string,
): string[] {
  const principal = statement[element];
  if (principal === "*") return [];
  const refused = `${at}: a ${element} that KMS does not accept`;
  if (!isPlainObject(principal) || Object.keys(principal).length === 0)
    return [`${refused} (use "*" or an object such as {"AWS": ...})`];
  const problems: string[] = [];
  for (const [type, identifiers] of Object.entries(principal)) {
    const shape = PRINCIPAL_SHAPES[type];
    if (shape === undefined) {
      problems.push(`${refused} (a principal type other than AWS, Service, Federated or CanonicalUser)`);
      continue;
    }
    const list: unknown[] = Array.isArray(identifiers) ? identifiers : [identifiers];
    if (list.length === 0 || list.some((id) => typeof id !== "string" || !shape.test(id)))
      problems.push(`${refused} (an identifier of type ${type} that is not one KMS accepts)`);
  }
  return problems;
}

/** `ForAnyValue:StringLikeIfExists` and the like; `Null` takes neither IfExists nor a set operator. */
function knownOperator(operator: string): boolean {
  const parts = operator.split(":");
  if (parts.length > 2) return false;
  const setOperator = parts.length === 2 ? parts[0]!.toLowerCase() : undefined;
  if (setOperator !== undefined && setOperator !== "foranyvalue" && setOperator !== "forallvalues")
    return false;
  const base = parts[parts.length - 1]!.toLowerCase();
  if (base === "null") return setOperator === undefined;
  const withoutIfExists = base.endsWith("ifexists") ? base.slice(0, -"ifexists".length) : base;
  return CONDITION_OPERATORS.has(withoutIfExists) && withoutIfExists !== "null";
}

/** The statement a validation path points into (`Statement[2].Principal.#Bogus` -> `Statement[2]`). */
function positionOf(path: string): string {
  const statement = /^Statement(\[\d+\])?/.exec(path);
  return statement === null ? "(document)" : statement[0];
}
