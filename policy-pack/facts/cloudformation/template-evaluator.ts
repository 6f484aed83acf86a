/**
 * Evaluates CloudFormation's template language the way CloudFormation does at stack creation:
 * `Conditions` (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`), `Fn::If` with
 * `AWS::NoValue`, `Ref` to parameters (typed as CloudFormation types them) and pseudo parameters,
 * `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap` (with `DefaultValue`),
 * `Fn::Base64`, `Fn::Length`, `Fn::ToJsonString`; `Ref` / `Fn::GetAtt` to a resource of the
 * template are unknown, recorded as dependencies so that the key behind them can be traced. A key
 * reference is also resolved each way its undecided conditions allow, and for its form, with each
 * attribute of a template key standing in by a value of the form CloudFormation documents for it
 * ({@link TemplateEvaluator.resolveOneWay}).
 *
 * What cannot be known offline is the single {@link UNKNOWN} (never absent): `Fn::ImportValue`,
 * `Fn::GetAZs` (the zones enabled for an account), `Fn::Cidr`, SSM parameter types, dynamic
 * references (`{{resolve:...}}`), a pseudo parameter Pulumi does not know, a reference outside the
 * template. Logic is three-valued: a condition that depends on an unknown is unknown, and an
 * `Fn::If`, `Fn::Select` or `Fn::FindInMap` it leaves undecided makes its property "opaque": its
 * value could be a literal of the template (an AWS-managed key, no key at all), so the resources it
 * names must not stand for it.
 *
 * No maintained npm evaluator of the template language exists that runs offline (cfn-lint is
 * Python; the JavaScript packages found only parse YAML tags), so this is a small one. Template
 * mappings are read with own-property lookups only: a parameter or mapping key named `toString`
 * or `__proto__` never reaches a prototype.
 */
import { partitionOfRegion } from "../key-reference";
import { isPlainObject, UNKNOWN, type Unknown } from "../values";

/** `AWS::NoValue`: the property (or list item) is left out, as if it were not written. */
export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

/** Where a template runs: what the pseudo parameters resolve to (UNKNOWN when Pulumi cannot say). */
export interface TemplateEnvironment {
  readonly region: string | Unknown;
  readonly account: string | Unknown;
  /** The host's own stack name input; a nested stack's name is made by CloudFormation (unknown). */
  readonly stackName: string | Unknown;
}

export const UNKNOWN_ENVIRONMENT: TemplateEnvironment = {
  region: UNKNOWN,
  account: UNKNOWN,
  stackName: UNKNOWN,
};

/** A parameter's value as `Ref` returns it: a string, a list of strings, or unknown. */
export interface ParameterValue {
  readonly value: string | readonly string[] | Unknown;
  /** Where an unknown value may come from (the host's `parameters` dependencies). */
  readonly hostUrns: readonly string[];
}

/** The resources and host inputs a value came from; opaque when they do not account for it. */
export interface Dependencies {
  readonly logicalIds: Set<string>;
  readonly hostUrns: Set<string>;
  opaque: boolean;
}

function noDependencies(): Dependencies {
  return { logicalIds: new Set(), hostUrns: new Set(), opaque: false };
}

/** Everything a template's expressions may read besides themselves. */
export interface TemplateScope {
  readonly parameters: ReadonlyMap<string, ParameterValue>;
  /** The template's `Mappings` and `Conditions` sections, as written. */
  readonly mappings: unknown;
  readonly conditions: unknown;
  /** The template's resources: logical id -> declared `Type`. */
  readonly resourceTypes: ReadonlyMap<string, unknown>;
  readonly environment: TemplateEnvironment;
}

/** Values visited while evaluating one resource (YAML aliases can multiply a small text). */
const MAX_NODES = 200_000;
const MAX_DEPTH = 100;
/**
 * Characters and list items the functions may make for one resource: `Fn::Split` or `Fn::Join` of
 * a long text, repeated through YAML aliases, would otherwise exhaust memory within the node budget.
 */
const MAX_PRODUCED = 4_000_000;

export class TemplateTooLarge extends Error {
  constructor(what: string) {
    super(`the template is too large to inspect (${what})`);
  }
}

/** `obj[key]` for the object's own properties only. */
export function ownValue(obj: unknown, key: string): unknown {
  return isPlainObject(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** `{"Ref": ...}`, `{"Fn::...": ...}` or `{"Condition": ...}`: a one-key mapping naming a function. */
export function isIntrinsic(node: unknown): node is Record<string, unknown> {
  if (!isPlainObject(node)) return false;
  const keys = Object.keys(node);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0] === "Condition" || keys[0].startsWith("Fn::"));
}

/** `AWS::Partition`: the partition of the region (facts/key-reference.ts knows region names). */
function partitionOf(region: string | Unknown): string | Unknown {
  return region === UNKNOWN ? UNKNOWN : (partitionOfRegion(region) ?? UNKNOWN);
}

function urlSuffixOf(partition: string | Unknown): string | Unknown {
  if (partition === "aws" || partition === "aws-us-gov") return "amazonaws.com";
  if (partition === "aws-cn") return "amazonaws.com.cn";
  return UNKNOWN;
}

/** Whether a resolved value holds an unknown anywhere. */
function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isPlainObject(value)) return Object.values(value).some(containsUnknown);
  return false;
}

/** CloudFormation compares values as strings: `30` and `"30"`, `true` and `"true"` are equal. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]))
    );
  }
  if (isPlainObject(a) || isPlainObject(b)) return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

/** A list index as CloudFormation reads it: an integer or a string of digits. */
function indexOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** A scalar as the text CloudFormation makes of it in a string context. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * CloudFormation's dynamic references, replaced by the parameter's or secret's value only when the
 * stack is deployed: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
 */
const DYNAMIC_REFERENCE = /\{\{resolve:(ssm|ssm-secure|secretsmanager):/;

/** The account `AWS::AccountId` stands for in a key policy when the real one is not known. */
const ACCOUNT_STAND_IN = "000000000000";
/** A template key's id and a template alias's name, as {@link TemplateEvaluator.resolveOneWay} reads them. */
const STAND_IN_KEY_ID = "00000000-0000-4000-8000-000000000000";
const STAND_IN_ALIAS_NAME = "alias/template-alias";

/**
 * Evaluates one template's expressions. Conditions are evaluated once per template; the node
 * budget and the dependencies are per resource property (see {@link startProperty}).
 */
export class TemplateEvaluator {
  private readonly conditionValues = new Map<string, boolean | Unknown>();
  private readonly conditionsInProgress = new Set<string>();
  private current: Dependencies = noDependencies();
  private nodes = 0;
  private produced = 0;
  /** See {@link resolveKeyPolicy}. */
  private accountStandIn: string | undefined;
  /** Set during {@link resolveOneWay}: the conditions it assumes, and those it met undecided. */
  private assumed: { assumptions: ReadonlyMap<string, boolean>; undecided: Set<string> } | undefined;
  /** Set during {@link resolveOneWay} for a form: template keys' attributes stand in. */
  private attributeStandIns = false;

  constructor(private readonly scope: TemplateScope) {}

  /**
   * A KMS key's policy, with `AWS::AccountId` standing for the stack's own account even where
   * that account is not known offline: AWS's own key policy examples grant the key to
   * `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`, and left unknown it would make every such
   * key NOT VERIFIED once values are final. The stand-in is sound for what reads the policy: a
   * template's key has no known ARN, so the evaluation of the policy names no account of its own,
   * and a named account (the stand-in, the real one, any other) is one an outsider cannot choose;
   * the stand-in is none of the accounts the probes play outsiders with. Conditions (`Fn::If`,
   * cached for the whole template) never see it: they read the real, unknown, account.
   */
  resolveKeyPolicy(node: unknown): unknown {
    if (this.scope.environment.account !== UNKNOWN) return this.resolve(node, 0);
    this.accountStandIn = ACCOUNT_STAND_IN;
    try {
      return this.resolve(node, 0);
    } finally {
      this.accountStandIn = undefined;
    }
  }

  /**
   * A key reference resolved one way: each condition not known offline taken as `assumptions`
   * say (`undecided`: those met without one), so that the caller can try every way CloudFormation
   * may deploy it; what it read is returned, not recorded in the property.
   *
   * With `form`, every `Ref` / `Fn::GetAtt` of a template KMS key, replica key or alias stands in
   * by a value of the form CloudFormation returns for it (a key id, a key ARN in the stack's
   * region, an alias name), so that the key-reference rules can judge what the resource's API
   * will receive (a domain takes only key ARNs: `!Ref Key` is a key id, which it refuses) and in
   * which region; any other attribute stays unknown, and `AWS::AccountId` stands in as in a key
   * policy when not known (those rules do not judge the account). The stand-ins are never the
   * key's identity: what the key is, the dependencies say.
   */
  resolveOneWay(
    node: unknown,
    assumptions: ReadonlyMap<string, boolean>,
    form: boolean,
  ): { value: unknown; dependencies: Dependencies; undecided: ReadonlySet<string> } {
    const undecided = new Set<string>();
    this.assumed = { assumptions, undecided };
    this.attributeStandIns = form;
    if (form && this.scope.environment.account === UNKNOWN) this.accountStandIn = ACCOUNT_STAND_IN;
    try {
      return { ...this.scoped(() => this.resolve(node, 0)), undecided };
    } finally {
      this.assumed = undefined;
      this.attributeStandIns = false;
      this.accountStandIn = undefined;
    }
  }

  /** Starts a new resource (its condition, then its properties): a fresh node budget. */
  startResource(): void {
    this.nodes = 0;
    this.produced = 0;
  }

  /** Starts a new top-level property: what is resolved from now on is recorded in the result. */
  startProperty(): Dependencies {
    this.current = noDependencies();
    return this.current;
  }

  /** A named condition of the `Conditions` section: true, false, or unknown. */
  condition(name: unknown): boolean | Unknown {
    if (typeof name !== "string") return UNKNOWN;
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    // A cycle or an undeclared name: CloudFormation rejects the template. Unknown, never decided.
    if (this.conditionsInProgress.has(name)) return UNKNOWN;
    const declared = ownValue(this.scope.conditions, name);
    if (declared === undefined) return UNKNOWN;
    this.conditionsInProgress.add(name);
    // A condition's own references do not make a property's value: they are kept apart.
    try {
      const { value } = this.scoped(() => this.conditionOf(declared, 0));
      this.conditionValues.set(name, value);
      return value;
    } finally {
      this.conditionsInProgress.delete(name);
    }
  }

  /** A condition of an `Fn::If`, as assumed in {@link resolveOneWay} when not known offline. */
  private assumedCondition(name: unknown): boolean | Unknown {
    const value = this.condition(name);
    if (value !== UNKNOWN || this.assumed === undefined || typeof name !== "string") return value;
    const assumed = this.assumed.assumptions.get(name);
    if (assumed !== undefined) return assumed;
    this.assumed.undecided.add(name);
    return UNKNOWN;
  }

  private conditionOf(node: unknown, depth: number): boolean | Unknown {
    this.count(depth);
    if (!isIntrinsic(node)) return UNKNOWN;
    const [name, argument] = Object.entries(node)[0];
    const operands = Array.isArray(argument) ? argument : [];
    switch (name) {
      case "Condition":
        return this.condition(argument);
      case "Fn::Equals": {
        if (operands.length !== 2) return UNKNOWN;
        const [a, b] = operands.map((operand) => this.resolve(operand, depth + 1));
        if (containsUnknown(a) || containsUnknown(b)) return UNKNOWN;
        return sameValue(a, b);
      }
      case "Fn::Not":
        if (operands.length !== 1) return UNKNOWN;
        return this.not(this.conditionOf(operands[0], depth + 1));
      case "Fn::And":
      case "Fn::Or": {
        if (operands.length < 2) return UNKNOWN;
        const decisive = name === "Fn::Or";
        let result: boolean | Unknown = !decisive;
        for (const operand of operands) {
          const value = this.conditionOf(operand, depth + 1);
          if (value === decisive) return decisive;
          if (value === UNKNOWN) result = UNKNOWN;
        }
        return result;
      }
      default:
        return UNKNOWN;
    }
  }

  private not(value: boolean | Unknown): boolean | Unknown {
    return value === UNKNOWN ? UNKNOWN : !value;
  }

  /** Charges what a function made (characters or items) to the resource's budget. */
  private made<T extends string | readonly unknown[]>(result: T): T {
    this.produced += result.length;
    if (this.produced > MAX_PRODUCED)
      throw new TemplateTooLarge(`functions make more than ${MAX_PRODUCED} characters`);
    return result;
  }

  private count(depth: number): void {
    if (++this.nodes > MAX_NODES) throw new TemplateTooLarge(`more than ${MAX_NODES} values`);
    if (depth > MAX_DEPTH) throw new TemplateTooLarge(`nested deeper than ${MAX_DEPTH} levels`);
  }

  /**
   * A value of the template with its functions evaluated; NO_VALUE where it is left out. A string
   * holding a dynamic reference (`{{resolve:ssm:...}}`, `ssm-secure`, `secretsmanager`) is only
   * known when CloudFormation deploys the template: unknown, and traced to nothing.
   */
  resolve(node: unknown, depth: number): unknown {
    const value = this.evaluate(node, depth);
    if (typeof value !== "string" || !DYNAMIC_REFERENCE.test(value)) return value;
    this.current.opaque = true;
    return UNKNOWN;
  }

  private evaluate(node: unknown, depth: number): unknown {
    this.count(depth);
    if (Array.isArray(node)) {
      return node.map((item) => this.resolve(item, depth + 1)).filter((item) => item !== NO_VALUE);
    }
    if (!isPlainObject(node)) return node;
    if (!isIntrinsic(node)) {
      const entries: [string, unknown][] = [];
      for (const [key, value] of Object.entries(node)) {
        const resolved = this.resolve(value, depth + 1);
        if (resolved !== NO_VALUE) entries.push([key, resolved]);
      }
      return Object.fromEntries(entries);
    }
    const [name, argument] = Object.entries(node)[0];
    switch (name) {
      case "Ref":
        return typeof argument === "string" ? this.ref(argument) : this.opaque(argument, depth);
      case "Fn::GetAtt":
        return this.getAtt(argument);
      case "Fn::If":
        return this.if(argument, depth);
      case "Fn::Sub":
        return this.sub(argument, depth);
      case "Fn::Join":
        return this.join(argument, depth);
      case "Fn::Select":
        return this.select(argument, depth);
      case "Fn::Split":
        return this.split(argument, depth);
      case "Fn::FindInMap":
        return this.findInMap(argument, depth);
      case "Fn::Base64": {
        const text = this.resolve(argument, depth + 1);
        return typeof text === "string" ? this.made(Buffer.from(text, "utf8").toString("base64")) : UNKNOWN;
      }
      case "Fn::Length": {
        const list = this.resolve(argument, depth + 1);
        return Array.isArray(list) ? list.length : UNKNOWN;
      }
      case "Fn::ToJsonString": {
        const value = this.resolve(argument, depth + 1);
        return containsUnknown(value) || value === NO_VALUE ? UNKNOWN : this.made(JSON.stringify(value));
      }
      default:
        // Fn::ImportValue, Fn::GetAZs, Fn::Cidr, Fn::Transform, ...: not knowable offline.
        return this.opaque(argument, depth);
    }
  }

  private ref(name: string): unknown {
    const environment = this.scope.environment;
    switch (name) {
      case "AWS::NoValue":
        return NO_VALUE;
      case "AWS::Region":
        return environment.region;
      case "AWS::AccountId":
        return this.accountStandIn !== undefined && this.conditionsInProgress.size === 0
          ? this.accountStandIn
          : environment.account;
      case "AWS::Partition":
        return partitionOf(environment.region);
      case "AWS::URLSuffix":
        return urlSuffixOf(partitionOf(environment.region));
      case "AWS::StackName":
        return environment.stackName;
    }
    const parameter = this.scope.parameters.get(name);
    if (parameter !== undefined) {
      for (const urn of parameter.hostUrns) this.current.hostUrns.add(urn);
      return Array.isArray(parameter.value) ? this.made([...parameter.value]) : parameter.value;
    }
    if (this.scope.resourceTypes.has(name)) {
      this.current.logicalIds.add(name);
      return this.attributeForm(name, "Ref");
    }
    // AWS::StackId, AWS::NotificationARNs, an undeclared name: not known here.
    return UNKNOWN;
  }

  private getAtt(argument: unknown): unknown {
    // `[logicalId, attribute]`, or `logicalId.attribute` (the short form's, also taken in full form).
    const [target, attribute] = Array.isArray(argument)
      ? argument
      : typeof argument === "string" && argument.includes(".")
        ? [argument.slice(0, argument.indexOf(".")), argument.slice(argument.indexOf(".") + 1)]
        : [undefined, undefined];
    if (typeof target !== "string" || !this.scope.resourceTypes.has(target)) {
      this.current.opaque = true;
      return UNKNOWN;
    }
    this.current.logicalIds.add(target);
    return typeof attribute === "string" ? this.attributeForm(target, attribute) : UNKNOWN;
  }

  /**
   * What `Ref` (attribute "Ref") or `Fn::GetAtt` of a template resource stands for: unknown, or,
   * in {@link resolveOneWay} for a form, a value of its documented form. AWS::KMS::Key and
   * AWS::KMS::ReplicaKey: `Ref` and `KeyId` are the key id, `Arn` the key ARN (the stack's region);
   * AWS::KMS::Alias: `Ref` is the alias name, which CloudFormation requires to begin with `alias/`
   * and KMS forbids to begin with `alias/aws/`.
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
   */
  private attributeForm(logicalId: string, attribute: string): string | Unknown {
    if (!this.attributeStandIns || this.conditionsInProgress.size > 0) return UNKNOWN;
    const type = this.scope.resourceTypes.get(logicalId);
    if (type === "AWS::KMS::Alias") return attribute === "Ref" ? STAND_IN_ALIAS_NAME : UNKNOWN;
    if (type !== "AWS::KMS::Key" && type !== "AWS::KMS::ReplicaKey") return UNKNOWN;
    if (attribute === "Ref" || attribute === "KeyId") return STAND_IN_KEY_ID;
    if (attribute !== "Arn") return UNKNOWN;
    const { region, account } = this.scope.environment;
    const partition = partitionOf(region);
    if (region === UNKNOWN || partition === UNKNOWN) return UNKNOWN;
    // The account is not judged by the key-reference rules: a stand-in serves when it is not known.
    const owner = account === UNKNOWN ? ACCOUNT_STAND_IN : account;
    return `arn:${partition}:kms:${region}:${owner}:key/${STAND_IN_KEY_ID}`;
  }

  private if(argument: unknown, depth: number): unknown {
    if (!Array.isArray(argument) || argument.length !== 3) return this.opaque(argument, depth);
    const decided = this.assumedCondition(argument[0]);
    if (decided === true) return this.resolve(argument[1], depth + 1);
    if (decided === false) return this.resolve(argument[2], depth + 1);
    const whenTrue = this.resolve(argument[1], depth + 1);
    const whenFalse = this.resolve(argument[2], depth + 1);
    if (
      whenTrue !== NO_VALUE &&
      whenFalse !== NO_VALUE &&
      !containsUnknown(whenTrue) &&
      sameValue(whenTrue, whenFalse)
    )
      return whenTrue;
    // Both branches references of the template: each resource named may be the value. Otherwise
    // a literal branch (or none) may be taken, which the dependencies do not stand for.
    if (whenTrue !== UNKNOWN || whenFalse !== UNKNOWN) this.current.opaque = true;
    return UNKNOWN;
  }

  /** `Fn::Sub`: a string when every `${...}` resolves to a known scalar, else unknown. */
  private sub(argument: unknown, depth: number): unknown {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof text !== "string" || !isPlainObject(variables)) return this.opaque(argument, depth);
    let known = true;
    const result = text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith("!")) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      const value = Object.hasOwn(variables, name)
        ? this.resolve(variables[name], depth + 1)
        : name.includes(".")
          ? this.getAtt(name)
          : this.ref(name);
      const textValue = scalarText(value);
      if (textValue !== undefined) return textValue;
      known = false;
      return whole;
    });
    return known ? this.made(result) : UNKNOWN;
  }

  /** `Fn::Join`: a string when the delimiter and every item are known, else unknown. */
  private join(argument: unknown, depth: number): unknown {
    if (!Array.isArray(argument) || argument.length !== 2) return this.opaque(argument, depth);
    const delimiter = this.resolve(argument[0], depth + 1);
    const items = this.resolve(argument[1], depth + 1);
    if (typeof delimiter !== "string" || !Array.isArray(items)) return UNKNOWN;
    const texts = items.map(scalarText);
    return texts.every((t) => t !== undefined) ? this.made(texts.join(delimiter)) : UNKNOWN;
  }

  /**
   * `Fn::Select [index, list]`: the item; an undecided choice is opaque. From a list written in
   * the template, only the chosen item makes the value: what the others name (another key, an
   * import) is not recorded.
   */
  private select(argument: unknown, depth: number): unknown {
    if (!Array.isArray(argument) || argument.length !== 2) return this.opaque(argument, depth);
    const index = indexOf(this.resolve(argument[0], depth + 1));
    if (index !== undefined && Array.isArray(argument[1])) {
      this.count(depth + 1);
      const items = argument[1]
        .map((item) => this.scoped(() => this.resolve(item, depth + 2)))
        .filter((item) => item.value !== NO_VALUE);
      const chosen = items[index];
      if (chosen === undefined) {
        this.current.opaque = true;
        return UNKNOWN;
      }
      this.record(chosen.dependencies);
      return chosen.value;
    }
    const list = this.resolve(argument[1], depth + 1);
    if (index === undefined || !Array.isArray(list) || index >= list.length) {
      this.current.opaque = true;
      return UNKNOWN;
    }
    return list[index];
  }

  /** `Fn::Split [delimiter, text]`: a list of strings. */
  private split(argument: unknown, depth: number): unknown {
    if (!Array.isArray(argument) || argument.length !== 2) return this.opaque(argument, depth);
    const delimiter = this.resolve(argument[0], depth + 1);
    const text = this.resolve(argument[1], depth + 1);
    if (typeof delimiter !== "string" || delimiter === "" || typeof text !== "string") return UNKNOWN;
    return this.made(text.split(delimiter));
  }

  /**
   * `Fn::FindInMap [map, top-level key, second-level key, {DefaultValue}]`: the mapping's value,
   * else the default (AWS::LanguageExtensions); a key not known yet makes the choice opaque.
   */
  private findInMap(argument: unknown, depth: number): unknown {
    if (!Array.isArray(argument) || argument.length < 3 || argument.length > 4)
      return this.opaque(argument, depth);
    const keys = argument.slice(0, 3).map((k) => scalarText(this.resolve(k, depth + 1)));
    let value: unknown = this.scope.mappings;
    for (const key of keys) {
      if (key === undefined) {
        this.current.opaque = true;
        return UNKNOWN;
      }
      value = ownValue(value, key);
    }
    if (value !== undefined) return this.resolve(value, depth + 1);
    const fallback = ownValue(argument[3], "DefaultValue");
    // No such entry and no default: CloudFormation refuses the template.
    if (fallback === undefined) {
      this.current.opaque = true;
      return UNKNOWN;
    }
    return this.resolve(fallback, depth + 1);
  }

  /** What `evaluate` resolves to, with what it read recorded apart from the property's. */
  private scoped<T>(evaluate: () => T): { value: T; dependencies: Dependencies } {
    const outer = this.current;
    this.current = noDependencies();
    try {
      return { value: evaluate(), dependencies: this.current };
    } finally {
      this.current = outer;
    }
  }

  /** Adds what a scoped evaluation read to the property's dependencies. */
  private record(dependencies: Dependencies): void {
    for (const logicalId of dependencies.logicalIds) this.current.logicalIds.add(logicalId);
    for (const urn of dependencies.hostUrns) this.current.hostUrns.add(urn);
    if (dependencies.opaque) this.current.opaque = true;
  }

  /** A function not evaluated offline: unknown, and no resource it names stands for its value. */
  private opaque(argument: unknown, depth: number): Unknown {
    this.resolve(argument, depth + 1);
    this.current.opaque = true;
    return UNKNOWN;
  }
}
