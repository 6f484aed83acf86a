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

/** Finds the roles a consumer names, each with its identity policies as the stack shows them. */
export type ConsumerRoles = (consumer: StackResource, properties: readonly string[]) => ConsumerRole[];

/**
 * Indexes a stack's roles, role policies, attachments and managed policies once, so that the roles
 * of every consumer are found without a scan of the stack per consumer. A role is found by
 * property dependency (at preview, its ARN is not known yet) or by its ARN.
 */
export function indexRoles(resources: readonly StackResource[]): ConsumerRoles {
  const rolesByUrn = new Map<string, StackResource>();
  const rolesByArn = new Map<string, StackResource>();
  /** Role policies and attachments by every name of the role they name (URN, name or ARN). */
  const attachedTo = new Map<string, StackResource[]>();
  const managedByUrn = new Map<string, StackResource>();
  const managedByArn = new Map<string, StackResource>();
  const add = (key: string, resource: StackResource) => {
    const list = attachedTo.get(key);
    if (list === undefined) attachedTo.set(key, [resource]);
    else if (!list.includes(resource)) list.push(resource);
  };
  const position = new Map<StackResource, number>();
  for (const [index, resource] of resources.entries()) {
    if (resource.type === ROLE_POLICY || resource.type === ROLE_POLICY_ATTACHMENT)
      position.set(resource, index);
    if (resource.type === ROLE) {
      rolesByUrn.set(resource.urn, resource);
      const arn = readPath(resource.props, ["arn"]);
      if (typeof arn === "string") rolesByArn.set(arn, resource);
    } else if (resource.type === MANAGED_POLICY) {
      managedByUrn.set(resource.urn, resource);
      const arn = readPath(resource.props, ["arn"]);
      if (typeof arn === "string") managedByArn.set(arn, resource);
    } else if (resource.type === ROLE_POLICY || resource.type === ROLE_POLICY_ATTACHMENT) {
      for (const urn of resource.propertyDependencies.role ?? []) add(`urn:${urn}`, resource);
      const role = readPath(resource.props, ["role"]);
      if (typeof role === "string") add(`name:${role}`, resource);
    }
  }
  const attachmentsOf = (role: StackResource): StackResource[] => {
    const found = new Set(attachedTo.get(`urn:${role.urn}`));
    for (const property of ["name", "arn"]) {
      const value = readPath(role.props, [property]);
      if (typeof value === "string") for (const r of attachedTo.get(`name:${value}`) ?? []) found.add(r);
    }
    // Stack order, as a scan of the stack would find them.
    return [...found].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
  };
  const managedPolicyOf = (attachment: StackResource): StackResource | undefined => {
    for (const urn of attachment.propertyDependencies.policyArn ?? []) {
      const policy = managedByUrn.get(urn);
      if (policy !== undefined) return policy;
    }
    const arn = readPath(attachment.props, ["policyArn"]);
    return typeof arn === "string" ? managedByArn.get(arn) : undefined;
  };
  return (consumer, properties) =>
    properties.map((property) => {
      const value = readPath(consumer.props, [property]);
      const byDependency = (consumer.propertyDependencies[property] ?? []).map((urn) => rolesByUrn.get(urn));
      const role =
        byDependency.find((r) => r !== undefined) ??
        (typeof value === "string" ? rolesByArn.get(value) : undefined);
      const arn = typeof value === "string" ? value : value === UNKNOWN ? UNKNOWN : undefined;
      if (role === undefined) {
        return {
          property,
          arn,
          policies: { kind: "unknown", reason: `the role in \`${property}\` is not in this stack` },
        };
      }
      return {
        property,
        arn: arn ?? UNKNOWN,
        policies: identityPoliciesOf(role, attachmentsOf(role), managedPolicyOf),
      };
    });
}

function identityPoliciesOf(
  role: StackResource,
  attachments: readonly StackResource[],
  managedPolicyOf: (attachment: StackResource) => StackResource | undefined,
): IdentityPolicies {
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
  for (const resource of attachments) {
    if (resource.type === ROLE_POLICY) {
      documents.push(readPath(resource.props, ["policy"]));
    } else {
      const source = managedPolicyOf(resource);
      if (source !== undefined) documents.push(readPath(source.props, ["policy"]));
      else managed.push(readPath(resource.props, ["policyArn"]));
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
