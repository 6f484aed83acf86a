/**
 * CloudFormation stacks and Cloud Control resources in CrossGuard (see ../facts/cloudformation/template-resources.ts):
 * - the template policies: a template the guard cannot read (mandatory) or cannot inspect
 *   (advisory), on the host resource;
 * - overTemplates: runs a resource policy's evaluation on each resource of a host's template,
 *   reporting on the host, so the key-reference and KMS hygiene policies judge them unchanged.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  inspectTemplate,
  templateHostType,
  type TemplateInspection,
} from "../facts/cloudformation/template-resources";
import type { ResourceRef } from "../settings/exemptions";
import type { StackResource } from "../facts/key-tracing";
import { resolveRegion } from "../facts/region";
import type { Rule } from "../rules/rule";
import { templateInspectable } from "../rules/cmk-template-inspectable";
import { templateReadable } from "../rules/cmk-template-readable";
import { UNKNOWN, UNKNOWN_SENTINEL } from "../facts/values";
import { evaluateSafely } from "../judging/outcome";
import type { PackState } from "../settings/pack-state";
import { policyMetadata } from "./policy-metadata";
import { rawProps } from "./props";
import {
  reportFindings,
  resourceRef,
  resourceVerdict,
  type Finding,
  type ResourceSubject,
  type ResourceVerdict,
} from "./stack-findings";
import type { GuardPolicy } from "./stack-policies";
import { guardSettings } from "../settings/guard-settings";

/** A resource policy's subject as the template inspection reads it (no property dependencies). */
function hostResource(subject: ResourceSubject): StackResource {
  return {
    type: subject.type,
    urn: subject.urn,
    name: subject.name,
    props: subject.props,
    propertyDependencies: {},
    ...(subject.providerProps === undefined ? {} : { providerProps: subject.providerProps }),
  };
}

/** The template's resources of a host, or undefined for any other resource. */
function templateOf(subject: ResourceSubject, state: PackState): TemplateInspection | undefined {
  return templateHostType(subject.type) === undefined
    ? undefined
    : inspectTemplate(hostResource(subject), state);
}

/** Names an exemption may use for a host's template resources (`<stack name>/<logical id>`). */
export function templateResourceRefs(subject: ResourceSubject, state: PackState): ResourceRef[] {
  return (templateOf(subject, state)?.resources ?? []).map(resourceRef);
}

/**
 * `evaluate` on a plain resource as it is, and on a host's template resources one by one, in the
 * host's region, their findings reported on the host (an exemption may name either).
 */
export function overTemplates(
  state: PackState,
  evaluate: (subject: ResourceSubject) => ResourceVerdict,
): (subject: ResourceSubject) => ResourceVerdict {
  return (subject) => {
    const host = templateHostType(subject.type);
    if (host === undefined) return evaluate(subject);
    const region = resolveRegion(
      host,
      subject.props,
      subject.providerProps,
      state.stackConfig,
      state.environmentRegion,
    );
    const providerProps =
      region === UNKNOWN ? { region: UNKNOWN_SENTINEL } : region === undefined ? {} : { region };
    const findings: Finding[] = [];
    const skipped: string[] = [];
    for (const resource of templateOf(subject, state)?.resources ?? []) {
      const verdict = evaluate({ ...resource, providerProps });
      for (const finding of verdict.findings)
        findings.push({ ...finding, urn: subject.urn, about: [...finding.about, resourceRef(subject)] });
      if (verdict.skipped !== undefined) skipped.push(`${resource.name}: ${verdict.skipped}`);
    }
    return skipped.length === 0 ? { findings } : { findings, skipped: skipped.join("; ") };
  };
}

function templatePolicy(
  rule: Rule<TemplateInspection>,
  state: PackState,
): GuardPolicy<ResourceValidationPolicy> {
  const evaluate = (subject: ResourceSubject): ResourceVerdict => {
    const host = templateHostType(subject.type);
    const inspection = templateOf(subject, state);
    if (host === undefined || inspection === undefined) return { findings: [] };
    return resourceVerdict(rule, host.displayName, subject, evaluateSafely(rule, inspection));
  };
  const policy: ResourceValidationPolicy = {
    ...policyMetadata(rule),
    validateResource: (args, reportViolation) => {
      const verdict = evaluate({
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: rawProps(args.props),
        providerProps: rawProps(args.provider?.props),
      });
      reportFindings(rule.id, verdict.findings, guardSettings(state).exemptions, (message) =>
        reportViolation(message),
      );
      if (verdict.skipped !== undefined) args.notApplicable(verdict.skipped);
    },
  };
  return { policy, evaluator: { resource: evaluate } };
}

export function templatePolicies(state: PackState): GuardPolicy<ResourceValidationPolicy>[] {
  return [templatePolicy(templateReadable, state), templatePolicy(templateInspectable, state)];
}
