import {
  keyUseOf,
  recipesFor,
  type KeyUseFamily,
  type KeyUseRecipe,
  type KeyUseRequirement,
} from "../catalog/key-users";
import type { ResourceFamily } from "../catalog/bedrock-resources";
import type { ConsumerRole } from "../facts/role-policies";
import { plain, readPath, UNKNOWN } from "../facts/values";
import { analyseKeyPolicy, containsUnknown, plainDeep } from "../key-policy/analysis";
import {
  evaluateKeyUse,
  namedAccountPrincipals,
  type KeyUseRequest,
  type KeyUseVerdict,
  type RequestPrincipal,
} from "../key-policy/usability";
import { KEY_FITNESS_WHY, type KeyFitnessInput } from "./key-fitness-input";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule, type RuleOutcome } from "./rule";

/**
 * A Bedrock resource's key must be usable by whoever AWS documents uses it: each key policy
 * statement of the family's encryption page (policy-pack/catalog/key-users.ts, with its source) is
 * the request it lets the service make, evaluated against the key policy the way KMS evaluates it
 * (and, where the key policy lets IAM policies decide, against the identity policies the stack
 * gives the resource's roles). The finding names the statement to add. Advisory by default: KMS
 * grants made outside the stack can also allow the requests.
 */
export const workspaceKeyUsable: Rule<KeyFitnessInput> = {
  id: "workspace-key-usable",
  title: "Keys of Bedrock resources must let the principals AWS documents use them",
  rationale: `${KEY_FITNESS_WHY} AWS documents, per family, the key policy statements a customer managed key needs: a DataZone domain's execution role (DescribeKey, GenerateDataKey, Decrypt through DataZone with the encryption context aws:datazone:domainId, and CreateGrant for V2 domains), Bedrock for agents, the Flows caller and execution role, guardrail and managed knowledge base creators. A key policy that leaves one out passes preview and fails at up, or when the resource is first used. The key policy is evaluated the way KMS evaluates it, with the conditions (kms:ViaService, encryption context) the service sends; where it lets IAM policies decide (the account root's kms:* statement), the roles' identity policies in the stack decide.`,
  fix: "Add the documented key policy statement the finding names (the sample stack's WorkspaceKey component does it for workspaces); docs/catalog.md lists every family's statements and their AWS pages.",
  severity: "high",
  defaultLevel: "advisory",
  evaluate(input) {
    const entry = input.consumer === undefined ? undefined : keyUseOf(input.consumer.family);
    if (input.consumer === undefined || entry === undefined) {
      return notApplicable("AWS documents no key policy statement this family's key needs.");
    }
    const choice = recipesFor(entry, input.consumer.props);
    if (choice.kind === "unknown") return undetermined(choice.reason);
    if (choice.kind === "invalid") return nonCompliant(choice.problem);
    // A key's `arn` is an output, which stack policies do not see at `up`; the resource's key
    // property holds the same ARN (these families accept nothing else).
    const ownArn = plain(input.facts.arn);
    const keyArn =
      ownArn === undefined ? keyReferenceOf(input.consumer.family, input.consumer.props) : ownArn;
    if (keyArn === UNKNOWN || keyArn === undefined)
      return undetermined("the key's ARN (its account and region) is not known until the key exists.");
    if (typeof keyArn !== "string" || !/^arn:[^:]+:kms:[^:]+:[0-9]{12}:key\//.test(keyArn))
      return undetermined("the key's ARN is not a KMS key ARN, so its account and region are not known.");
    const document = keyPolicyDocument(input.facts.policy, keyArn);
    if (document.kind !== "readable") return document.outcome;
    const scene: Scene = {
      input,
      entry,
      keyArn,
      keyPolicy: document.value,
      keyPolicyText: document.text.toLowerCase(),
      identity: resourceIdentity(entry, input.consumer.props, keyArn),
      tags: keyTagContext(input),
    };
    const outcomes = choice.recipes.map((recipe) => judgeRecipe(scene, recipe));
    return combineRecipes(choice.recipes, outcomes);
  },
};

/** What every requirement of one resource is judged against. */
interface Scene {
  readonly input: KeyFitnessInput;
  readonly entry: KeyUseFamily;
  readonly keyArn: string;
  readonly keyPolicy: unknown;
  /** Lower case, to see which condition keys the key policy compares. */
  readonly keyPolicyText: string;
  /** The resource's id or ARN as the service sends it; `known` false while it is the probe value. */
  readonly identity: { readonly value: string; readonly known: boolean };
  readonly tags: Record<string, string>;
}

/** Any one documented recipe suffices; the finding names the first recipe's missing statements. */
function combineRecipes(recipes: readonly KeyUseRecipe[], outcomes: readonly RuleOutcome[]): RuleOutcome {
  if (outcomes.some((o) => o.kind === "compliant")) return compliant;
  const pending = outcomes.find((o) => o.kind === "undetermined");
  if (pending !== undefined) return pending;
  const first = outcomes[0]!;
  if (first.kind !== "non-compliant" || recipes.length === 1) return first;
  const others = recipes
    .slice(1)
    .map((recipe, i) => {
      const outcome = outcomes[i + 1]!;
      return outcome.kind === "non-compliant" ? `${recipe.name}: ${outcome.problem}` : recipe.name;
    })
    .join("; ");
  return nonCompliant(`${first.problem} (for ${recipes[0]!.name}; AWS also documents ${others})`, first.fix);
}

function judgeRecipe(scene: Scene, recipe: KeyUseRecipe): RuleOutcome {
  const outcomes = recipe.requirements.map((requirement) => judgeRequirement(scene, requirement));
  const failed = outcomes.flatMap((o, i) =>
    o.kind === "non-compliant" ? [{ o, requirement: recipe.requirements[i]! }] : [],
  );
  if (failed.length > 0) {
    return nonCompliant(
      failed.map(({ o }) => (o.kind === "non-compliant" ? o.problem : "")).join(" "),
      `Add to the key policy: ${JSON.stringify(failed.map(({ requirement }) => statementFor(scene, requirement)))} (${[...new Set(failed.map(({ requirement }) => requirement.source.url))].join(", ")}).`,
    );
  }
  return outcomes.find((o) => o.kind === "undetermined" || o.kind === "not-applicable") ?? compliant;
}

function judgeRequirement(scene: Scene, requirement: KeyUseRequirement): RuleOutcome {
  const user = requirement.user;
  if (user.kind === "service") {
    const principal: RequestPrincipal = {
      kind: "service",
      service: user.service,
      sourceArn: sourceArnOf(scene),
    };
    return verdictsOutcome(
      scene,
      requirement,
      user.title,
      evaluateAll(scene, requirement, principal, undefined),
    );
  }
  if (user.kind === "role") {
    const role = roleOf(scene.input, user.property);
    if (role.arn === undefined)
      return notApplicable(`the resource names no ${user.title} (\`${user.property}\`).`);
    if (role.arn === UNKNOWN) return undetermined(`${user.title}'s ARN is not known until the role exists.`);
    const identity = role.policies.kind === "known" ? role.policies.documents : undefined;
    const principal: RequestPrincipal = { kind: "iam", arn: role.arn };
    const verdicts = evaluateAll(scene, requirement, principal, identity);
    const pending = verdicts.filter(
      (v) => v.verdict !== "unreadable" && v.verdict.kind === "identity-policies-decide",
    );
    if (pending.length > 0 && !verdicts.some((v) => isDenied(v.verdict))) {
      const reason = role.policies.kind === "unknown" ? role.policies.reason : "";
      return undetermined(
        `the key policy lets IAM policies decide whether ${user.title} (${role.arn}) may call ${actionsOf(pending)}, and ${reason}.`,
      );
    }
    return verdictsOutcome(scene, requirement, `${user.title} (${role.arn})`, verdicts);
  }
  // The caller is not a resource of the stack: any principal of the key's account that the key policy
  // names may be it; if none may make the request, no caller can, unless IAM policies decide.
  const account = scene.keyArn.split(":")[4]!;
  for (const arn of namedAccountPrincipals(scene.keyPolicy, account)) {
    const verdicts = evaluateAll(scene, requirement, { kind: "iam", arn }, []);
    // No identity policies ([]): allowed means by the key policy alone.
    if (verdicts.every((v) => v.verdict !== "unreadable" && v.verdict.kind === "allowed")) return compliant;
  }
  const probe: RequestPrincipal = {
    kind: "iam",
    arn: `arn:${partitionOf(scene.keyArn)}:iam::${account}:role/GuardCallerProbe`,
  };
  const verdicts = evaluateAll(scene, requirement, probe, undefined);
  const pending = verdicts.filter(
    (v) => v.verdict !== "unreadable" && v.verdict.kind === "identity-policies-decide",
  );
  if (pending.length > 0 && !verdicts.some((v) => isDenied(v.verdict))) {
    return undetermined(
      `the key policy lets IAM policies decide whether ${user.title} may call ${actionsOf(pending)}, and that identity is not a resource of the stack (name it in the key policy with statement ${requirement.sid} to have it judged).`,
    );
  }
  return verdictsOutcome(scene, requirement, user.title, verdicts, "no principal the key policy names lets");
}

type Verdicts = readonly {
  readonly request: KeyUseRequest;
  readonly verdict: KeyUseVerdict | "unreadable";
}[];

function evaluateAll(
  scene: Scene,
  requirement: KeyUseRequirement,
  principal: RequestPrincipal,
  identity: readonly unknown[] | undefined,
): Verdicts {
  return requirement.actions.map((action) => {
    const request = documentedRequest(scene, requirement, principal, action);
    return { request, verdict: evaluateSafely(request, scene.keyPolicy, identity) };
  });
}

const isDenied = (v: KeyUseVerdict | "unreadable") => v !== "unreadable" && v.kind === "denied";
const actionsOf = (verdicts: Verdicts) => verdicts.map((v) => v.request.action).join(", ");

function verdictsOutcome(
  scene: Scene,
  requirement: KeyUseRequirement,
  who: string,
  verdicts: Verdicts,
  lead = "the key policy does not let",
): RuleOutcome {
  const byKeyPolicy = verdicts.filter(
    (v) => v.verdict !== "unreadable" && v.verdict.kind === "denied" && v.verdict.by === "key-policy",
  );
  const byIdentity = verdicts.filter(
    (v) => v.verdict !== "unreadable" && v.verdict.kind === "denied" && v.verdict.by === "identity-policies",
  );
  const context = requirement.encryptionContextKey;
  if (byKeyPolicy.length > 0) {
    if (
      !scene.identity.known &&
      context !== undefined &&
      scene.keyPolicyText.includes(context.toLowerCase())
    ) {
      return undetermined(
        `the key policy compares the encryption context ${context}, and the resource's ${context.endsWith("domainId") ? "id" : "ARN"} is not known until it exists.`,
      );
    }
    return nonCompliant(
      `${lead} ${who} call ${actionsOf(byKeyPolicy)} through ${requirement.via}.${regionOf(scene.keyArn)}.amazonaws.com${context === undefined ? "" : ` with the encryption context ${context}`}, as the service does (statement ${requirement.sid}, ${requirement.source.url}).`,
    );
  }
  if (byIdentity.length > 0) {
    return nonCompliant(
      `the key policy lets IAM policies decide, and the identity policies of ${who} do not allow ${actionsOf(byIdentity)} on this key (statement ${requirement.sid}, ${requirement.source.url}).`,
    );
  }
  const unreadable = verdicts.filter((v) => v.verdict === "unreadable");
  if (unreadable.length > 0)
    return undetermined(`the guard could not evaluate ${actionsOf(unreadable)} against the key policy.`);
  return compliant;
}

/** The key reference the resource holds, in the first of its family's key properties that is set. */
function keyReferenceOf(family: ResourceFamily, props: unknown): unknown {
  for (const type of family.types) {
    const value = readPath(props, type.keyProperty);
    if (value !== undefined) return value;
  }
  return undefined;
}

function roleOf(input: KeyFitnessInput, property: string): ConsumerRole {
  const fromStack = input.consumer?.roles?.find((r) => r.property === property);
  if (fromStack !== undefined) return fromStack;
  const value = readPath(input.consumer?.props, [property]);
  return {
    property,
    arn: typeof value === "string" ? value : value === UNKNOWN ? UNKNOWN : undefined,
    policies: { kind: "unknown", reason: "the role's identity policies are not in the input" },
  };
}

const partitionOf = (arn: string) => arn.split(":")[1]!;
const regionOf = (arn: string) => arn.split(":")[3]!;

/** The resource's id or ARN as its service sends it, or the family's probe value until it exists. */
function resourceIdentity(entry: KeyUseFamily, props: unknown, keyArn: string): Scene["identity"] {
  for (const path of entry.identity.paths) {
    const value = readPath(props, path);
    if (typeof value === "string" && value !== "") return { value, known: true };
  }
  const [, partition, , region, account] = keyArn.split(":");
  return { value: entry.identity.pending(region!, account!, partition!), known: false };
}

/** `aws:SourceArn` of a service acting for the resource: its ARN (the families with a service user are named by ARN). */
const sourceArnOf = (scene: Scene): string => scene.identity.value;

/**
 * The key's tags as KMS puts them in every request (`aws:ResourceTag/<key>`): identity policies
 * often allow keys by tag (Bedrock Studio's roles: EnableBedrock=true). Unknown tags add nothing.
 */
function keyTagContext(input: KeyFitnessInput): Record<string, string> {
  const tags = input.facts.tags;
  if (tags.kind !== "map") return {};
  return Object.fromEntries(
    Object.entries(tags.tags).flatMap(([key, value]) => {
      const known = plain(value);
      return typeof known === "string" ? [[`aws:ResourceTag/${key}`, known]] : [];
    }),
  );
}

type PolicyDocumentRead =
  | { readonly kind: "readable"; readonly value: unknown; readonly text: string }
  | { readonly kind: "unreadable"; readonly outcome: RuleOutcome };

/** KMS's default key policy: the account's IAM policies decide. */
function defaultKeyPolicy(keyArn: string): unknown {
  const [, partition, , , account] = keyArn.split(":");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}

function keyPolicyDocument(policy: unknown, keyArn: string): PolicyDocumentRead {
  const verdict = analyseKeyPolicy(policy, { keyArn });
  if (verdict.kind === "unknown")
    return { kind: "unreadable", outcome: undetermined("the key policy is not known yet.") };
  if (verdict.kind === "default") {
    const value = defaultKeyPolicy(keyArn);
    return { kind: "readable", value, text: JSON.stringify(value) };
  }
  if (verdict.kind === "not-json" || verdict.kind === "duplicate-key" || verdict.kind === "invalid") {
    return {
      kind: "unreadable",
      outcome: undetermined("the key policy cannot be read (cmk-key-policy-public reports why)."),
    };
  }
  const value = plain(policy);
  if (typeof value === "string") return { kind: "readable", value: JSON.parse(value), text: value };
  if (containsUnknown(value))
    return { kind: "unreadable", outcome: undetermined("parts of the key policy are not known yet.") };
  const document = plainDeep(value);
  return { kind: "readable", value: document, text: JSON.stringify(document) };
}

/** A request as the service makes it for the resource (see the requirement's source). */
function documentedRequest(
  scene: Scene,
  requirement: KeyUseRequirement,
  principal: RequestPrincipal,
  action: string,
): KeyUseRequest {
  const service = `${requirement.via}.amazonaws.com`;
  const via = {
    "kms:ViaService": `${requirement.via}.${regionOf(scene.keyArn)}.amazonaws.com`,
    "aws:CalledVia": [service],
    "aws:CalledViaFirst": service,
    "aws:CalledViaLast": service,
  };
  const key = requirement.encryptionContextKey;
  // DescribeKey takes no encryption context.
  const withContext: Record<string, string | string[]> =
    key === undefined || action === "kms:DescribeKey"
      ? {}
      : { [`kms:EncryptionContext:${key}`]: scene.identity.value, "kms:EncryptionContextKeys": [key] };
  const grant =
    action === "kms:CreateGrant" && requirement.grantOperations !== undefined
      ? {
          "kms:GrantIsForAWSResource": "true",
          "kms:GrantOperations": [...requirement.grantOperations],
          ...(key === undefined ? {} : { "kms:GrantConstraintType": "EncryptionContextSubset" }),
        }
      : {};
  return {
    principal,
    action,
    keyArn: scene.keyArn,
    context: { ...via, ...withContext, ...grant, ...scene.tags },
  };
}

/** A policy the simulator cannot read is not a pass: it is reported as not decidable. */
function evaluateSafely(
  request: KeyUseRequest,
  keyPolicy: unknown,
  identity: readonly unknown[] | undefined,
): KeyUseVerdict | "unreadable" {
  try {
    return evaluateKeyUse(request, keyPolicy, identity);
  } catch {
    return "unreadable";
  }
}

/** The key policy statement a requirement asks for, as the finding tells the reader to add it. */
function statementFor(scene: Scene, requirement: KeyUseRequirement): Record<string, unknown> {
  const user = requirement.user;
  const account = scene.keyArn.split(":")[4]!;
  const principal =
    user.kind === "service"
      ? { Service: user.service }
      : user.kind === "role"
        ? { AWS: roleArnOrPlaceholder(scene.input, user.property, account) }
        : {
            AWS: `arn:${partitionOf(scene.keyArn)}:iam::${account}:role/<${user.title.replace(/^the /, "")}>`,
          };
  const key = requirement.encryptionContextKey;
  const condition: Record<string, Record<string, string>> = {
    StringEquals: {
      "kms:ViaService": `${requirement.via}.${regionOf(scene.keyArn)}.amazonaws.com`,
      ...(key !== undefined && scene.identity.known && !requirement.actions.includes("kms:DescribeKey")
        ? { [`kms:EncryptionContext:${key}`]: scene.identity.value }
        : {}),
    },
    ...(requirement.grantOperations === undefined ? {} : { Bool: { "kms:GrantIsForAWSResource": "true" } }),
  };
  if (user.kind === "service") condition.StringEquals!["aws:SourceAccount"] = account;
  return {
    Sid: requirement.sid,
    Effect: "Allow",
    Principal: principal,
    Action: requirement.actions.length === 1 ? requirement.actions[0] : [...requirement.actions],
    Resource: "*",
    Condition: condition,
  };
}

function roleArnOrPlaceholder(input: KeyFitnessInput, property: string, account: string): string {
  const arn = roleOf(input, property).arn;
  return typeof arn === "string" ? arn : `arn:aws:iam::${account}:role/<${property}>`;
}
