/**
 * Resources created through CloudFormation or Cloud Control from a Pulumi stack: a
 * `aws:cloudformation/stack:Stack` or `aws-native:cloudformation:Stack` with an inline template, or
 * a `aws:cloudcontrol/resource:Resource` with a `typeName` and a `desiredState`. Each resource of a
 * type the guard knows (catalog.ts, kms-catalog.ts) becomes a synthetic stack resource of the
 * matching aws-native type, so that the same rules and key tracing judge it:
 * - `AWS::<Service>::<Resource>` is aws-native's `aws-native:<service, lower case>:<Resource>`
 *   (aws-native is generated 1:1 from the CloudFormation registry), and its PascalCase properties
 *   are aws-native's camelCase names (sdkPropertyName). No second table of types or properties.
 * - `Ref` / `Fn::GetAtt` to another resource of the template become an unknown value with a
 *   property dependency on that resource's synthetic URN: a key of the template is traced and
 *   judged like a key of the stack at preview. Parameters take the stack's `parameters` (else
 *   their `Default`); anything else that cannot be resolved is unknown (never absent).
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
  /** Stack: template body, URL and parameter properties. Cloud Control: type name and state. */
  readonly properties: {
    readonly body: string;
    readonly url?: string;
    readonly parameters?: string;
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
    properties: { body: "templateBody", url: "templateUrl", parameters: "parameters" },
  },
  {
    token: "aws-native:cloudformation:Stack",
    provider: "aws-native",
    displayName: "CloudFormation stack (aws-native)",
    kind: "stack",
    properties: { body: "templateBody", url: "templateUrl", parameters: "parameters" },
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
/** Values visited while resolving one template (YAML aliases can multiply a small text). */
const MAX_NODES = 200_000;
const MAX_DEPTH = 100;

/** The URN of the Pulumi resource that holds a synthetic template resource (itself for others). */
export function hostUrnOf(urn: string): string {
  const mark = urn.indexOf(TEMPLATE_URN_MARK);
  return mark < 0 ? urn : urn.slice(0, mark);
}

/** Inspections are pure functions of the properties, which @pulumi/policy shares across policies. */
const inspected = new WeakMap<object, Map<string, TemplateInspection>>();

/** The template of a host resource, inspected; undefined when the resource is not a host. */
export function inspectTemplate(resource: StackResource): TemplateInspection | undefined {
  const type = templateHostType(resource.type);
  if (type === undefined) return undefined;
  const key = typeof resource.props === "object" && resource.props !== null ? resource.props : undefined;
  // Resource policies see no property dependencies, stack policies do: both are part of the key.
  const variant = `${resource.urn}\n${JSON.stringify(resource.propertyDependencies)}`;
  const cached = key === undefined ? undefined : inspected.get(key)?.get(variant);
  if (cached !== undefined) return cached;
  const inspection = inspectHost(resource, type, 0);
  if (key !== undefined) {
    const variants = inspected.get(key) ?? new Map<string, TemplateInspection>();
    variants.set(variant, inspection);
    inspected.set(key, variants);
  }
  return inspection;
}

/** The stack's resources followed by every template resource of its hosts. */
export function withTemplateResources(resources: readonly StackResource[]): readonly StackResource[] {
  let added: StackResource[] | undefined;
  for (const resource of resources) {
    const inspection = inspectTemplate(resource);
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

function inspectHost(host: StackResource, type: TemplateHostType, nesting: number): TemplateInspection {
  const found = new Findings();
  const body = readPath(host.props, [type.properties.body]);
  const bodyName = `\`${type.properties.body}\``;
  if (type.kind === "cloud-control") {
    const typeName = readPath(host.props, [type.properties.typeName!]);
    if (typeName === UNKNOWN) found.pending.push("`typeName` is not known yet");
    else if (typeof typeName !== "string") found.unreadable.push("`typeName` is not a string");
    else inspectCloudControl(host, typeName, body, found);
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
  expandStackTemplate(host, type, parsed.document, nesting, found);
  return found;
}

function inspectCloudControl(host: StackResource, cfnType: string, body: unknown, found: Findings): void {
  const token = nativeTokenOf(cfnType);
  if (token === undefined || !isJudged(token)) return;
  const dependencies = host.propertyDependencies["desiredState"] ?? [];
  const synthetic = (props: unknown, propertyDependencies: Record<string, readonly string[]>) => ({
    type: token,
    urn: host.urn,
    name: host.name,
    props,
    propertyDependencies,
  });
  if (body === UNKNOWN) {
    // Unknown as a whole (preview): every property is unknown and may come from the dependencies.
    const topLevel = keyProperties(token);
    const resource = synthetic(UNKNOWN_SENTINEL, Object.fromEntries(topLevel.map((p) => [p, dependencies])));
    addResource(resource, 0, "the stack Cloud Control creates", found);
    return;
  }
  const parsed = parseTemplate(body);
  if (!parsed.ok) {
    found.unreadable.push(`\`desiredState\` ${parsed.problem}`);
    return;
  }
  const context = new Resolution(new Map(), new Set());
  const props = context.properties(parsed.document, token);
  if (props === undefined) {
    found.unreadable.push(`\`desiredState\` ${context.problem}`);
    return;
  }
  // The state is one string: each of its properties may come from any of its dependencies.
  const properties = isPlainObject(props) ? Object.keys(props) : keyProperties(token);
  const resource = synthetic(props, Object.fromEntries(properties.map((p) => [p, dependencies])));
  addResource(resource, 0, "the stack Cloud Control creates", found);
}

/** Adds a template resource or, for a nested stack, what its own template holds. */
function addResource(resource: StackResource, nesting: number, where: string, found: Findings): void {
  const nestedType = templateHostType(resource.type);
  if (nestedType === undefined) {
    found.resources.push(resource);
    return;
  }
  const nested = inspectHost(resource, nestedType, nesting + 1);
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

/** A key's policy is a document, not properties: kept as written (intrinsics resolved). */
function verbatimProperties(token: string): ReadonlySet<string> {
  const policy = kmsKeyType(token)?.factProperties.policy;
  return new Set(policy === undefined ? [] : [policy]);
}

function expandStackTemplate(
  host: StackResource,
  type: TemplateHostType,
  template: Record<string, unknown>,
  nesting: number,
  found: Findings,
): void {
  if (template.Transform !== undefined) {
    found.uninspected.push(
      "the template declares a `Transform` (macro): resources the transform adds cannot be inspected",
    );
  }
  const resources = template.Resources;
  if (!isPlainObject(resources)) {
    found.unreadable.push("the template has no `Resources` mapping");
    return;
  }
  const parameters = templateParameters(host, type, template.Parameters);
  const context = new Resolution(parameters, new Set(Object.keys(resources)));
  const urnOf = (logicalId: string) => `${host.urn}${TEMPLATE_URN_MARK}${logicalId}`;
  for (const [logicalId, declaration] of Object.entries(resources)) {
    if (logicalId.startsWith("Fn::ForEach::")) {
      found.unreadable.push(
        `\`${logicalId}\`: the guard does not expand Fn::ForEach loops, so the resources it creates cannot be judged`,
      );
      continue;
    }
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
    const raw = (declaration as Record<string, unknown>).Properties;
    context.reset();
    const props = raw === undefined ? {} : context.properties(raw, token);
    if (props === undefined) {
      found.unreadable.push(`resource \`${logicalId}\` (${cfnType}): ${context.problem}`);
      continue;
    }
    const propertyDependencies: Record<string, string[]> = {};
    for (const [property, dependencies] of context.dependencies) {
      propertyDependencies[property] = [...[...dependencies.logicalIds].map(urnOf), ...dependencies.hostUrns];
    }
    const resource: StackResource = {
      type: token,
      urn: urnOf(logicalId),
      name: `${host.name}/${logicalId}`,
      props,
      propertyDependencies,
    };
    addResource(resource, nesting, `nested stack \`${logicalId}\``, found);
  }
}

interface ParameterValue {
  readonly value: unknown;
  /** Where an unknown value may come from (the host's `parameters` dependencies). */
  readonly hostUrns: readonly string[];
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
    const parameterType = isPlainObject(declaration) ? declaration.Type : undefined;
    // SSM parameter types hold a parameter name; CloudFormation resolves the value at deploy time.
    if (typeof parameterType === "string" && parameterType.startsWith("AWS::SSM::")) {
      values.set(name, { value: UNKNOWN, hostUrns: [] });
      continue;
    }
    const value = given === UNKNOWN ? UNKNOWN : readPath(given, [name]);
    const fallback = isPlainObject(declaration) ? plain(declaration.Default) : undefined;
    values.set(name, {
      value: value === undefined ? (fallback ?? UNKNOWN) : value,
      hostUrns: value === UNKNOWN || value === undefined ? hostUrns : [],
    });
  }
  return values;
}

/** AWS::NoValue: the property is left out, as if it were not written. */
const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

interface Dependencies {
  readonly logicalIds: Set<string>;
  readonly hostUrns: Set<string>;
}

/**
 * Resolves intrinsic functions in one resource's properties and renames them as aws-native does.
 * What cannot be resolved becomes the engine's unknown sentinel, with the resources it names
 * recorded as dependencies of the top-level property it is in.
 */
class Resolution {
  readonly dependencies = new Map<string, Dependencies>();
  problem = "";
  private current: Dependencies = { logicalIds: new Set(), hostUrns: new Set() };
  private nodes = 0;

  constructor(
    private readonly parameters: ReadonlyMap<string, ParameterValue>,
    private readonly logicalIds: ReadonlySet<string>,
  ) {}

  reset(): void {
    this.dependencies.clear();
    this.problem = "";
    this.nodes = 0;
  }

  /**
   * The resource's properties in aws-native form (the unknown sentinel when the whole bag is
   * computed by a function), or undefined (see `problem`).
   */
  properties(raw: unknown, token: string): Record<string, unknown> | typeof UNKNOWN_SENTINEL | undefined {
    if (isIntrinsic(raw)) {
      // The whole property bag is computed: every property is unknown.
      this.current = { logicalIds: new Set(), hostUrns: new Set() };
      try {
        this.resolve(raw, 0);
      } catch (error) {
        if (error instanceof TemplateTooLarge) return this.fail(error.message);
        throw error;
      }
      for (const property of keyProperties(token)) this.dependencies.set(property, this.current);
      return UNKNOWN_SENTINEL;
    }
    if (!isPlainObject(raw)) return this.fail("`Properties` is not a mapping");
    const verbatim = verbatimProperties(token);
    const props: Record<string, unknown> = {};
    try {
      for (const [cfnName, value] of Object.entries(raw)) {
        const name = sdkPropertyName(cfnName);
        this.current = { logicalIds: new Set(), hostUrns: new Set() };
        const resolved = this.resolve(value, 0);
        if (resolved === NO_VALUE) continue;
        props[name] = verbatim.has(name) ? resolved : renamed(resolved);
        if (this.current.logicalIds.size > 0 || this.current.hostUrns.size > 0)
          this.dependencies.set(name, this.current);
      }
    } catch (error) {
      if (error instanceof TemplateTooLarge) return this.fail(error.message);
      throw error;
    }
    return props;
  }

  private fail(problem: string): undefined {
    this.problem = problem;
    return undefined;
  }

  private resolve(node: unknown, depth: number): unknown {
    if (++this.nodes > MAX_NODES) throw new TemplateTooLarge(`more than ${MAX_NODES} values`);
    if (depth > MAX_DEPTH) throw new TemplateTooLarge(`nested deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(node)) {
      return node.map((item) => this.resolve(item, depth + 1)).filter((item) => item !== NO_VALUE);
    }
    if (!isPlainObject(node)) return node;
    if (!isIntrinsic(node)) {
      const result: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        const resolved = this.resolve(value, depth + 1);
        if (resolved !== NO_VALUE) result[key] = resolved;
      }
      return result;
    }
    const [name, argument] = Object.entries(node)[0];
    switch (name) {
      case "Ref":
        return typeof argument === "string" ? this.ref(argument) : this.unknownOf(argument, depth);
      case "Fn::GetAtt":
        return this.getAtt(argument, depth);
      case "Fn::Sub":
        return this.sub(argument, depth);
      case "Fn::Join":
        return this.join(argument, depth);
      default:
        return this.unknownOf(argument, depth);
    }
  }

  private ref(name: string): unknown {
    if (name === "AWS::NoValue") return NO_VALUE;
    const parameter = this.parameters.get(name);
    if (parameter !== undefined) {
      for (const urn of parameter.hostUrns) this.current.hostUrns.add(urn);
      return parameter.value === UNKNOWN ? UNKNOWN_SENTINEL : parameter.value;
    }
    if (this.logicalIds.has(name)) this.current.logicalIds.add(name);
    return UNKNOWN_SENTINEL;
  }

  private getAtt(argument: unknown, depth: number): unknown {
    const target = Array.isArray(argument) ? argument[0] : undefined;
    if (typeof target === "string" && this.logicalIds.has(target)) this.current.logicalIds.add(target);
    return this.unknownOf(argument, depth);
  }

  /** `Fn::Sub`: a string when every `${...}` resolves to a known string, else unknown. */
  private sub(argument: unknown, depth: number): unknown {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof text !== "string" || !isPlainObject(variables)) return this.unknownOf(argument, depth);
    let known = true;
    const result = text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith("!")) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      const value =
        name in variables
          ? this.resolve(variables[name], depth + 1)
          : name.includes(".")
            ? this.getAtt([name.slice(0, name.indexOf("."))], depth)
            : this.ref(name);
      if (typeof value === "string" && value !== UNKNOWN_SENTINEL) return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      known = false;
      return whole;
    });
    return known ? result : UNKNOWN_SENTINEL;
  }

  /** `Fn::Join`: a string when the delimiter and every item are known, else unknown. */
  private join(argument: unknown, depth: number): unknown {
    if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== "string")
      return this.unknownOf(argument, depth);
    const items = this.resolve(argument[1], depth + 1);
    if (!Array.isArray(items)) return UNKNOWN_SENTINEL;
    const known = items.every(
      (i) => (typeof i === "string" && i !== UNKNOWN_SENTINEL) || typeof i === "number",
    );
    return known ? items.join(argument[0]) : UNKNOWN_SENTINEL;
  }

  /** A function the guard does not evaluate: unknown, depending on every resource it names. */
  private unknownOf(argument: unknown, depth: number): unknown {
    this.resolve(argument, depth + 1);
    return UNKNOWN_SENTINEL;
  }
}

class TemplateTooLarge extends Error {
  constructor(what: string) {
    super(`the template is too large to inspect (${what})`);
  }
}

/** `{"Ref": ...}`, `{"Fn::...": ...}` or `{"Condition": ...}`: a one-key mapping naming a function. */
function isIntrinsic(node: unknown): node is Record<string, unknown> {
  if (!isPlainObject(node)) return false;
  const keys = Object.keys(node);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0] === "Condition" || keys[0].startsWith("Fn::"));
}

/** Nested property names as aws-native spells them (values, e.g. tag keys, are left alone). */
function renamed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(renamed);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [sdkPropertyName(k), renamed(v)]));
}
