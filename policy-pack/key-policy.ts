/**
 * Reads a KMS key policy document and answers one question: does it grant anything to every
 * principal (`"*"`, `{"AWS": "*"}`, or an Allow with `NotPrincipal`) without a condition that
 * narrows who can use it? Parsing and validation are @cloud-copilot/iam-policy's; this module only
 * decides which conditions narrow. Results never carry document text (it could be secret), only
 * statement positions.
 */
import { isPlainObject, plain, UNKNOWN } from "./values";

export type KeyPolicyVerdict =
  /** No policy set: KMS attaches its default key policy (the account's principals, through IAM). */
  | { readonly kind: "default" }
  | { readonly kind: "unknown" }
  | { readonly kind: "not-json" }
  /** A JSON value that is not a valid policy document; `paths` say where (e.g. `Statement[0]`). */
  | { readonly kind: "invalid"; readonly paths: readonly string[] }
  /** Allow statements open to every principal without a narrowing condition, by position. */
  | { readonly kind: "public"; readonly statements: readonly string[] }
  | { readonly kind: "restricted" };

/**
 * Condition keys that tie a request to a known account, organization or network path. A grant to
 * `*` under one of them (with a positive operator and a concrete value) reaches only those callers.
 * `kms:ViaService` alone is not among them: it names a service, not whose principals call it.
 */
const NARROWING_KEYS = new Set(
  [
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "kms:CallerAccount",
  ].map((k) => k.toLowerCase()),
);
const POSITIVE_OPERATORS = new Set([
  "StringEquals",
  "StringEqualsIgnoreCase",
  "StringLike",
  "ArnEquals",
  "ArnLike",
]);
const ARN_KEYS = new Set(["aws:principalarn", "aws:sourcearn"]);
const ORG_PATH_KEYS = new Set(["aws:principalorgpaths", "aws:sourceorgpaths"]);

type IamPolicy = typeof import("@cloud-copilot/iam-policy");
// Loaded on first use (about 25-50 ms): most resources, and every key without a policy, never need it.
let iamPolicy: IamPolicy | undefined;
function library(): IamPolicy {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see above)
  iamPolicy ??= require("@cloud-copilot/iam-policy") as IamPolicy;
  return iamPolicy;
}

/** Verdicts of policy strings already read: a stack usually repeats a handful of documents. */
const verdictCache = new Map<string, KeyPolicyVerdict>();
const CACHE_LIMIT = 1000;

export function analyseKeyPolicy(policy: unknown): KeyPolicyVerdict {
  const value = plain(policy);
  if (value === UNKNOWN) return { kind: "unknown" };
  if (value === undefined || value === null) return { kind: "default" };
  if (typeof value !== "string") return analyseDocument(value);
  const cached = verdictCache.get(value);
  if (cached !== undefined) return cached;
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch {
    return remember(value, { kind: "not-json" });
  }
  return remember(value, analyseDocument(document));
}

function remember(text: string, verdict: KeyPolicyVerdict): KeyPolicyVerdict {
  if (verdictCache.size >= CACHE_LIMIT) verdictCache.clear();
  verdictCache.set(text, verdict);
  return verdict;
}

function containsUnknown(value: unknown): boolean {
  const current = plain(value);
  if (current === UNKNOWN) return true;
  if (Array.isArray(current)) return current.some(containsUnknown);
  if (isPlainObject(current)) return Object.values(current).some(containsUnknown);
  return false;
}

/** Unwraps secrets everywhere in a document object (aws-native passes objects, not strings). */
function plainDeep(value: unknown): unknown {
  const current = plain(value);
  if (Array.isArray(current)) return current.map(plainDeep);
  if (isPlainObject(current)) {
    return Object.fromEntries(Object.entries(current).map(([k, v]) => [k, plainDeep(v)]));
  }
  return current;
}

function analyseDocument(raw: unknown): KeyPolicyVerdict {
  if (containsUnknown(raw)) return analysePartlyUnknown(raw);
  const document = plainDeep(raw);
  const { validateResourcePolicy } = library();
  let errors: { path: string }[];
  try {
    errors = validateResourcePolicy(document);
  } catch {
    return { kind: "invalid", paths: [] };
  }
  if (errors.length > 0)
    return { kind: "invalid", paths: [...new Set(errors.map((e) => e.path || "(document)"))] };
  const open = publicStatements(document);
  return open.length > 0 ? { kind: "public", statements: open } : { kind: "restricted" };
}

/**
 * A document object with unknown parts (aws-native, at preview): the statements that are fully
 * known are judged; if none of them is public the verdict waits for the rest.
 */
function analysePartlyUnknown(raw: unknown): KeyPolicyVerdict {
  const statements = plain(
    isPlainObject(plain(raw)) ? (plain(raw) as Record<string, unknown>).Statement : UNKNOWN,
  );
  if (!Array.isArray(statements)) return { kind: "unknown" };
  const known = statements.map((s, i) => [s, i] as const).filter(([s]) => !containsUnknown(s));
  const open: string[] = [];
  for (const [statement, index] of known) {
    const verdict = analyseDocument({ Version: "2012-10-17", Statement: [plainDeep(statement)] });
    if (verdict.kind === "public") open.push(`Statement[${index}]`);
  }
  return open.length > 0 ? { kind: "public", statements: open } : { kind: "unknown" };
}

function publicStatements(document: unknown): string[] {
  const policy = library().loadPolicy(document);
  const open: string[] = [];
  policy.statements().forEach((statement, position) => {
    if (!statement.isAllow()) return;
    const everyone =
      statement.isNotPrincipalStatement() ||
      (statement.isPrincipalStatement() && statement.principals().some((p) => p.isWildcardPrincipal()));
    if (!everyone) return;
    const narrowed = statement
      .conditions()
      .some((c) =>
        narrows(
          c.operation().baseOperator(),
          c.operation().setOperator(),
          c.operation().isIfExists(),
          c.conditionKey(),
          c.conditionValues(),
        ),
      );
    if (!narrowed) open.push(`Statement[${position}]`);
  });
  return open;
}

/** Whether one condition limits a grant to `*` to known callers (see NARROWING_KEYS). */
export function narrows(
  operator: string,
  setOperator: string | undefined,
  ifExists: boolean,
  key: string,
  values: readonly string[],
): boolean {
  // `...IfExists` passes when the key is absent, and `ForAllValues` passes on an empty set.
  if (ifExists || setOperator === "ForAllValues") return false;
  if (!POSITIVE_OPERATORS.has(operator)) return false;
  const normalisedKey = key.toLowerCase();
  if (!NARROWING_KEYS.has(normalisedKey) || values.length === 0) return false;
  return values.every((value) => concrete(normalisedKey, value));
}

/** A condition value that names specific callers: no wildcard where the account or org goes. */
function concrete(key: string, value: string): boolean {
  if (value.trim() === "") return false;
  // An organization path may end in a wildcard below a concrete organization id (`o-.../r-.../*`).
  if (ORG_PATH_KEYS.has(key)) return /^o-[a-z0-9]+\//.test(value);
  if (!ARN_KEYS.has(key)) return !/[*?]/.test(value);
  const account = value.split(":")[4];
  return account !== undefined && /^[0-9]{12}$/.test(account);
}
