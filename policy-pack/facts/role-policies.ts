/**
 * The IAM roles a guarded resource names (a DataZone domain's execution and service roles), and
 * what the stack says about their identity policies: inline policies on the role
 * (`inlinePolicies`), `aws:iam/rolePolicy:RolePolicy` resources, and managed policies
 * (`managedPolicyArns`, `aws:iam/rolePolicyAttachment:RolePolicyAttachment`) whose document is an
 * `aws:iam/policy:Policy` of the stack. A managed policy whose document the stack does not hold
 * (an AWS-managed policy, a policy created elsewhere) makes the role's policies unknown, with that
 * reason: a key policy that delegates to IAM then cannot be judged from the stack.
 */
import type { StackResource } from "./key-tracing";
import { isPlainObject, plain, readPath, UNKNOWN } from "./values";

type IamPolicy = typeof import("@cloud-copilot/iam-policy");

/** IAM's own validation of an identity policy (loaded only when a role's policies are read). */
function validIdentityPolicy(document: unknown): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, like key-policy/analysis.ts
  const library = require("@cloud-copilot/iam-policy") as IamPolicy;
  try {
    return library.validateIdentityPolicy(document).length === 0;
  } catch {
    return false;
  }
}

export type IdentityPolicies =
  | { readonly kind: "known"; readonly documents: readonly unknown[] }
  | { readonly kind: "unknown"; readonly reason: string };

/** One role a resource names in one of its properties. */
export interface ConsumerRole {
  /** The resource's property that names the role, e.g. `domainExecutionRole`. */
  readonly property: string;
  /** The role's ARN, or UNKNOWN (not known yet), or undefined (the property is not set). */
  readonly arn: string | typeof UNKNOWN | undefined;
  readonly policies: IdentityPolicies;
}

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const MANAGED_POLICY = "aws:iam/policy:Policy";

/**
 * The roles in `properties` of `consumer`, each with its identity policies as the stack shows them.
 * A role is found by property dependency (at preview, its ARN is not known yet) or by its ARN.
 */
export function consumerRolesOf(
  consumer: StackResource,
  properties: readonly string[],
  resources: readonly StackResource[],
): ConsumerRole[] {
  return properties.map((property) => {
    const value = readPath(consumer.props, [property]);
    const role = roleResource(consumer, property, value, resources);
    const arn = typeof value === "string" ? value : value === UNKNOWN ? UNKNOWN : undefined;
    if (role === undefined) {
      return {
        property,
        arn,
        policies: { kind: "unknown", reason: `the role in \`${property}\` is not in this stack` },
      };
    }
    return { property, arn: arn ?? UNKNOWN, policies: identityPoliciesOf(role, resources) };
  });
}

function roleResource(
  consumer: StackResource,
  property: string,
  value: unknown,
  resources: readonly StackResource[],
): StackResource | undefined {
  const roles = resources.filter((r) => r.type === ROLE);
  const byDependency = consumer.propertyDependencies[property] ?? [];
  const dependency = roles.find((r) => byDependency.includes(r.urn));
  if (dependency !== undefined) return dependency;
  if (typeof value !== "string") return undefined;
  return roles.find((r) => readPath(r.props, ["arn"]) === value);
}

/** Whether `resource`'s property `property` names `role` (by dependency, name or ARN). */
function names(resource: StackResource, property: string, role: StackResource): boolean {
  if (resource.propertyDependencies[property]?.includes(role.urn)) return true;
  const value = readPath(resource.props, [property]);
  if (typeof value !== "string") return false;
  return value === readPath(role.props, ["name"]) || value === readPath(role.props, ["arn"]);
}

function identityPoliciesOf(role: StackResource, resources: readonly StackResource[]): IdentityPolicies {
  const documents: unknown[] = [];
  const unknown: string[] = [];
  const inline = readPath(role.props, ["inlinePolicies"]);
  if (inline === UNKNOWN) unknown.push("the role's inlinePolicies are not known yet");
  else if (Array.isArray(inline)) {
    for (const entry of inline) {
      const policy = readPath(entry, ["policy"]);
      if (policy === undefined || policy === "") continue;
      documents.push(policy);
    }
  }
  const managed: unknown[] = [];
  const arns = readPath(role.props, ["managedPolicyArns"]);
  if (arns === UNKNOWN) unknown.push("the role's managedPolicyArns are not known yet");
  else if (Array.isArray(arns)) managed.push(...arns.map(plain));
  for (const resource of resources) {
    if (resource.type === ROLE_POLICY && names(resource, "role", role)) {
      documents.push(readPath(resource.props, ["policy"]));
    } else if (resource.type === ROLE_POLICY_ATTACHMENT && names(resource, "role", role)) {
      const policyArn = readPath(resource.props, ["policyArn"]);
      const source = resources.find(
        (r) =>
          r.type === MANAGED_POLICY &&
          (resource.propertyDependencies.policyArn?.includes(r.urn) === true ||
            (typeof policyArn === "string" && readPath(r.props, ["arn"]) === policyArn)),
      );
      if (source !== undefined) documents.push(readPath(source.props, ["policy"]));
      else managed.push(policyArn);
    }
  }
  for (const arn of managed) {
    unknown.push(
      typeof arn === "string"
        ? `the managed policy ${arn.split("/").pop()} is not in this stack`
        : "a managed policy's ARN is not known yet",
    );
  }
  const readable = documents.map(parsed);
  if (readable.some((d) => d === UNKNOWN)) unknown.push("a policy of the role is not known yet");
  if (readable.some((d) => d === undefined))
    unknown.push("a policy of the role is not an IAM policy document the guard can read");
  if (unknown.length > 0) return { kind: "unknown", reason: unknown.join("; ") };
  return { kind: "known", documents: readable };
}

/** A policy document as the simulator reads it: UNKNOWN if not known yet, undefined if unreadable. */
function parsed(document: unknown): unknown {
  const value = plain(document);
  if (value === UNKNOWN) return UNKNOWN;
  let parsedValue: unknown = value;
  if (typeof value === "string") {
    try {
      parsedValue = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!isPlainObject(parsedValue)) return undefined;
  return validIdentityPolicy(parsedValue) ? parsedValue : undefined;
}
