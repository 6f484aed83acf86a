/**
 * The probe requests that decide whether a key policy is "public": requests to use the key from
 * callers outside the key's account, evaluated by @cloud-copilot/iam-simulate against the key
 * policy alone (the outside caller's own account is the attacker's: its identity policies allow
 * everything).
 *
 * A single probe could be dodged by a condition on something it does not set, so the search covers
 * what the outside caller controls:
 * - callers: an IAM role of another account, an anonymous caller, an AWS service acting for another
 *   account (each service the policy names, and any other);
 * - facts AWS sets from the caller's identity (its account, ARN, organization, VPC, the key's own
 *   account) are fixed to the caller's values, or, where a caller may or may not carry them
 *   (organization, VPC endpoint, source account), tried both absent and present;
 * - every other condition key the policy names (kms:ViaService, encryption context, tags, IP, ...)
 *   is the caller's to choose: tried absent, with a fresh value, and with each value the policy
 *   compares it to (wildcards filled in, numbers and dates one step either side, both booleans),
 *   as single values and as sets for multi-valued keys;
 * - every combination of those, for each of the key's use actions, up to MAX_COMBINATIONS per
 *   caller (beyond that the guard says it cannot vouch for the policy).
 * An account named nowhere in the policy plays the outside account. When the key's account is not
 * known, every account the policy names (and one it does not) is tried as the key's account.
 */
import { isPlainObject } from "../facts/values";

/** The key's use actions (`kms:GenerateDataKey*` and `kms:ReEncrypt*` spelled out). */
export const KEY_USE_ACTIONS: readonly string[] = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GenerateDataKeyPair",
  "kms:GenerateDataKeyPairWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:CreateGrant",
];

/** Combinations of condition values tried per caller before the guard gives up (fails closed). */
export const MAX_COMBINATIONS = 256;

export interface PolicyDocument {
  readonly Statement: unknown;
  readonly [key: string]: unknown;
}
export type StatementDocument = Readonly<Record<string, unknown>>;

export function statementsOf(document: PolicyDocument): readonly StatementDocument[] {
  const statements = document.Statement;
  return (Array.isArray(statements) ? statements : [statements]).filter(isPlainObject);
}

/** Who got in, how, and through which statements (positions only). */
export interface PublicGrant {
  readonly statements: readonly string[];
  /** The outside caller, in words (`an IAM role of another AWS account`). */
  readonly caller: string;
  readonly action: string;
}

export type GrantSearch =
  | { readonly kind: "public"; readonly grant: PublicGrant }
  | { readonly kind: "restricted" }
  | { readonly kind: "too-complex"; readonly combinations: number };

type ContextValue = string | string[];
/** A value tried for a condition key; undefined = the key is absent from the request. */
type Candidate = ContextValue | undefined;

/** Stands for the simulator's anonymous principal (which is only loaded when a request is simulated). */
const ANONYMOUS: unique symbol = Symbol("anonymous");

interface Caller {
  readonly description: string;
  readonly principal: string | typeof ANONYMOUS;
  /** Whether the caller has identity policies (its own account's: they allow everything). */
  readonly hasIdentity: boolean;
  /** Identity facts, by lower-case key: a fixed value, absent (undefined), or either (`optional`). */
  readonly identity: Readonly<Record<string, Candidate | { readonly optional: ContextValue }>>;
  /**
   * For an AWS service, the account it acts for: the service sets the encryption context to the
   * resource it serves (e.g. `aws:bedrock:arn`), which is that account's, not a value it chooses.
   */
  readonly actsFor?: string;
}

/** Condition keys whose values AWS sets from the caller's (or the key's) identity. */
const IDENTITY_KEYS: readonly string[] = [
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  "aws:PrincipalOrgID",
  "aws:PrincipalOrgPaths",
  "aws:PrincipalType",
  "aws:PrincipalIsAWSService",
  "aws:PrincipalServiceName",
  "aws:PrincipalServiceNamesList",
  "aws:userid",
  "aws:username",
  "kms:CallerAccount",
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:SourceOrgID",
  "aws:SourceOrgPaths",
  "aws:SourceOwner",
  "aws:SourceVpc",
  "aws:SourceVpce",
  "aws:ResourceAccount",
  "aws:ResourceOrgID",
  "aws:ResourceOrgPaths",
];
const IDENTITY_KEY_NAMES = new Map(IDENTITY_KEYS.map((k) => [k.toLowerCase(), k]));

/** Keys IAM documents as multi-valued: probed as sets. */
const MULTI_VALUED_KEYS = new Set(
  [
    "aws:TagKeys",
    "aws:CalledVia",
    "aws:PrincipalOrgPaths",
    "aws:SourceOrgPaths",
    "aws:ResourceOrgPaths",
    "aws:PrincipalServiceNamesList",
    "kms:EncryptionContextKeys",
    "kms:GrantOperations",
  ].map((k) => k.toLowerCase()),
);

const OUTSIDE_ORG = "o-guardprobe1";
const OWNER_ORG = "o-guardowner1";

function callers(outside: string, services: readonly string[]): Caller[] {
  const sourceFacts = {
    "aws:sourceaccount": { optional: outside },
    "aws:sourcearn": { optional: `arn:aws:sns:us-east-1:${outside}:guard-probe` },
    "aws:sourceorgid": { optional: OUTSIDE_ORG },
    "aws:sourceorgpaths": { optional: [`${OUTSIDE_ORG}/r-prb1/`] },
    "aws:sourceowner": { optional: outside },
  };
  const network = {
    "aws:sourcevpc": { optional: "vpc-0guardprobe" },
    "aws:sourcevpce": { optional: "vpce-0guardprobe" },
  };
  const role: Caller = {
    description: "an IAM role of another AWS account",
    principal: `arn:aws:iam::${outside}:role/guard-probe`,
    hasIdentity: true,
    identity: {
      "aws:principalaccount": outside,
      "aws:principalarn": `arn:aws:iam::${outside}:role/guard-probe`,
      "aws:principalorgid": { optional: OUTSIDE_ORG },
      "aws:principalorgpaths": { optional: [`${OUTSIDE_ORG}/r-prb1/`] },
      "aws:principaltype": "AssumedRole",
      "aws:principalisawsservice": "false",
      "aws:userid": "AROAGUARDPROBE0000000:guard-probe",
      "kms:calleraccount": outside,
      ...sourceFacts,
      ...network,
    },
  };
  const anonymous: Caller = {
    description: "an anonymous caller",
    principal: ANONYMOUS,
    hasIdentity: false,
    identity: { "aws:principaltype": "Anonymous", "aws:principalisawsservice": "false", ...network },
  };
  const serviceCallers = [...new Set([...services, "guard-probe.amazonaws.com"])].map((service): Caller => ({
    description: `an AWS service (${service}) acting for another AWS account`,
    principal: service,
    hasIdentity: false,
    actsFor: outside,
    identity: {
      "aws:principalisawsservice": "true",
      "aws:principalservicename": service,
      "aws:principalservicenameslist": [service],
      "aws:principaltype": "Service",
      "kms:calleraccount": { optional: outside },
      ...sourceFacts,
    },
  }));
  return [role, anonymous, ...serviceCallers];
}

type IamSimulate = typeof import("@cloud-copilot/iam-simulate");
type IamPolicy = typeof import("@cloud-copilot/iam-policy");
// Loaded on the first key policy that names a principal (about 80-150 ms): a stack without one never pays.
let simulator: { simulate: IamSimulate; policy: IamPolicy } | undefined;
export function libraries(): { simulate: IamSimulate; policy: IamPolicy } {
  simulator ??= {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see above)
    simulate: require("@cloud-copilot/iam-simulate") as IamSimulate,
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see above)
    policy: require("@cloud-copilot/iam-policy") as IamPolicy,
  };
  return simulator;
}

const ACCOUNT_ID = /(?<![0-9])[0-9]{12}(?![0-9])/g;

/** An account id that the document does not name and that is not the key's. */
function freshAccount(taken: ReadonlySet<string>): string {
  for (let n = 9; n >= 1; n -= 1) {
    const candidate = String(n).repeat(12);
    if (!taken.has(candidate)) return candidate;
  }
  // Ten ids cannot all be taken by a document that also has room for the rest: still, be total.
  let serial = 100000000000;
  while (taken.has(String(serial))) serial += 1;
  return String(serial);
}

/** Searches already run, by the statements that matter to them (see findPublicGrant). */
type SearchOutcome =
  | { readonly kind: "restricted" }
  | { readonly kind: "too-complex"; readonly combinations: number }
  | { readonly kind: "hit"; readonly caller: Caller; readonly hit: Hit };
const searches = new Map<string, SearchOutcome>();
const SEARCH_CACHE_LIMIT = 2000;

/**
 * Searches for a request from outside the key's account that the key policy allows. The document
 * must have passed validation (key-policy.ts); `text` is its JSON; `keyAccount` is the key's
 * account when known.
 *
 * Only the statements an outside caller could match (a wildcard principal, NotPrincipal, a service
 * principal) and the Deny statements take part: a grant to named principals never names the
 * outside account. Keys that differ only in such grants (one role per key, typically) share one
 * search, and a policy without any such statement needs no simulation at all.
 */
export function findPublicGrant(
  document: PolicyDocument,
  text: string,
  keyAccount: string | undefined,
): GrantSearch {
  const statements = statementsOf(document);
  const relevant = statements.filter((s) => s.Effect !== "Allow" || couldMatchAnOutsider(s));
  if (!relevant.some((s) => s.Effect === "Allow")) return { kind: "restricted" };
  const named = new Set(text.match(ACCOUNT_ID) ?? []);
  const outside = freshAccount(new Set([...named, ...(keyAccount === undefined ? [] : [keyAccount])]));
  const unknownOwner = freshAccount(new Set([...named, outside]));
  const owners = keyAccount === undefined ? [...named, unknownOwner] : [keyAccount];
  const cacheKey = JSON.stringify([relevant, owners, outside]);
  let outcome = searches.get(cacheKey);
  if (outcome === undefined) {
    outcome = searchCallers(relevant, owners, outside);
    if (searches.size >= SEARCH_CACHE_LIMIT) searches.clear();
    searches.set(cacheKey, outcome);
  }
  if (outcome.kind !== "hit") return outcome;
  const culprits = culpritStatements(statements, outcome.caller, outcome.hit, owners[0]!);
  return {
    kind: "public",
    grant: { statements: culprits, caller: outcome.caller.description, action: outcome.hit.action },
  };
}

function searchCallers(
  statements: readonly StatementDocument[],
  owners: readonly string[],
  outside: string,
): SearchOutcome {
  const simulated = simulationDocument(statements);
  const mentioned = JSON.stringify(statements).toLowerCase();
  const denies = statements.filter((s) => s.Effect !== "Allow");
  for (const caller of callers(outside, namedServices(statements))) {
    const allows = statements.filter((s) => s.Effect === "Allow" && couldMatch(s, caller));
    if (allows.length === 0) continue;
    const actions = KEY_USE_ACTIONS.filter((action) => allows.some((s) => coversAction(s, action)));
    const axes = searchAxes(caller, conditionsOf([...allows, ...denies]), owners, mentioned);
    const combinations = axes.reduce((n, axis) => n * axis.candidates.length, 1);
    if (combinations > MAX_COMBINATIONS) return { kind: "too-complex", combinations };
    const hit = search(caller, axes, actions, simulated, owners[0]!);
    if (hit !== undefined) return { kind: "hit", caller, hit };
  }
  return { kind: "restricted" };
}

interface Hit {
  readonly action: string;
  readonly context: Record<string, ContextValue>;
}

function search(
  caller: Caller,
  axes: readonly Axis[],
  actions: readonly string[],
  document: unknown,
  owner: string,
): Hit | undefined {
  const counters = axes.map(() => 0);
  for (;;) {
    const context: Record<string, ContextValue> = {};
    axes.forEach((axis, i) => {
      const value = axis.candidates[counters[i]!];
      if (value !== undefined) context[axis.key] = value;
    });
    for (const action of actions) {
      if (allowed(caller, action, context, document, owner)) return { action, context };
    }
    // Mixed-radix increment over the axes' candidates.
    let i = 0;
    while (i < axes.length) {
      counters[i]! += 1;
      if (counters[i]! < axes[i]!.candidates.length) break;
      counters[i] = 0;
      i += 1;
    }
    if (i === axes.length) return undefined;
  }
}

function allowed(
  caller: Caller,
  action: string,
  context: Record<string, ContextValue>,
  document: unknown,
  owner: string,
): boolean {
  const { simulate, policy } = libraries();
  const result = simulate.runUnsafeSimulation(
    {
      request: {
        principal: caller.principal === ANONYMOUS ? simulate.anonymousPrincipal : caller.principal,
        action,
        resource: { resource: `arn:aws:kms:us-east-1:${owner}:key/guard-probe`, accountId: owner },
        contextVariables: context,
      },
      identityPolicies: caller.hasIdentity ? [OUTSIDE_IDENTITY_POLICY] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy.createValidatedPolicy(document, () => [], { name: "key-policy" }),
    },
    {},
  );
  return result === "Allowed";
}

/** The outside account is the attacker's: its own policies allow whatever the key policy does. */
const OUTSIDE_IDENTITY_POLICY = {
  name: "outside-account",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

/** The Allow statements that let the hit through on their own (with every Deny still in force). */
function culpritStatements(
  statements: readonly StatementDocument[],
  caller: Caller,
  hit: Hit,
  owner: string,
): string[] {
  const simulated = simulationDocument(statements);
  const denies = simulated.Statement.filter((s) => s.Effect === "Deny");
  const culprits: string[] = [];
  statements.forEach((statement, index) => {
    if (statement.Effect !== "Allow") return;
    const alone = { Version: "2012-10-17", Statement: [...denies, simulated.Statement[index]!] };
    if (allowed(caller, hit.action, hit.context, alone, owner)) culprits.push(`Statement[${index}]`);
  });
  return culprits.length > 0 ? culprits : ["the statements together"];
}

/**
 * The document as the probes evaluate it: an Allow naming principals with a wildcard anywhere
 * (`{"Service": "*"}`, `arn:aws:iam::*:root`, ...) is read as allowing every principal, and an
 * Allow's Resource as the key itself (in a key policy, Resource means this key). Both only widen
 * what an Allow grants; Deny statements are left exactly as written.
 */
function simulationDocument(statements: readonly StatementDocument[]): {
  Version: string;
  Statement: Record<string, unknown>[];
} {
  return {
    Version: "2012-10-17",
    Statement: statements.map((statement) => {
      if (statement.Effect !== "Allow") return { ...statement };
      const widened: Record<string, unknown> = { ...statement, Resource: "*" };
      delete widened.NotResource;
      if ("Principal" in statement && hasWildcardPrincipal(statement.Principal)) widened.Principal = "*";
      return widened;
    }),
  };
}

/** Whether an Allow statement could match some outside caller (a wildcard, NotPrincipal, a service). */
function couldMatchAnOutsider(statement: StatementDocument): boolean {
  const principal = statement.Principal;
  return (
    "NotPrincipal" in statement ||
    hasWildcardPrincipal(principal) ||
    (isPlainObject(principal) && principal.Service !== undefined)
  );
}

/** Whether an Allow statement's principal could be `caller` (see findPublicGrant). */
function couldMatch(statement: StatementDocument, caller: Caller): boolean {
  if ("NotPrincipal" in statement) return true;
  const principal = statement.Principal;
  if (hasWildcardPrincipal(principal)) return true;
  const name = caller.principal;
  if (typeof name !== "string" || !isPlainObject(principal)) return false;
  const services: unknown[] = Array.isArray(principal.Service) ? principal.Service : [principal.Service];
  return services.some((s) => typeof s === "string" && s.toLowerCase() === name.toLowerCase());
}

/**
 * Whether an Allow statement's Action could cover `action` (IAM's wildcards, case-insensitive);
 * a NotAction statement always could. Only prunes the actions simulated: the simulator decides.
 */
function coversAction(statement: StatementDocument, action: string): boolean {
  if (!("Action" in statement)) return true;
  const patterns = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  return patterns.some((pattern) => {
    if (typeof pattern !== "string") return true;
    const regex = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    return new RegExp(`^${regex}$`, "i").test(action);
  });
}

function hasWildcardPrincipal(principal: unknown): boolean {
  if (typeof principal === "string") return /[*?]/.test(principal);
  if (Array.isArray(principal)) return principal.some(hasWildcardPrincipal);
  if (isPlainObject(principal)) return Object.values(principal).some(hasWildcardPrincipal);
  return false;
}

function namedServices(statements: readonly StatementDocument[]): string[] {
  const services: string[] = [];
  for (const statement of statements) {
    const principal = statement.Principal;
    if (!isPlainObject(principal)) continue;
    const service = principal.Service;
    for (const name of Array.isArray(service) ? service : [service]) {
      if (typeof name === "string" && !/[*?]/.test(name)) services.push(name);
    }
  }
  return services;
}

/** One condition as written: operator (base, lower case), key, values, and whether it takes sets. */
interface ConditionUse {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  readonly setOperator: boolean;
}

function conditionsOf(statements: readonly StatementDocument[]): ConditionUse[] {
  const uses: ConditionUse[] = [];
  for (const statement of statements) {
    const block = statement.Condition;
    if (!isPlainObject(block)) continue;
    for (const [operator, entries] of Object.entries(block)) {
      if (!isPlainObject(entries)) continue;
      const parts = operator.split(":");
      const base = parts[parts.length - 1]!.toLowerCase().replace(/ifexists$/, "");
      for (const [key, raw] of Object.entries(entries)) {
        const values = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v));
        uses.push({ operator: base, key, values, setOperator: parts.length === 2 });
      }
    }
  }
  return uses;
}

interface Axis {
  readonly key: string;
  readonly candidates: readonly Candidate[];
}

/**
 * The condition keys to vary for one caller, each with the values to try. `mentioned` is the
 * document's text in lower case: an optional identity fact is varied when the policy names it,
 * in a condition or in a policy variable.
 */
function searchAxes(
  caller: Caller,
  conditions: readonly ConditionUse[],
  owners: readonly string[],
  mentioned: string,
): Axis[] {
  const byKey = new Map<string, { key: string; uses: ConditionUse[] }>();
  for (const use of conditions) {
    const lower = use.key.toLowerCase();
    const entry = byKey.get(lower) ?? { key: use.key, uses: [] };
    entry.uses.push(use);
    byKey.set(lower, entry);
  }
  // Identity facts: fixed for the caller and always in the request, so policy variables resolve.
  const fixed: Record<string, Candidate> = {};
  const varied: Axis[] = [];
  // A key the policy names nowhere (in a condition or a variable) cannot change its verdict:
  // leaving it out keeps the simulated requests small.
  const resourceAccount: Axis = { key: "aws:ResourceAccount", candidates: owners };
  if (mentioned.includes("aws:resourceaccount")) {
    if (owners.length === 1) fixed[resourceAccount.key] = owners[0];
    else varied.push(resourceAccount);
  }
  const ownerFacts: Caller["identity"] = {
    "aws:resourceorgid": { optional: OWNER_ORG },
    "aws:resourceorgpaths": { optional: [`${OWNER_ORG}/r-own1/`] },
  };
  for (const [lower, canonical] of IDENTITY_KEY_NAMES) {
    if (lower === "aws:resourceaccount") continue;
    const fact = caller.identity[lower] ?? ownerFacts[lower];
    if (isPlainObject(fact)) {
      if (mentioned.includes(lower)) varied.push({ key: canonical, candidates: [undefined, fact.optional] });
    } else if (fact !== undefined && mentioned.includes(lower)) {
      fixed[canonical] = fact;
    }
  }
  // Everything else the policy compares is the caller's to choose.
  for (const [lower, { key, uses }] of byKey) {
    if (IDENTITY_KEY_NAMES.has(lower)) continue;
    varied.push({ key, candidates: freeCandidates(lower, uses, fixed, caller.actsFor) });
  }
  return [...Object.entries(fixed).map(([key, value]) => ({ key, candidates: [value] })), ...varied];
}

/** The values an outside caller could give a key it controls (see the module comment). */
function freeCandidates(
  lowerKey: string,
  uses: readonly ConditionUse[],
  identity: Readonly<Record<string, Candidate>>,
  actsFor: string | undefined,
): Candidate[] {
  const singles = new Set<string>(["guard-probe-value"]);
  const serviceAsserted = actsFor !== undefined && SERVICE_ASSERTED_CONTEXT.test(lowerKey);
  for (const use of uses) {
    for (const raw of use.values) {
      const literal = substitute(raw, identity);
      const value = serviceAsserted ? inAccount(literal, actsFor) : literal;
      for (const variant of literalVariants(use.operator, value)) singles.add(variant);
    }
  }
  const values = [...singles];
  const multi = MULTI_VALUED_KEYS.has(lowerKey) || uses.some((u) => u.setOperator);
  if (!multi) return [undefined, ...values];
  const sets: string[][] = [[], ...values.map((v) => [v]), values.filter((v) => v !== "guard-probe-value")];
  const unique = new Map(sets.map((s) => [JSON.stringify(s), s]));
  return [undefined, ...unique.values()];
}

/** An encryption context pair (not the set of its keys), which a service sets from the resource it serves. */
const SERVICE_ASSERTED_CONTEXT = /^kms:encryptioncontext:.+/;

/**
 * An ARN as the same resource of `account` would spell it: a service acting for another account
 * serves that account's resources. An ARN whose account is a wildcard (or absent) is kept, so its
 * wildcard still matches the outsider's resources.
 */
function inAccount(value: string, account: string): string {
  const parts = value.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || !/^[0-9]{12}$/.test(parts[4]!)) return value;
  parts[4] = account;
  return parts.join(":");
}

/** Resolves `${key}` policy variables the caller's identity defines, and IAM's escapes. */
function substitute(value: string, identity: Readonly<Record<string, Candidate>>): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === "*" || name === "?" || name === "$") return name;
    const canonical = IDENTITY_KEY_NAMES.get(name.toLowerCase()) ?? name;
    const resolved = identity[canonical];
    return typeof resolved === "string" ? resolved : whole;
  });
}

/** Values near a literal that satisfy, or just miss, the operator it is used with. */
function literalVariants(operator: string, value: string): string[] {
  if (operator === "null") return [];
  if (operator === "bool") return ["true", "false"];
  if (operator.startsWith("numeric")) {
    const n = Number(value);
    return Number.isFinite(n) ? [value, String(n - 1), String(n + 1)] : [value];
  }
  if (operator.startsWith("date")) {
    const epoch = /^[0-9]+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (!Number.isFinite(epoch)) return [value];
    return [value, new Date(epoch - 1000).toISOString(), new Date(epoch + 1000).toISOString()];
  }
  if (operator.endsWith("ipaddress")) return [value, value.split("/")[0]!];
  if (/[*?]/.test(value)) return [value, value.replace(/\*/g, "probe").replace(/\?/g, "p")];
  return [value];
}
