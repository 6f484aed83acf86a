import type { ResourceValidationPolicy } from "@pulumi/policy";
import { familyOf, guardedType, type ResourceFamily } from "../catalog/bedrock-resources";
import type { Rule } from "../rules/rule";
import { keyReferenceInput, type KeyReferenceInput } from "../rules/key-reference-input";
import { evaluateSafely } from "../judging/outcome";
import type { PackState } from "../settings/pack-state";
import { policyMetadata } from "./policy-metadata";
import { rawProps } from "./props";
import {
  reportFindings,
  resourceVerdict,
  type ResourceSubject,
  type ResourceVerdict,
} from "./stack-findings";
import { guardSettings } from "../settings/guard-settings";
import { overTemplates } from "./template-policies";
import { UNKNOWN } from "../facts/values";

/** A CrossGuard resource policy that runs one key-reference rule on one family's resources. */
export function keyReferencePolicy(
  family: ResourceFamily,
  rule: Rule<KeyReferenceInput>,
  state: PackState,
): ResourceValidationPolicy {
  const evaluate = keyReferenceEvaluator(family, rule, state);
  return {
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
}

/**
 * Said with every "not determinable yet" about a key that is unknown during preview: the
 * stack policies judge the key behind it at preview, through the stack's property dependencies.
 */
const TRACED_AT_PREVIEW =
  " If the key is created in this stack, the cmk-key-* stack policies judge it at preview through the stack's property dependencies; this check runs once the value is known.";

/** The rule's evaluation on one resource, without reporting (the guard-settings policy re-runs it). */
export function keyReferenceEvaluator(
  family: ResourceFamily,
  rule: Rule<KeyReferenceInput>,
  state: PackState,
): (subject: ResourceSubject) => ResourceVerdict {
  return overTemplates(state, (subject) => {
    const type = guardedType(subject.type);
    if (type === undefined || familyOf(subject.type) !== family) return { findings: [] };
    const input = keyReferenceInput(
      family,
      type,
      subject.props,
      subject.providerProps,
      state.stackConfig,
      state.environmentRegion,
    );
    const verdict = resourceVerdict(rule, type.displayName, subject, evaluateSafely(rule, input));
    if (verdict.skipped === undefined || input.key !== UNKNOWN) return verdict;
    return { ...verdict, skipped: verdict.skipped + TRACED_AT_PREVIEW };
  });
}
