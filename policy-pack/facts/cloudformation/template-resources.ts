/**
 * Resources created through CloudFormation or Cloud Control from a Pulumi stack: a
 * `aws:cloudformation/stack:Stack` or `aws-native:cloudformation:Stack` with an inline template, or
 * a `aws:cloudcontrol/resource:Resource` with a `typeName` and a `desiredState`. Each resource of a
 * type the guard knows (catalog.ts, kms-catalog.ts) becomes a synthetic stack resource of the
 * matching aws-native type, so that the same rules and key tracing judge it:
 * - `AWS::<Service>::<Resource>` is aws-native's `aws-native:<service, lower case>:<Resource>`
 *   (aws-native is generated 1:1 from the CloudFormation registry), and its PascalCase properties
 *   are aws-native's camelCase names (sdkPropertyName). No second table of types or properties.
 * - The template is evaluated as CloudFormation evaluates it (template-evaluator.ts) in the account
 *   and region the host's provider and the stack config give it (templateEnvironment): conditions
 *   (a resource whose `Condition` is false is left out), parameters (the stack's `parameters`,
 *   else their `Default`, typed), mappings, pseudo parameters; values are then coerced to the
 *   key's schema (coerceToSchema). What cannot be known is unknown (never absent).
 * - `Ref` / `Fn::GetAtt` to another resource of the template become an unknown value with a
 *   property dependency on that resource's synthetic URN: a key of the template is traced and
 *   judged like a key of the stack at preview. The key reference's form (key id, key ARN, alias
 *   name), which CloudFormation's documentation fixes for each attribute, is kept beside it
 *   (keyFormOf) for the rules that judge the form and the region.
 * - A synthetic resource is named `<stack name>/<logical id>` and its URN is the host's URN
 *   followed by `#template:<logical id>`; findings are reported on the host (hostUrnOf).
 * A template only referenced by URL, transformed by a macro, or deployed by a stack set cannot be
 * inspected (said, as an advisory); one that cannot be read is reported, since a guarded resource
 * could hide in it.
 */
import { guardedType, type ProviderPackage } from "../../catalog/bedrock-resources";
import { parseTemplate } from "./template-parser";
import type { StackResource } from "../key-tracing";
import { kmsAliasType, kmsKeyType } from "../../catalog/kms-types";
import { isPlainObject, plain, readPath, UNKNOWN, UNKNOWN_SENTINEL } from "../values";
import { resolveRegion } from "../region";
import { classifyKeyReference } from "../key-reference";
import {
  isIntrinsic,
  NO_VALUE,
  ownValue,
  scalarText,
  TemplateEvaluator,
  TemplateTooLarge,
  UNKNOWN_ENVIRONMENT,
  type Dependencies,
  type ParameterValue,
  type TemplateEnvironment,
} from "./template-evaluator";

/** A Pulumi resource type whose properties carry CloudFormation resources. */
export interface TemplateHostType {
  readonly token: string;
  readonly provider: ProviderPackage;
  readonly displayName: string;
  readonly regionProperty?: string;
  /**
   * CloudFormation stack: a template of many resources; Cloud Control: one resource's state; stack
   * set: a template deployed to other accounts and regions, which the guard does not inspect.
   */
  readonly kind: "stack" | "cloud-control" | "stack-set";
  /** Stack: template body, URL, parameter and stack name properties. Cloud Control: type name and state. */
  readonly properties: {
    readonly body: string;
    readonly url?: string;
    readonly parameters?: string;
    readonly stackName?: string;
    readonly typeName?: string;
  };
}

/** Checked against the installed @pulumi/aws and @pulumi/aws-native typings by the catalog test. */
export const TEMPLATE_HOST_TYPES: readonly TemplateHostType[] = [
  {
    token: "aws:cloudformation/stack:Stack",
    provider: "aws",
    displayName: "CloudFormation stack",
    regionProperty: "region",
    kind: "stack",
    properties: { body: "templateBody", url: "templateUrl", parameters: "parameters", stackName: "name" },
  },
  {
    token: "aws-native:cloudformation:Stack",
    provider: "aws-native",
    displayName: "CloudFormation stack (aws-native)",
    kind: "stack",
    properties: {
      body: "templateBody",
      url: "templateUrl",
      parameters: "parameters",
      stackName: "stackName",
    },
  },
  {
    token: "aws:cloudformation/stackSet:StackSet",
    provider: "aws",
    displayName: "CloudFormation stack set",
    regionProperty: "region",
    kind: "stack-set",
    properties: { body: "templateBody", url: "templateUrl" },
  },
  {
    token: "aws-native:cloudformation:StackSet",
    provider: "aws-native",
    displayName: "CloudFormation stack set (aws-native)",
    kind: "stack-set",
    properties: { body: "templateBody", url: "templateUrl" },
  },
  {
    token: "aws:cloudcontrol/resource:Resource",
    provider: "aws",
    displayName: "Cloud Control resource",
    regionProperty: "region",
    kind: "cloud-control",
    properties: { body: "desiredState", typeName: "typeName" },
  },
];

const hostByToken = new Map(TEMPLATE_HOST_TYPES.map((t) => [t.token, t]));

export function templateHostType(token: string): TemplateHostType | undefined {
  return hostByToken.get(token);
}

/** aws-native's token for a CloudFormation type name, or undefined when it is not `AWS::X::Y`. */
export function nativeTokenOf(cfnType: string): string | undefined {
  const parts = cfnType.split("::");
  if (parts.length !== 3 || parts[0] !== "AWS" || parts[1] === "" || parts[2] === "") return undefined;
  return `aws-native:${parts[1].toLowerCase()}:${parts[2]}`;
}

/**
 * aws-native's name for a CloudFormation property: camelCase, with a run of capitals read as one
 * word (`KmsKeyArn` -> `kmsKeyArn`, `KMSKeyId` -> `kmsKeyId`, `EnableECSManagedTags` ->
 * `enableEcsManagedTags`), as pulumi-aws-native's naming does.
 */
export function sdkPropertyName(cfnName: string): string {
  const words = cfnName.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[^A-Za-z0-9]+|[0-9]+/g) ?? [cfnName];
  return words
    .map((word, i) =>
      i === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join("");
}

/** What the guard can say about a host's template. */
export interface TemplateInspection {
  /** The template's resources of types the guard knows, as synthetic stack resources. */
  readonly resources: readonly StackResource[];
  /** Why (part of) the template cannot be read: a guarded resource could hide there. */
  readonly unreadable: readonly string[];
  /** What the guard cannot look at (a template by URL, a macro's output). */
  readonly uninspected: readonly string[];
  /** What is not known yet (a template body unknown during preview). */
  readonly pending: readonly string[];
}

const TEMPLATE_URN_MARK = "#template:";
/** Nested stacks deeper than this are reported as not inspected. */
const MAX_NESTING = 4;

/** The URN of the Pulumi resource that holds a synthetic template resource (itself for others). */
export function hostUrnOf(urn: string): string {
  const mark = urn.indexOf(TEMPLATE_URN_MARK);
  return mark < 0 ? urn : urn.slice(0, mark);
}

/** What the engine tells the pack about the stack: its config and the environment's region. */
export interface StackContext {
  readonly stackConfig: Readonly<Record<string, unknown>>;
  readonly environmentRegion: string | undefined;
}

/**
 * The account a provider is pinned to: `allowedAccountIds` (the provider's, else the stack's
 * `<package>:allowedAccountIds`) when it names exactly one account, since the provider refuses to
 * run in any other. Pulumi knows no other source offline (the caller identity is an AWS call).
 */
function pinnedAccount(value: unknown): string | undefined {
  let list: unknown = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(list) && list.length === 1 && /^\d{12}$/.test(String(list[0]))
    ? String(list[0])
    : undefined;
}

/** Account and region of a host's template, as its provider and the stack config decide them. */
export function templateEnvironment(host: StackResource, context: StackContext): TemplateEnvironment {
  const type = templateHostType(host.type);
  if (type === undefined) return UNKNOWN_ENVIRONMENT;
  const region = resolveRegion(
    type,
    host.props,
    host.providerProps,
    context.stackConfig,
    context.environmentRegion,
  );
  const account =
    pinnedAccount(readPath(host.providerProps, ["allowedAccountIds"])) ??
    pinnedAccount(context.stackConfig[`${type.provider}:allowedAccountIds`]);
  const stackName =
    type.properties.stackName === undefined ? undefined : readPath(host.props, [type.properties.stackName]);
  return {
    region: region ?? UNKNOWN,
    account: account ?? UNKNOWN,
    stackName: typeof stackName === "string" && stackName !== "" ? stackName : UNKNOWN,
  };
}

/** Inspections are pure functions of the properties, which @pulumi/policy shares across policies. */
const inspected = new WeakMap<object, Map<string, TemplateInspection>>();

/**
 * The template of a host resource, inspected in the account and region `context` gives it;
 * undefined when the resource is not a host.
 */
export function inspectTemplate(
  resource: StackResource,
  context: StackContext,
): TemplateInspection | undefined {
  const type = templateHostType(resource.type);
  if (type === undefined) return undefined;
  const environment = templateEnvironment(resource, context);
  const key = typeof resource.props === "object" && resource.props !== null ? resource.props : undefined;
  // Resource policies see no property dependencies, stack policies do: both are part of the key.
  const variant = [
    resource.urn,
    JSON.stringify(resource.propertyDependencies),
    String(environment.region),
    String(environment.account),
    String(environment.stackName),
  ].join("\n");
  const cached = key === undefined ? undefined : inspected.get(key)?.get(variant);
  if (cached !== undefined) return cached;
  const inspection = inspectHost(resource, type, 0, environment);
  if (key !== undefined) {
    const variants = inspected.get(key) ?? new Map<string, TemplateInspection>();
    variants.set(variant, inspection);
    inspected.set(key, variants);
  }
  return inspection;
}

/** The stack's resources followed by every template resource of its hosts. */
export function withTemplateResources(
  resources: readonly StackResource[],
  context: StackContext,
): readonly StackResource[] {
  let added: StackResource[] | undefined;
  for (const resource of resources) {
    const inspection = inspectTemplate(resource, context);
    if (inspection === undefined || inspection.resources.length === 0) continue;
    (added ??= []).push(...inspection.resources);
  }
  return added === undefined ? resources : [...resources, ...added];
}

class Findings {
  readonly resources: StackResource[] = [];
  readonly unreadable: string[] = [];
  readonly uninspected: string[] = [];
  readonly pending: string[] = [];
  merge(other: TemplateInspection): void {
    this.resources.push(...other.resources);
    this.unreadable.push(...other.unreadable);
    this.uninspected.push(...other.uninspected);
    this.pending.push(...other.pending);
  }
}

function inspectHost(
  host: StackResource,
  type: TemplateHostType,
  nesting: number,
  environment: TemplateEnvironment,
): TemplateInspection {
  const found = new Findings();
  const body = readPath(host.props, [type.properties.body]);
  const bodyName = `\`${type.properties.body}\``;
  if (type.kind === "cloud-control") {
    const typeName = readPath(host.props, [type.properties.typeName!]);
    if (typeName === UNKNOWN) found.pending.push("`typeName` is not known yet");
    else if (typeof typeName !== "string") found.unreadable.push("`typeName` is not a string");
    else inspectCloudControl(host, typeName, body, environment, found);
    return found;
  }
  if (type.kind === "stack-set") {
    found.uninspected.push(
      "a stack set deploys its template to other accounts and regions, where the guard cannot judge it",
    );
    return found;
  }
  const url = type.properties.url === undefined ? undefined : readPath(host.props, [type.properties.url]);
  if (body === UNKNOWN) {
    found.pending.push(`${bodyName} is not known yet`);
    return found;
  }
  if (body === undefined || body === null) {
    if (url === undefined || url === null)
      found.unreadable.push(`neither ${bodyName} nor a template URL is set`);
    else
      found.uninspected.push(
        "the template is given only by URL (`templateUrl`): its resources cannot be inspected",
      );
    return found;
  }
  if (nesting >= MAX_NESTING) {
    found.uninspected.push(`templates nested deeper than ${MAX_NESTING} stacks are not inspected`);
    return found;
  }
  const parsed = parseTemplate(body);
  if (!parsed.ok) {
    found.unreadable.push(`${bodyName} ${parsed.problem}`);
    return found;
  }
  expandStackTemplate(host, type, parsed.document, nesting, environment, found);
  return found;
}

/** The region a synthetic resource is created in: its host's (the tracer reads it from here). */
function providerPropsOf(environment: TemplateEnvironment): { region: string } | undefined {
  return environment.region === UNKNOWN ? undefined : { region: environment.region };
}

function inspectCloudControl(
  host: StackResource,
  cfnType: string,
  body: unknown,
  environment: TemplateEnvironment,
  found: Findings,
): void {
  const token = nativeTokenOf(cfnType);
  if (token === undefined || !isJudged(token)) return;
  const dependencies = host.propertyDependencies["desiredState"] ?? [];
  const providerProps = providerPropsOf(environment);
  const synthetic = (props: unknown, propertyDependencies: Record<string, readonly string[]>) => ({
    type: token,
    urn: host.urn,
    name: host.name,
    props,
    propertyDependencies,
    ...(providerProps === undefined ? {} : { providerProps }),
  });
  if (body === UNKNOWN) {
    // Unknown as a whole (preview): every property is unknown and may come from the dependencies.
    const topLevel = keyProperties(token);
    const resource = synthetic(UNKNOWN_SENTINEL, Object.fromEntries(topLevel.map((p) => [p, dependencies])));
    addResource(resource, 0, "the stack Cloud Control creates", environment, found);
    return;
  }
  const parsed = parseTemplate(body);
  if (!parsed.ok) {
    found.unreadable.push(`\`desiredState\` ${parsed.problem}`);
    return;
  }
  // Cloud Control evaluates no functions: one written in a desired state is not understood (unknown).
  const resolved = resourceProperties(
    parsed.document,
    token,
    new TemplateEvaluator({
      parameters: new Map(),
      mappings: undefined,
      conditions: undefined,
      resourceTypes: new Map(),
      environment,
    }),
  );
  if (!resolved.ok) {
    found.unreadable.push(`\`desiredState\` ${resolved.problem}`);
    return;
  }
  // The state is one string: each of its properties may come from any of its dependencies.
  const props = resolved.props;
  const properties = isPlainObject(props) ? Object.keys(props) : keyProperties(token);
  const resource = synthetic(props, Object.fromEntries(properties.map((p) => [p, dependencies])));
  addResource(resource, 0, "the stack Cloud Control creates", environment, found);
}

/** Adds a template resource or, for a nested stack, what its own template holds. */
function addResource(
  resource: StackResource,
  nesting: number,
  where: string,
  environment: TemplateEnvironment,
  found: Findings,
): void {
  const nestedType = templateHostType(resource.type);
  if (nestedType === undefined) {
    found.resources.push(resource);
    return;
  }
  // A nested stack is created in its parent's account and region, under a name CloudFormation makes.
  const nested = inspectHost(resource, nestedType, nesting + 1, { ...environment, stackName: UNKNOWN });
  found.merge({
    resources: nested.resources,
    unreadable: nested.unreadable.map((p) => `${where}: ${p}`),
    uninspected: nested.uninspected.map((p) => `${where}: ${p}`),
    pending: nested.pending.map((p) => `${where}: ${p}`),
  });
}

/** Whether a token is a type the guard reads (guarded, a KMS key or alias, or another host). */
function isJudged(token: string): boolean {
  return (
    guardedType(token) !== undefined ||
    kmsKeyType(token) !== undefined ||
    kmsAliasType(token) !== undefined ||
    templateHostType(token) !== undefined
  );
}

/** The top-level properties through which a resource of this type names its key. */
function keyProperties(token: string): string[] {
  const guarded = guardedType(token);
  if (guarded !== undefined) return [guarded.keyProperty[0]];
  const alias = kmsAliasType(token);
  return alias === undefined ? [] : [alias.targetProperty];
}

/**
 * Kept as written (functions evaluated): a key's policy is a document, not properties; a nested
 * stack's template and parameters are the template's own names.
 */
function verbatimProperties(token: string): ReadonlySet<string> {
  const policy = kmsKeyType(token)?.factProperties.policy;
  const host = templateHostType(token)?.properties;
  return new Set([policy, host?.body, host?.parameters].filter((p) => p !== undefined));
}

/** Key facts whose schema type is boolean or integer (aws-native's KMS key and replica key). */
const BOOLEAN_FACTS = ["enabled", "rotationEnabled", "multiRegion", "bypassLockout"] as const;
const INTEGER_FACTS = ["rotationPeriodDays", "deletionWindowDays"] as const;

/**
 * Coerces a resource's values as CloudFormation does against the resource schema: a string
 * `"true"`/`"false"` for a boolean property, a string of digits for an integer, and a scalar for a
 * tag's `key`/`value` (strings). What CloudFormation would refuse is left as written (the rules
 * fail closed on it).
 */
function coerceToSchema(token: string, props: Record<string, unknown>): void {
  const facts = kmsKeyType(token)?.factProperties;
  if (facts === undefined) return;
  for (const fact of BOOLEAN_FACTS) {
    const name = facts[fact];
    const value = name === undefined ? undefined : props[name];
    if (typeof value === "string" && /^(true|false)$/i.test(value))
      props[name!] = value.toLowerCase() === "true";
  }
  for (const fact of INTEGER_FACTS) {
    const name = facts[fact];
    const value = name === undefined ? undefined : props[name];
    if (typeof value === "string" && /^\d{1,9}$/.test(value)) props[name!] = Number(value);
  }
  const tags = facts.tags === undefined ? undefined : props[facts.tags];
  if (Array.isArray(tags)) {
    props[facts.tags!] = tags.map((tag) =>
      isPlainObject(tag)
        ? Object.fromEntries(
            Object.entries(tag).map(([k, v]) => [
              k,
              typeof v === "number" || typeof v === "boolean" ? String(v) : v,
            ]),
          )
        : tag,
    );
  }
}

type ResolvedProperties =
  | {
      readonly ok: true;
      /** aws-native form; the unknown sentinel when the whole bag is unknown. */
      readonly props: Record<string, unknown> | typeof UNKNOWN_SENTINEL;
      readonly dependencies: ReadonlyMap<string, Dependencies>;
      /** A guarded resource's key reference as its form (keyFormOf); undefined for other types. */
      readonly keyForm?: unknown;
    }
  | { readonly ok: false; readonly problem: string };

/**
 * One resource's `Properties` with their functions evaluated, renamed as aws-native does and
 * coerced to the schema; each top-level property with the resources its value came from.
 */
function resourceProperties(raw: unknown, token: string, evaluator: TemplateEvaluator): ResolvedProperties {
  const dependencies = new Map<string, Dependencies>();
  try {
    let bag = raw;
    let shared: Dependencies | undefined;
    if (isIntrinsic(raw)) {
      // The whole bag is computed (an `Fn::If` between two bags): each property shares its sources.
      shared = evaluator.startProperty();
      bag = evaluator.resolve(raw, 0);
      if (bag === NO_VALUE) bag = {};
      if (bag === UNKNOWN) {
        for (const property of keyProperties(token)) dependencies.set(property, shared);
        return { ok: true, props: UNKNOWN_SENTINEL, dependencies, ...keyFormOf(raw, token, evaluator) };
      }
    }
    if (!isPlainObject(bag)) return { ok: false, problem: "`Properties` is not a mapping" };
    const verbatim = verbatimProperties(token);
    const keyProperty = guardedType(token)?.keyProperty[0];
    const keyPolicy = kmsKeyType(token)?.factProperties.policy;
    // A nested stack's template written as an object is its own template, evaluated in its own scope.
    const nestedBody = templateHostType(token)?.properties.body;
    const entries: [string, unknown][] = [];
    for (const [cfnName, value] of Object.entries(bag)) {
      const name = sdkPropertyName(cfnName);
      if (name === nestedBody && isPlainObject(value)) {
        entries.push([name, value]);
        continue;
      }
      const current = shared ?? evaluator.startProperty();
      const resolved =
        shared !== undefined
          ? value
          : name === keyPolicy
            ? evaluator.resolveKeyPolicy(value)
            : evaluator.resolve(value, 0);
      if (resolved === NO_VALUE) continue;
      entries.push([name, wireForm(verbatim.has(name) ? resolved : renamed(resolved))]);
      dependencies.set(
        name,
        shared === undefined && name === keyProperty ? keyDependencies(evaluator, value, current) : current,
      );
    }
    const props = Object.fromEntries(entries);
    coerceToSchema(token, props);
    return { ok: true, props, dependencies, ...keyFormOf(raw, token, evaluator) };
  } catch (error) {
    if (error instanceof TemplateTooLarge) return { ok: false, problem: error.message };
    throw error;
  }
}

/** Undecided conditions a key reference may read and still be tried every way (2^n ways). */
const MAX_ASSUMED_CONDITIONS = 4;

type Way = ReturnType<TemplateEvaluator["resolveOneWay"]>;

/**
 * `node` resolved every way CloudFormation may deploy it: once per assignment of the conditions it
 * reads that are not known offline (TemplateEvaluator.resolveOneWay); undefined when there are more
 * than MAX_ASSUMED_CONDITIONS of them. An `Fn::If` on an undecided condition otherwise stands for
 * both of its branches at once, which cannot tell that two of them on the same condition are
 * taken together.
 */
function everyWay(evaluator: TemplateEvaluator, node: unknown, form: boolean): Way[] | undefined {
  const first = evaluator.resolveOneWay(node, new Map(), form);
  if (first.undecided.size === 0) return [first];
  if (first.undecided.size > MAX_ASSUMED_CONDITIONS) return undefined;
  const names = [...first.undecided];
  const ways = Array.from({ length: 2 ** names.length }, (_, way) =>
    evaluator.resolveOneWay(node, new Map(names.map((name, bit) => [name, ((way >> bit) & 1) === 1])), form),
  );
  // Every condition the value can read was met on the first, undecided, pass.
  return ways.every((way) => way.undecided.size === 0) ? ways : undefined;
}

/**
 * The sources of a guarded resource's key property, taken each way it may deploy: when every way
 * is a reference (unknown), the resources named on some way, so that a key (or an import) named
 * only on a way never taken is not the key. Otherwise what one pass recorded (`onePass`).
 */
function keyDependencies(
  evaluator: TemplateEvaluator,
  written: unknown,
  onePass: Dependencies,
): Dependencies {
  const ways = everyWay(evaluator, written, false);
  if (ways === undefined || ways.length === 1 || ways.some((way) => way.value !== UNKNOWN)) return onePass;
  return {
    logicalIds: new Set(ways.flatMap((way) => [...way.dependencies.logicalIds])),
    hostUrns: new Set(ways.flatMap((way) => [...way.dependencies.hostUrns])),
    opaque: ways.some((way) => way.dependencies.opaque),
  };
}

/**
 * A guarded resource's key reference as its form (resolveOneWay with `form`): what the
 * key-reference rules judge when the value itself is unknown because it names a key of the
 * template (`!Ref Key` is a key id, `!GetAtt Key.Arn` a key ARN). Tried every way it may deploy:
 * the form is known when every way gives the same one (form, partition, region), else UNKNOWN,
 * left for the stack to report. A form left unknown by a stack parameter the Pulumi program has
 * not resolved yet is none (absent): like any Pulumi value, it is known at `up`. `raw` is the
 * resource's `Properties` as written.
 */
function keyFormOf(raw: unknown, token: string, evaluator: TemplateEvaluator): { keyForm?: unknown } {
  const keyPath = guardedType(token)?.keyProperty;
  if (keyPath === undefined) return {};
  // The whole bag computed (an `Fn::If` between two bags), or the key property as written.
  const computed = isIntrinsic(raw);
  const written = computed ? raw : propertyOf(raw, keyPath[0]);
  if (written === undefined) return {};
  const ways = everyWay(evaluator, written, true);
  if (ways === undefined) return { keyForm: UNKNOWN };
  const forms = ways.map((way) => {
    const value = computed ? propertyOf(way.value, keyPath[0]) : way.value;
    return value === NO_VALUE || value === undefined
      ? undefined
      : readPath({ [keyPath[0]]: wireForm(renamed(value)) }, keyPath);
  });
  if (forms.includes(UNKNOWN))
    return ways.some((way) => way.dependencies.hostUrns.size > 0) ? {} : { keyForm: UNKNOWN };
  return { keyForm: new Set(forms.map(formClass)).size === 1 ? forms[0] : UNKNOWN };
}

/** A bag's property named `name` as aws-native names it: UNKNOWN in an unknown bag. */
function propertyOf(bag: unknown, name: string): unknown {
  if (bag === UNKNOWN) return UNKNOWN;
  if (!isPlainObject(bag)) return undefined;
  return Object.entries(bag).find(([cfnName]) => sdkPropertyName(cfnName) === name)?.[1];
}

/** What the key-reference rules read of a reference: its form, partition and region, not its key. */
function formClass(reference: unknown): string {
  const {
    account: _account,
    keyId: _keyId,
    ...judged
  } = classifyKeyReference(reference) as Record<string, unknown>;
  return JSON.stringify(judged);
}

function expandStackTemplate(
  host: StackResource,
  type: TemplateHostType,
  template: Record<string, unknown>,
  nesting: number,
  environment: TemplateEnvironment,
  found: Findings,
): void {
  if (!evaluatedTransform(template.Transform)) {
    found.uninspected.push(
      "the template declares a `Transform` (macro): resources the transform adds cannot be inspected",
    );
  }
  if (!isPlainObject(template.Resources)) {
    found.unreadable.push("the template has no `Resources` mapping");
    return;
  }
  const parameters = templateParameters(host, type, template.Parameters);
  // Fn::ForEach collections read parameters and mappings only (AWS::LanguageExtensions expands the
  // loops before anything else is resolved).
  const loops = new TemplateEvaluator({
    parameters,
    mappings: template.Mappings,
    conditions: undefined,
    resourceTypes: new Map(),
    environment,
  });
  const resources = expandLoops(template.Resources, loops, "Resources", found);
  const conditions = isPlainObject(template.Conditions)
    ? Object.fromEntries(expandLoops(template.Conditions, loops, "Conditions", found))
    : template.Conditions;
  const evaluator = new TemplateEvaluator({
    parameters,
    mappings: template.Mappings,
    conditions,
    resourceTypes: new Map(
      [...resources].map(([logicalId, declaration]) => [logicalId, ownValue(declaration, "Type")]),
    ),
    environment,
  });
  const urnOf = (logicalId: string) => `${host.urn}${TEMPLATE_URN_MARK}${logicalId}`;
  const providerProps = providerPropsOf(environment);
  for (const [logicalId, declaration] of resources) {
    const cfnType = isPlainObject(declaration) ? declaration.Type : undefined;
    if (typeof cfnType === "string" && cfnType.endsWith("::MODULE")) {
      found.uninspected.push(
        `resource \`${logicalId}\` is a CloudFormation module: its resources cannot be inspected`,
      );
      continue;
    }
    if (typeof cfnType !== "string") {
      found.unreadable.push(`resource \`${logicalId}\` has no \`Type\` string`);
      continue;
    }
    const token = nativeTokenOf(cfnType);
    if (token === undefined || !isJudged(token)) continue;
    evaluator.startResource();
    const created = resourceCondition(evaluator, ownValue(declaration, "Condition"));
    if (typeof created === "string") {
      found.unreadable.push(`resource \`${logicalId}\` (${cfnType}): ${created}`);
      continue;
    }
    // A resource whose condition is false is not created. One whose condition is unknown may be:
    // it is judged as if it were.
    if (created === false) continue;
    const raw = ownValue(declaration, "Properties");
    if (holdsLoop(raw)) {
      // A property-level loop could make any property (a key policy included): not read as a literal.
      found.unreadable.push(
        `resource \`${logicalId}\` (${cfnType}): an Fn::ForEach inside its properties is not expanded by the guard`,
      );
      continue;
    }
    const resolved =
      raw === undefined
        ? { ok: true as const, props: {}, dependencies: new Map<string, Dependencies>() }
        : resourceProperties(raw, token, evaluator);
    if (!resolved.ok) {
      found.unreadable.push(`resource \`${logicalId}\` (${cfnType}): ${resolved.problem}`);
      continue;
    }
    const propertyDependencies: Record<string, string[]> = {};
    for (const [property, dependencies] of resolved.dependencies) {
      // An undecided choice (opaque) may be a literal of the template: no resource stands for it.
      if (dependencies.opaque) continue;
      const urns = [...[...dependencies.logicalIds].map(urnOf), ...dependencies.hostUrns];
      if (urns.length > 0) propertyDependencies[property] = urns;
    }
    const resource: StackResource = {
      type: token,
      urn: urnOf(logicalId),
      name: `${host.name}/${logicalId}`,
      props: resolved.props,
      propertyDependencies,
      ...(providerProps === undefined ? {} : { providerProps }),
      ...("keyForm" in resolved ? { keyForm: resolved.keyForm } : {}),
    };
    addResource(resource, nesting, `nested stack \`${logicalId}\``, environment, found);
  }
}

/** CloudFormation allows five levels of nested Fn::ForEach loops, and 500 resources a template. */
const MAX_LOOP_NESTING = 5;
const MAX_EXPANDED_ENTRIES = 500;

/**
 * A section (`Resources`, `Conditions`) as the AWS::LanguageExtensions transform leaves it: each
 * `Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]` replaced by its fragment
 * once per item of the collection, with every `${Identifier}` in the keys and strings of the
 * fragment replaced by the item, `&{Identifier}` by the item without its non-alphanumeric
 * characters, and `{"Ref": Identifier}` by the item (loops nest). A collection the guard cannot
 * know offline, or a loop not shaped as documented, is unreadable: the resources it would create
 * are unknown, so the template fails closed.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html
 */
function expandLoops(
  section: Record<string, unknown>,
  evaluator: TemplateEvaluator,
  where: string,
  found: Findings,
  nesting = 0,
): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const [key, value] of Object.entries(section)) {
    if (!key.startsWith("Fn::ForEach::")) {
      entries.set(key, value);
      continue;
    }
    const loop = `${where}: \`${key}\``;
    if (nesting >= MAX_LOOP_NESTING) {
      found.unreadable.push(`${loop} is nested more than ${MAX_LOOP_NESTING} loops deep`);
      continue;
    }
    if (
      !Array.isArray(value) ||
      value.length !== 3 ||
      typeof value[0] !== "string" ||
      !isPlainObject(value[2])
    ) {
      found.unreadable.push(`${loop} is not [identifier, collection, {output key: fragment}]`);
      continue;
    }
    const [identifier, collectionNode, fragment] = value as [string, unknown, Record<string, unknown>];
    let collection: unknown;
    try {
      collection = evaluator.resolve(collectionNode, 0);
    } catch (error) {
      if (!(error instanceof TemplateTooLarge)) throw error;
      collection = UNKNOWN;
    }
    if (!Array.isArray(collection) || collection.some((item) => typeof item !== "string")) {
      found.unreadable.push(
        `${loop}: its collection is not a list of strings known offline, so the entries it creates cannot be judged`,
      );
      continue;
    }
    for (const item of collection as string[]) {
      const copy = substituteLoopItem(fragment, identifier, item) as Record<string, unknown>;
      for (const [outputKey, output] of expandLoops(copy, evaluator, where, found, nesting + 1)) {
        if (entries.has(outputKey) || entries.size >= MAX_EXPANDED_ENTRIES) {
          found.unreadable.push(
            entries.has(outputKey)
              ? `${loop} makes \`${outputKey}\` twice`
              : `${where} would hold more than ${MAX_EXPANDED_ENTRIES} entries`,
          );
          return entries;
        }
        entries.set(outputKey, output);
      }
    }
  }
  return entries;
}

/** Whether a value holds an `Fn::ForEach::...` key at any depth. */
function holdsLoop(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(holdsLoop);
  if (!isPlainObject(node)) return false;
  return Object.entries(node).some(([key, value]) => key.startsWith("Fn::ForEach::") || holdsLoop(value));
}

/** A loop fragment with one collection item in place of its identifier (see expandLoops). */
function substituteLoopItem(node: unknown, identifier: string, item: string): unknown {
  if (typeof node === "string") {
    return node
      .split(`\${${identifier}}`)
      .join(item)
      .split(`&{${identifier}}`)
      .join(item.replace(/[^A-Za-z0-9]/g, ""));
  }
  if (Array.isArray(node)) return node.map((element) => substituteLoopItem(element, identifier, item));
  if (!isPlainObject(node)) return node;
  if (isIntrinsic(node) && ownValue(node, "Ref") === identifier) return item;
  // defineProperty: a key such as `__proto__` stays an own key of the copy, as in the template.
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    Object.defineProperty(copy, substituteLoopItem(key, identifier, item) as string, {
      value: substituteLoopItem(value, identifier, item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** A resource's `Condition`: true when it has none, or why it cannot be evaluated. */
function resourceCondition(
  evaluator: TemplateEvaluator,
  condition: unknown,
): boolean | typeof UNKNOWN | string {
  if (condition === undefined) return true;
  try {
    return evaluator.condition(condition);
  } catch (error) {
    if (error instanceof TemplateTooLarge) return error.message;
    throw error;
  }
}

/**
 * Whether the guard evaluates a template's `Transform` itself: none, or only
 * `AWS::LanguageExtensions` (whose `Fn::Length`, `Fn::ToJsonString` and `Fn::FindInMap` default it
 * evaluates; `Fn::ForEach` is reported as unreadable). Any other transform adds what it likes.
 */
function evaluatedTransform(transform: unknown): boolean {
  if (transform === undefined) return true;
  const names = Array.isArray(transform) ? transform : [transform];
  return names.every((name) => name === "AWS::LanguageExtensions");
}

/**
 * A parameter's value as `Ref` returns it, by its declared type: `Number` is a string (the schema
 * coerces it where a number is due), `CommaDelimitedList` and `List<...>` a list of trimmed strings.
 */
function typedParameter(type: unknown, value: unknown): string | string[] | typeof UNKNOWN {
  // A list given as a list (an object template's Default) reads as its comma-joined text.
  const text =
    Array.isArray(value) && value.every((item) => typeof item === "string")
      ? value.join(",")
      : scalarText(value);
  if (text === undefined) return UNKNOWN;
  if (typeof type === "string" && (type === "CommaDelimitedList" || type.startsWith("List<")))
    return text.split(",").map((item) => item.trim());
  return text;
}

/** Each template parameter's value: the stack's `parameters`, else its `Default`, else unknown. */
function templateParameters(
  host: StackResource,
  type: TemplateHostType,
  declared: unknown,
): Map<string, ParameterValue> {
  const values = new Map<string, ParameterValue>();
  if (!isPlainObject(declared)) return values;
  const given =
    type.properties.parameters === undefined ? undefined : readPath(host.props, [type.properties.parameters]);
  const hostUrns =
    type.properties.parameters === undefined
      ? []
      : (host.propertyDependencies[type.properties.parameters] ?? []);
  for (const [name, declaration] of Object.entries(declared)) {
    const parameterType = ownValue(declaration, "Type");
    // SSM parameter value types hold a parameter name; CloudFormation reads the value at deploy time.
    if (typeof parameterType === "string" && parameterType.startsWith("AWS::SSM::Parameter::Value<")) {
      values.set(name, { value: UNKNOWN, hostUrns: [] });
      continue;
    }
    const value = given === UNKNOWN ? UNKNOWN : plain(ownValue(given, name));
    if (value === UNKNOWN) {
      values.set(name, { value: UNKNOWN, hostUrns });
      continue;
    }
    const fallback = plain(ownValue(declaration, "Default"));
    const chosen = value ?? fallback;
    values.set(name, {
      value: chosen === undefined || chosen === UNKNOWN ? UNKNOWN : typedParameter(parameterType, chosen),
      hostUrns: value === undefined ? hostUrns : [],
    });
  }
  return values;
}

/** The evaluator's UNKNOWN as the engine's sentinel, the form every rule reads. */
function wireForm(value: unknown): unknown {
  if (value === UNKNOWN) return UNKNOWN_SENTINEL;
  if (Array.isArray(value)) return value.map(wireForm);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wireForm(v)]));
}

/** Nested property names as aws-native spells them (values, e.g. tag keys, are left alone). */
function renamed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(renamed);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [sdkPropertyName(k), renamed(v)]));
}
