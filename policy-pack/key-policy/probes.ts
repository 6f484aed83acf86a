/**
 * The probe requests that decide whether a key policy is "public": requests to use the key from
 * callers outside the key's account, evaluated by @cloud-copilot/iam-simulate against the key
 * policy alone (the outside caller's own account is the attacker's: its identity policies allow
 * everything). The bar is IAM Access Analyzer's external-access finding: a grant is public unless
 * every request it allows comes from the key's account (or an account or organization the policy
 * names literally).
 *
 * A single probe could be dodged by a condition on something it does not set, so the outsider
 * *chooses* every value it controls to fit the policy's patterns, while staying outside:
 * - callers: an IAM principal of another account, an AWS service acting for another account
 *   (each group of services the policy names alike, and any other). No anonymous caller: AWS KMS
 *   takes only requests signed with AWS credentials (Signature Version 4), so every request has a
 *   principal, and an IAM principal's carries its account;
 * - the outside account: one the policy names nowhere, plus, for each wildcard pattern on an
 *   account (`aws:PrincipalAccount`, `kms:CallerAccount`, `aws:SourceAccount`, the account field of
 *   `aws:PrincipalArn` / `aws:SourceArn`), an account that fits it and is not the key's or a named
 *   one. Every account fact of the caller is then that account (they agree, as in AWS);
 * - what the outsider picks in its own account: principal ARNs (role and user names and paths),
 *   principal type, user names, session names in `aws:userid`, source ARNs (an ARN without an
 *   account field, such as an S3 bucket's, can be the outsider's: IAM's confused-deputy guidance),
 *   organization ids, paths and VPCs that a wildcard matches;
 * - facts that only AWS sets are fixed: the key's own account (`aws:ResourceAccount`) and the time
 *   (`aws:CurrentTime`, `aws:EpochTime`: "now", injectable);
 * - every other condition key the policy names (kms:ViaService, encryption context, tags, IP, ...)
 *   is the caller's to choose: tried absent, with a fresh value, and with each value the policy
 *   compares it to (wildcards filled in, numbers and dates one step either side, both booleans),
 *   as single values and as sets for multi-valued keys;
 * - every combination of those, for each of the key's use actions, within one budget of simulated
 *   requests per policy (beyond it the guard says it could not decide).
 * The request's resource is the key's real ARN when known; otherwise each key ARN the policy names
 * ("this key") and one it does not ("another key"): when they disagree, the verdict waits for the
 * key's ARN.
 */
import { isPlainObject } from "../facts/values";
import { shareCaseInsensitiveCollator } from "./iam-policy-internals";

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

/**
 * Simulated requests per policy before the guard gives up (fails closed). About 20-60 µs each once
 * the document is parsed: well under a second per policy on this machine (see bench/key-policy-cost.ts).
 */
export const MAX_SIMULATIONS = 10_000;

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
  /** The outside caller, in words (`an IAM principal of another AWS account`). */
  readonly caller: string;
  readonly action: string;
}

/** What the key is, as far as the probes know it. */
export interface ProbeScope {
  /** The key's ARN when known (at `up`, in a stack export, from AWS); undefined at preview. */
  readonly keyArn: string | undefined;
  /** The current time (epoch milliseconds) for `aws:CurrentTime` and `aws:EpochTime`. */
  readonly now: number;
  /** Simulated requests allowed for this policy (MAX_SIMULATIONS unless a test lowers it). */
  readonly budget: number;
}

export type GrantSearch =
  /** `grant`: the first public grant found; `otherGrants`: those of other statements, so one fix covers all. */
  | { readonly kind: "public"; readonly grant: PublicGrant; readonly otherGrants: readonly PublicGrant[] }
  | { readonly kind: "restricted" }
  /** The probes could not decide: `cause` says why, `reason` says it in words. */
  | { readonly kind: "undetermined"; readonly cause: "budget" | "key-identity"; readonly reason: string };

type ContextValue = string | string[];
/** A value tried for a condition key; undefined = the key is absent from the request. */
type Candidate = ContextValue | undefined;

interface Caller {
  readonly description: string;
  readonly principal: string;
  /** Whether the caller has identity policies (its own account's: they allow everything). */
  readonly hasIdentity: boolean;
  /** Identity facts, by lower-case key: the values this caller can present (undefined = absent). */
  readonly identity: Readonly<Record<string, readonly Candidate[]>>;
  /**
   * For an AWS service, the account it acts for: the service sets the encryption context to the
   * resource it serves (e.g. `aws:bedrock:arn`), which is that account's, not a value it chooses.
   */
  readonly actsFor?: string;
}

/** Condition keys whose values AWS sets from the caller's (or the key's) identity, or the clock. */
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
  "aws:CurrentTime",
  "aws:EpochTime",
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

/** Account keys: a wildcard pattern on one of them is met by an outside account that fits it. */
const ACCOUNT_KEYS = new Set([
  "aws:principalaccount",
  "kms:calleraccount",
  "aws:sourceaccount",
  "aws:sourceowner",
]);
/** ARN keys whose account field a wildcard can give to an outside account. */
const ARN_KEYS = new Set(["aws:principalarn", "aws:sourcearn"]);
/**
 * Ids AWS assigns (organizations, VPCs): an outsider cannot pick a literal one, but a wildcard
 * pattern may match its own. The first path segment of an organization path is the org id.
 */
const ASSIGNED_ID_KEYS = new Set([
  "aws:principalorgid",
  "aws:sourceorgid",
  "aws:principalorgpaths",
  "aws:sourceorgpaths",
  "aws:sourcevpc",
  "aws:sourcevpce",
]);
/** The principal types a caller of another account can be (IAM's aws:PrincipalType values). */
const OUTSIDE_PRINCIPAL_TYPES = ["AssumedRole", "User", "FederatedUser", "Account"];

const OUTSIDE_ORG = "o-guardprobe1";
const OWNER_ORG = "o-guardowner1";
const PROBE_ROLE_ID = "AROAGUARDPROBE0000000";

/** The facts an outside caller presents, before the policy's own patterns add choices. */
function callers(outside: string, services: readonly (readonly string[])[]): Caller[] {
  const optional = (value: ContextValue): Candidate[] => [undefined, value];
  const sourceFacts = {
    "aws:sourceaccount": optional(outside),
    "aws:sourcearn": optional(`arn:aws:sns:us-east-1:${outside}:guard-probe`),
    "aws:sourceorgid": optional(OUTSIDE_ORG),
    "aws:sourceorgpaths": optional([`${OUTSIDE_ORG}/r-prb1/`]),
    "aws:sourceowner": optional(outside),
  };
  const network = {
    "aws:sourcevpc": optional("vpc-0guardprobe"),
    "aws:sourcevpce": optional("vpce-0guardprobe"),
  };
  const roleArn = `arn:aws:iam::${outside}:role/guard-probe`;
  const principal: Caller = {
    description: "an IAM principal of another AWS account",
    principal: roleArn,
    hasIdentity: true,
    identity: {
      "aws:principalaccount": [outside],
      "aws:principalarn": [roleArn],
      "aws:principalorgid": optional(OUTSIDE_ORG),
      "aws:principalorgpaths": optional([`${OUTSIDE_ORG}/r-prb1/`]),
      "aws:principaltype": OUTSIDE_PRINCIPAL_TYPES,
      "aws:principalisawsservice": ["false"],
      "aws:userid": [`${PROBE_ROLE_ID}:guard-probe`],
      "aws:username": optional("guard-probe"),
      "kms:calleraccount": [outside],
      ...sourceFacts,
      ...network,
    },
  };
  const serviceCallers = [...services, ["guard-probe.amazonaws.com"]].map((group): Caller => {
    const service = group[0]!;
    const alike = group.length > 1 ? ` and ${group.length - 1} other services named alike` : "";
    return {
      description: `an AWS service (${service}${alike}) acting for another AWS account`,
      principal: service,
      hasIdentity: false,
      actsFor: outside,
      identity: {
        "aws:principalisawsservice": ["true"],
        "aws:principalservicename": [service],
        "aws:principalservicenameslist": [[service]],
        "aws:principaltype": ["Service"],
        "kms:calleraccount": optional(outside),
        ...sourceFacts,
      },
    };
  });
  return [principal, ...serviceCallers];
}

type IamSimulate = typeof import("@cloud-copilot/iam-simulate");
type IamPolicy = typeof import("@cloud-copilot/iam-policy");
// Loaded on the first key policy that names a principal (about 80-150 ms): a stack without one never pays.
let simulator: { simulate: IamSimulate; policy: IamPolicy } | undefined;
export function libraries(): { simulate: IamSimulate; policy: IamPolicy } {
  if (simulator === undefined) shareCaseInsensitiveCollator();
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
  | { readonly kind: "budget" }
  | { readonly kind: "hit"; readonly caller: Caller; readonly hit: Hit; readonly resource: KeyResource };
const searches = new Map<string, SearchOutcome>();
const SEARCH_CACHE_LIMIT = 2000;

/** The key as a probe request names it. */
interface KeyResource {
  readonly arn: string;
  readonly account: string;
}

/** Simulated requests left for the policy being judged. */
interface Budget {
  remaining: number;
}

/** At most this many public grants are named for one policy (the first, and other statements'). */
const MAX_REPORTED_GRANTS = 5;

/**
 * Every way an outsider can use the key, up to MAX_REPORTED_GRANTS: after each public grant, its
 * statements are set aside (kept in place, granting no use action) and the search runs again, so
 * that a policy open through several statements is named whole, not one statement per run. What
 * the later searches cannot decide does not change the verdict: the policy is already public.
 */
export function findPublicGrant(document: PolicyDocument, text: string, scope: ProbeScope): GrantSearch {
  const first = findOneGrant(document, text, scope);
  if (first.kind !== "public") return first;
  const otherGrants: PublicGrant[] = [];
  let statements = [...statementsOf(document)];
  let latest = first.grant;
  while (otherGrants.length + 1 < MAX_REPORTED_GRANTS) {
    const culprits = latest.statements.map((label) => /^Statement\[(\d+)\]$/.exec(label)?.[1]);
    if (culprits.some((index) => index === undefined)) break; // "the statements together"
    statements = statements.map((statement, index) =>
      culprits.includes(String(index)) ? withoutKeyUse(statement) : statement,
    );
    const next = findOneGrant({ ...document, Statement: statements }, text, scope);
    if (next.kind !== "public") break;
    // Only statements not named yet (the search sets each found one aside, so this is a guard).
    const named = [first.grant, ...otherGrants].flatMap((grant) => grant.statements);
    if (next.grant.statements.every((label) => named.includes(label))) break;
    otherGrants.push(next.grant);
    latest = next.grant;
  }
  return { kind: "public", grant: first.grant, otherGrants };
}

/** The statement granting none of the key's use actions, in its place (positions stay those of the document). */
function withoutKeyUse(statement: StatementDocument): StatementDocument {
  const { NotAction: _notAction, ...rest } = statement;
  return { ...rest, Action: "kms:DescribeKey" };
}

/**
 * Searches for a request from outside the key's account that the key policy allows. The document
 * must have passed validation (analysis.ts); `text` is its JSON.
 *
 * Only the statements an outside caller could match (a wildcard principal, NotPrincipal, a service
 * principal) and the Deny statements take part: a grant to named principals never names the
 * outside account. Keys that differ only in such grants (one role per key, typically) share one
 * search (and, when those statements name every key, keys that differ in id too: namesEveryKey),
 * and a policy without any such statement needs no simulation at all.
 */
function findOneGrant(
  document: PolicyDocument,
  text: string,
  scope: ProbeScope,
): GrantSearch | { readonly kind: "public"; readonly grant: PublicGrant } {
  const statements = statementsOf(document);
  const relevant = statements.filter((s) => s.Effect !== "Allow" || couldMatchAnOutsider(s));
  if (!relevant.some((s) => s.Effect === "Allow")) return { kind: "restricted" };
  const named = new Set(text.match(ACCOUNT_ID) ?? []);
  const known = keyResourceOf(scope.keyArn);
  const outside = freshAccount(new Set([...named, ...(known === undefined ? [] : [known.account])]));
  const unknownOwner = freshAccount(new Set([...named, outside]));
  const owners = known === undefined ? [...named, unknownOwner] : [known.account];
  const resources = known === undefined ? candidateKeys(relevant, owners) : [known];
  const mentionsTime = /aws:(currenttime|epochtime)/i.test(text);
  const budget: Budget = { remaining: scope.budget };
  const idFree = relevant.every(namesEveryKey);
  const outcomes = resources.map((resource) => {
    const time = mentionsTime ? scope.now : 0;
    const searched = idFree ? { account: resource.account, arn: withoutKeyId(resource.arn) } : resource;
    const cacheKey = JSON.stringify([relevant, owners, outside, searched, time, scope.budget]);
    let outcome = searches.get(cacheKey);
    if (outcome === undefined) {
      outcome = searchCallers(relevant, owners, outside, resource, scope.now, budget);
      if (searches.size >= SEARCH_CACHE_LIMIT) searches.clear();
      searches.set(cacheKey, outcome);
    }
    // A search shared across key ids found its caller on another key: name this one.
    return outcome.kind === "hit" ? { ...outcome, resource } : outcome;
  });
  if (outcomes.some((o) => o.kind === "budget")) {
    return {
      kind: "undetermined",
      cause: "budget",
      reason: `its conditions need more than ${scope.budget} simulated requests to try every value an outside caller could choose`,
    };
  }
  const hits = outcomes.filter((o) => o.kind === "hit");
  if (hits.length === 0) return { kind: "restricted" };
  if (hits.length < outcomes.length) {
    return {
      kind: "undetermined",
      cause: "key-identity",
      reason:
        "whether an outside caller can use the key depends on the key's ARN (statements scoped by Resource or NotResource), which is not known until the key exists",
    };
  }
  const first = hits[0]!;
  const culprits = culpritStatements(statements, first.caller, first.hit, first.resource);
  return {
    kind: "public",
    grant: { statements: culprits, caller: first.caller.description, action: first.hit.action },
  };
}

/**
 * Whether a statement applies alike to every key of an account and region: `Resource` is `*` and
 * there is no `NotResource`. No condition key reads the key's id (IAM's and KMS's condition keys
 * read the key's account, region, tags, aliases and properties, and the caller's request), so keys
 * that differ only in id, and only in grants to named principals (one role per key, typically),
 * share one search: the search's outcome is the same for each.
 */
function namesEveryKey(statement: StatementDocument): boolean {
  const resource = statement.Resource;
  return (
    statement.NotResource === undefined &&
    (resource === "*" || (Array.isArray(resource) && resource.length === 1 && resource[0] === "*"))
  );
}

/** A key ARN with its key id left out: `arn:<partition>:kms:<region>:<account>:key/`. */
function withoutKeyId(arn: string): string {
  const mark = arn.indexOf(":key/");
  return mark < 0 ? arn : arn.slice(0, mark + ":key/".length);
}

/** The account of a key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`), when it is one. */
function keyResourceOf(arn: string | undefined): KeyResource | undefined {
  if (arn === undefined) return undefined;
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || !/^[0-9]{12}$/.test(parts[4]!)) return undefined;
  return { arn, account: parts[4]! };
}

/**
 * The keys a request may name when the key's ARN is not known: each KMS key ARN the statements
 * name (it may be this key; wildcards filled in) and, for each possible owner, a key they do not.
 */
function candidateKeys(statements: readonly StatementDocument[], owners: readonly string[]): KeyResource[] {
  const keys = new Map<string, KeyResource>();
  for (const statement of statements) {
    for (const element of [statement.Resource, statement.NotResource]) {
      for (const pattern of Array.isArray(element) ? element : [element]) {
        if (typeof pattern !== "string" || !/^arn:[^:]*:kms:[^:]*:[^:]*:key\//i.test(pattern)) continue;
        const parts = fillWildcards(pattern).split(":");
        if (parts.length < 6) continue;
        if (!/^[0-9]{12}$/.test(parts[4]!)) parts[4] = owners[0]!;
        const arn = parts.join(":");
        keys.set(arn, { arn, account: parts[4]! });
      }
    }
  }
  for (const owner of owners) {
    const arn = `arn:aws:kms:us-east-1:${owner}:key/guard-probe-other-key`;
    keys.set(arn, { arn, account: owner });
  }
  return [...keys.values()];
}

function searchCallers(
  statements: readonly StatementDocument[],
  owners: readonly string[],
  fresh: string,
  resource: KeyResource,
  now: number,
  budget: Budget,
): SearchOutcome {
  const mentioned = JSON.stringify(statements).toLowerCase();
  const denies = statements.filter((s) => s.Effect !== "Allow");
  const conditions = conditionsOf(statements);
  const taken = new Set([...owners, ...(mentioned.match(ACCOUNT_ID) ?? [])]);
  const outsiders = outsideAccounts(conditions, fresh, taken);
  for (const outside of outsiders) {
    for (const caller of callers(outside, serviceGroups(statements, mentioned))) {
      const allows = statements.filter((s) => s.Effect === "Allow" && couldMatch(s, caller));
      if (allows.length === 0) continue;
      const actions = KEY_USE_ACTIONS.filter((action) => allows.some((s) => coversAction(s, action)));
      const chosen = { caller, outside, taken, now };
      // Only the statements that could apply to this caller: a request costs per statement.
      const simulated = validated(simulationDocument([...allows, ...denies]));
      const axes = searchAxes(chosen, conditionsOf([...allows, ...denies]), owners, mentioned);
      const hit = search(caller, axes, actions, simulated, resource, budget);
      if (hit === "budget") return { kind: "budget" };
      if (hit !== undefined) return { kind: "hit", caller, hit, resource };
    }
  }
  return { kind: "restricted" };
}

/**
 * The outside accounts to try: `fresh` (named nowhere), and for each wildcard pattern on an
 * account (or an ARN's account field), one that fits it and is neither the key's nor named.
 */
function outsideAccounts(
  conditions: readonly ConditionUse[],
  fresh: string,
  taken: ReadonlySet<string>,
): string[] {
  const accounts = new Set([fresh]);
  for (const use of conditions) {
    const key = use.key.toLowerCase();
    for (const value of use.values) {
      const field = ACCOUNT_KEYS.has(key) ? value : ARN_KEYS.has(key) ? value.split(":")[4] : undefined;
      const account = field === undefined ? undefined : accountMatching(field, taken);
      if (account !== undefined) accounts.add(account);
    }
  }
  return [...accounts];
}

/** A 12-digit account that fits a wildcard pattern and is not taken (none for a literal). */
function accountMatching(pattern: string, taken: ReadonlySet<string>): string | undefined {
  if (!/[*?]/.test(pattern) || /\$\{/.test(pattern)) return undefined;
  const fixed = pattern.replace(/\*/g, "").length;
  for (const digit of "9876543210") {
    let first = true;
    const candidate = pattern.replace(/[*?]/g, (wildcard) => {
      if (wildcard === "?") return digit;
      const fill = first ? digit.repeat(Math.max(12 - fixed, 0)) : "";
      first = false;
      return fill;
    });
    if (/^[0-9]{12}$/.test(candidate) && !taken.has(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Services the policy names, grouped when the same Allow statements name them: nothing else tells
 * them apart unless a condition reads the service's name, so one search speaks for the group.
 */
function serviceGroups(statements: readonly StatementDocument[], mentioned: string): string[][] {
  const distinguishable = mentioned.includes("aws:principalservicename");
  const groups = new Map<string, string[]>();
  for (const service of new Set(namedServices(statements))) {
    // The statements naming the service, as written but for their Sid and Principal.
    const signature = distinguishable
      ? service
      : JSON.stringify(
          statements
            .filter((s) => couldMatch(s, { principal: service }))
            .map(({ Sid: _sid, Principal: _principal, ...rest }) => rest),
        );
    groups.set(signature, [...(groups.get(signature) ?? []), service]);
  }
  return [...groups.values()];
}

interface Hit {
  readonly action: string;
  readonly context: Record<string, ContextValue>;
}

type ValidatedPolicy = ReturnType<IamPolicy["createValidatedPolicy"]>;

/** The document parsed once per search (parsing a 32 KB policy per request would cost seconds). */
function validated(document: unknown): ValidatedPolicy {
  return libraries().policy.createValidatedPolicy(document, () => [], { name: "key-policy" });
}

function search(
  caller: Caller,
  axes: readonly Axis[],
  actions: readonly string[],
  document: ValidatedPolicy,
  resource: KeyResource,
  budget: Budget,
): Hit | "budget" | undefined {
  const counters = axes.map(() => 0);
  for (;;) {
    const context: Record<string, ContextValue> = {};
    axes.forEach((axis, i) => {
      const value = axis.candidates[counters[i]!];
      if (value !== undefined) context[axis.key] = value;
    });
    for (const action of actions) {
      if (budget.remaining <= 0) return "budget";
      budget.remaining -= 1;
      if (allowed(caller, action, context, document, resource)) return { action, context };
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
  document: ValidatedPolicy,
  resource: KeyResource,
): boolean {
  const { simulate } = libraries();
  const result = simulate.runUnsafeSimulation(
    {
      request: {
        principal: caller.principal,
        action,
        resource: { resource: resource.arn, accountId: resource.account },
        contextVariables: context,
      },
      identityPolicies: caller.hasIdentity ? [OUTSIDE_IDENTITY_POLICY] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: document,
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
  resource: KeyResource,
): string[] {
  const simulated = simulationDocument(statements);
  const denies = simulated.Statement.filter((s) => s.Effect === "Deny");
  const culprits: string[] = [];
  statements.forEach((statement, index) => {
    if (statement.Effect !== "Allow") return;
    const alone = validated({ Version: "2012-10-17", Statement: [...denies, simulated.Statement[index]!] });
    if (allowed(caller, hit.action, hit.context, alone, resource)) culprits.push(`Statement[${index}]`);
  });
  return culprits.length > 0 ? culprits : ["the statements together"];
}

/**
 * The document as the probes evaluate it: an Allow naming principals with a wildcard anywhere
 * (`{"Service": "*"}`, `{"Federated": "*"}`, ...) is read as allowing every principal. This only
 * widens what an Allow grants; Resource, NotResource and Deny statements stay exactly as written.
 */
function simulationDocument(statements: readonly StatementDocument[]): {
  Version: string;
  Statement: Record<string, unknown>[];
} {
  return {
    Version: "2012-10-17",
    Statement: statements.map((statement) => {
      if (statement.Effect !== "Allow" || !("Principal" in statement)) return { ...statement };
      return hasWildcardPrincipal(statement.Principal) ? { ...statement, Principal: "*" } : { ...statement };
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
function couldMatch(statement: StatementDocument, caller: Pick<Caller, "principal">): boolean {
  if ("NotPrincipal" in statement) return true;
  const principal = statement.Principal;
  if (hasWildcardPrincipal(principal)) return true;
  const name = caller.principal;
  if (typeof name !== "string" || !isPlainObject(principal)) return false;
  const services: unknown[] = Array.isArray(principal.Service) ? principal.Service : [principal.Service];
  return services.some((s) => typeof s === "string" && s.toLowerCase() === name.toLowerCase());
}

/** IAM's `*` and `?` wildcards as a regular expression (case-insensitive). */
function wildcardRegex(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "i");
}

/**
 * Whether an Allow statement's Action could cover `action` (IAM's wildcards, case-insensitive);
 * a NotAction statement always could. Only prunes the actions simulated: the simulator decides.
 */
function coversAction(statement: StatementDocument, action: string): boolean {
  if (!("Action" in statement)) return true;
  const patterns = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  return patterns.some((pattern) => typeof pattern !== "string" || wildcardRegex(pattern).test(action));
}

export function hasWildcardPrincipal(principal: unknown): boolean {
  if (typeof principal === "string") return /[*?]/.test(principal);
  if (Array.isArray(principal)) return principal.some(hasWildcardPrincipal);
  if (isPlainObject(principal)) return Object.values(principal).some(hasWildcardPrincipal);
  return false;
}

/** Condition keys that name the calling service: a statement `Principal: "*"` may grant through them. */
const SERVICE_NAME_KEYS = new Set(["aws:principalservicename", "aws:principalservicenameslist"]);

/**
 * The services a caller may be: those named as principals, and those a condition on the caller's
 * service name accepts (`"aws:PrincipalServiceName": "datazone.amazonaws.com"` under a wildcard
 * principal grants DataZone acting for any account). A pattern's wildcards are filled in: some
 * service may match it.
 */
function namedServices(statements: readonly StatementDocument[]): string[] {
  const services: string[] = [];
  for (const statement of statements) {
    const principal = statement.Principal;
    if (isPlainObject(principal)) {
      const service = principal.Service;
      for (const name of Array.isArray(service) ? service : [service]) {
        if (typeof name === "string" && !/[*?]/.test(name)) services.push(name);
      }
    }
    for (const use of conditionsOf([statement])) {
      if (!SERVICE_NAME_KEYS.has(use.key.toLowerCase())) continue;
      for (const value of use.values)
        if (!value.includes("${")) services.push(value.replace(/\*/g, "guardprobe").replace(/\?/g, "x"));
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

/** What the outsider choosing values knows: who it is, its account, what it must avoid, the time. */
interface Chooser {
  readonly caller: Caller;
  readonly outside: string;
  /** The key's possible accounts and every account the policy names (inside the trust zone). */
  readonly taken: ReadonlySet<string>;
  readonly now: number;
}

/**
 * The condition keys to vary for one caller, each with the values to try. `mentioned` is the
 * document's text in lower case: an identity fact is varied when the policy names it, in a
 * condition or in a policy variable.
 */
function searchAxes(
  chooser: Chooser,
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
  const { caller, now } = chooser;
  // Facts only AWS sets: the key's account and organization, and the time.
  const awsFacts: Record<string, readonly Candidate[]> = {
    "aws:resourceaccount": owners,
    "aws:resourceorgid": [undefined, OWNER_ORG],
    "aws:resourceorgpaths": [undefined, [`${OWNER_ORG}/r-own1/`]],
    "aws:currenttime": [new Date(now).toISOString()],
    "aws:epochtime": [String(Math.floor(now / 1000))],
  };
  // Identity facts with a single value go first, so policy variables resolve against them.
  const fixed: Record<string, Candidate> = {};
  const varied: Axis[] = [];
  // A key the policy names nowhere (in a condition or a variable) cannot change its verdict:
  // leaving it out keeps the simulated requests small.
  for (const [lower, canonical] of IDENTITY_KEY_NAMES) {
    if (!mentioned.includes(lower)) continue;
    const base = caller.identity[lower] ?? awsFacts[lower];
    if (base === undefined) continue;
    const uses = byKey.get(lower)?.uses ?? [];
    const candidates = unique([...base, ...chosenValues(lower, uses, base, chooser)]);
    if (candidates.length === 1) fixed[canonical] = candidates[0];
    else varied.push({ key: canonical, candidates });
  }
  // Everything else the policy compares is the caller's to choose.
  for (const [lower, { key, uses }] of byKey) {
    if (IDENTITY_KEY_NAMES.has(lower)) continue;
    varied.push({ key, candidates: freeCandidates(lower, uses, fixed, caller.actsFor) });
  }
  return [...Object.entries(fixed).map(([key, value]) => ({ key, candidates: [value] })), ...varied];
}

/**
 * Values of an identity fact that the outsider can present because it picks them in its own
 * account (names, session names, source resources) or because a wildcard matches an id AWS would
 * give it. `base` are the caller's own values: a fact the caller never carries stays so.
 */
function chosenValues(
  lower: string,
  uses: readonly ConditionUse[],
  base: readonly Candidate[],
  chooser: Chooser,
): Candidate[] {
  if (base.every((v) => v === undefined)) return [];
  const patterns = uses.flatMap((u) => u.values);
  const multi = MULTI_VALUED_KEYS.has(lower);
  const chosen: string[] = [];
  if (lower === "aws:username") chosen.push(...patterns.map(fillWildcards));
  if (lower === "aws:userid" && chooser.caller.hasIdentity) {
    // `<unique id>:<session name>`: the session name is the caller's; the unique id is AWS's.
    for (const pattern of patterns) {
      const idPart = pattern.split(":")[0]!;
      if (/[*?]/.test(idPart)) chosen.push(fillWildcards(pattern));
      else if (/^A[A-Z0-9]+$/.test(idPart) && idPart !== PROBE_ROLE_ID) continue;
      else chosen.push(`${PROBE_ROLE_ID}:${fillWildcards(pattern.split(":").slice(1).join(":"))}`);
    }
  }
  if (ASSIGNED_ID_KEYS.has(lower)) {
    for (const pattern of patterns) {
      if (/[*?]/.test(pattern.split("/")[0]!)) chosen.push(fillWildcards(pattern));
    }
  }
  if (ARN_KEYS.has(lower)) {
    const accountless = lower === "aws:sourcearn";
    for (const pattern of patterns) {
      const arn = arnOfOutsider(pattern, chooser, accountless);
      if (arn !== undefined) chosen.push(arn);
    }
  }
  return multi ? chosen.map((v) => [v]) : chosen;
}

/**
 * An ARN fitting `pattern` that belongs to the outsider: its account field is the outsider's (a
 * wildcard that fits it) or, for a source ARN, absent (an S3 bucket's ARN names no account: whoever
 * owns the bucket now is the source). A literal account is inside the trust zone.
 */
function arnOfOutsider(pattern: string, chooser: Chooser, accountless: boolean): string | undefined {
  const parts = pattern.split(":");
  if (parts.length < 6 || /\$\{/.test(pattern)) return undefined;
  const account = parts[4]!;
  if (account === "") {
    if (!accountless) return undefined;
  } else if (/[*?]/.test(account)) {
    if (!wildcardRegex(account).test(chooser.outside)) return undefined;
    parts[4] = chooser.outside;
  } else if (account !== chooser.outside) {
    return undefined;
  }
  return fillWildcards(parts.join(":"));
}

/** A value that a wildcard pattern matches: `*` read as `probe`, `?` as `p`. */
function fillWildcards(pattern: string): string {
  return pattern.replace(/\*/g, "probe").replace(/\?/g, "p");
}

function unique(candidates: readonly Candidate[]): Candidate[] {
  return [...new Map(candidates.map((c) => [JSON.stringify(c) ?? "absent", c])).values()];
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
  if (/[*?]/.test(value)) return [value, fillWildcards(value)];
  return [value];
}
