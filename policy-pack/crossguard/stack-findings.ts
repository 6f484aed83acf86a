/**
 * Findings as every guard policy reports them, with exemptions applied in one place: a finding
 * under an active exemption is left to the guard-settings policy (which reports it as exempted,
 * advisory), and a finding whose exemption has expired says so.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
  hostUrnOf,
  withTemplateResources,
  type StackContext,
} from "../facts/cloudformation/template-resources";
import { exemptionFor, expiredNote, type Exemption, type ResourceRef } from "../settings/exemptions";
import type { StackResource } from "../facts/key-tracing";
import type { RuleMetadata, RuleOutcome } from "../rules/rule";
import { deliverOutcome } from "../judging/outcome";
import { rawProps } from "./props";

export interface Finding {
  readonly message: string;
  /** The resource the finding is reported on. */
  readonly urn: string;
  /** The resources an exemption may name to cover this finding (the resource, its key, ...). */
  readonly about: readonly ResourceRef[];
}

/** A resource-level evaluation: findings, or the reason there was nothing to judge. */
export interface ResourceVerdict {
  readonly findings: readonly Finding[];
  readonly skipped?: string;
}

/** A stack-level evaluation: findings, and what could not be judged yet (unknown at preview). */
export interface StackVerdict {
  readonly findings: readonly Finding[];
  readonly pending: readonly string[];
}

/** What a resource policy needs to know about the resource it validates. */
export interface ResourceSubject {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: unknown;
  readonly providerProps?: unknown;
}

/** One rule's outcome on one resource, as a resource policy reports it. */
export function resourceVerdict(
  rule: RuleMetadata,
  displayName: string,
  subject: ResourceSubject,
  outcome: RuleOutcome,
): ResourceVerdict {
  const findings: Finding[] = [];
  let skipped: string | undefined;
  deliverOutcome(rule, { displayName, name: subject.name }, outcome, {
    violation: (message) => findings.push({ message, urn: subject.urn, about: [resourceRef(subject)] }),
    skipped: (reason) => (skipped = reason),
  });
  return skipped === undefined ? { findings } : { findings, skipped };
}

/** A policy's evaluation without its reporting: the guard-settings policy re-runs it for exempted findings. */
export interface PolicyEvaluator {
  resource?(subject: ResourceSubject): ResourceVerdict;
  stack?(resources: readonly StackResource[]): StackVerdict;
  /** Fetches what `stack` reads from outside the stack (AWS), awaited before it runs. */
  prepare?(resources: readonly StackResource[]): Promise<void>;
}

/**
 * Reports each finding of `policy` unless an active exemption covers it, on the resource it is
 * about (for a resource of a CloudFormation template: the stack resource that holds it).
 */
export function reportFindings(
  policy: string,
  findings: readonly Finding[],
  exemptions: readonly Exemption[],
  report: (message: string, urn: string) => void,
  now = Date.now(),
): void {
  for (const finding of findings) {
    const status = exemptions.length === 0 ? undefined : exemptionFor(exemptions, policy, finding.about, now);
    if (status?.kind === "active") continue;
    report(
      status?.kind === "expired" ? finding.message + expiredNote(status.exemption) : finding.message,
      hostUrnOf(finding.urn),
    );
  }
}

/** At most this many pending items are listed in a stack policy's "not determinable yet" note. */
const PENDING_LISTED = 5;

export function pendingNote(pending: readonly string[]): string {
  const listed = pending.slice(0, PENDING_LISTED).join("; ");
  const more = pending.length > PENDING_LISTED ? `; and ${pending.length - PENDING_LISTED} more` : "";
  return `not determinable yet: ${listed}${more}`;
}

/** The stack as the stack policies judge it: its resources, and those of its inline templates. */
export function stackResources(
  resources: readonly PolicyResource[],
  context: StackContext,
): readonly StackResource[] {
  return withTemplateResources(resources.map(stackResource), context);
}

/**
 * Plain forms already made, by the resource's property object: @pulumi/policy hands every stack
 * policy its own copy of each resource, with the very same (shared) property object, so one
 * AnalyzeStack makes each plain form once instead of once per stack policy.
 */
const plainForms = new WeakMap<object, StackResource>();

/** The plain form of a resource as @pulumi/policy hands it to stack policies. */
export function stackResource(resource: PolicyResource): StackResource {
  const props = rawProps(resource.props);
  const providerProps = resource.provider === undefined ? undefined : rawProps(resource.provider.props);
  const known = typeof props === "object" && props !== null ? plainForms.get(props) : undefined;
  if (known !== undefined && known.urn === resource.urn && known.providerProps === providerProps)
    return known;
  const propertyDependencies: Record<string, string[]> = {};
  for (const [property, sources] of Object.entries(resource.propertyDependencies ?? {})) {
    propertyDependencies[property] = sources.map((s) => s.urn);
  }
  const plainForm: StackResource = {
    type: resource.type,
    urn: resource.urn,
    name: resource.name,
    props,
    propertyDependencies,
    ...(providerProps === undefined ? {} : { providerProps }),
  };
  if (typeof props === "object" && props !== null) plainForms.set(props, plainForm);
  return plainForm;
}

export function resourceRef(resource: { readonly urn: string; readonly name: string }): ResourceRef {
  return { urn: resource.urn, name: resource.name };
}
