/**
 * The stack policy that sees, at preview, that a guarded resource's unknown key reference comes
 * from a KMS alias (through the property dependencies the engine sends AnalyzeStack), where the
 * resource policies only see an unknown value. Reads the dependencies directly; key tracing is
 * not involved.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { familyOf, guardedType } from "../catalog/bedrock-resources";
import type { StackResource } from "../facts/key-tracing";
import { kmsAliasType, kmsKeyType } from "../catalog/kms-types";
import { violationMessage } from "../judging/messages";
import { keyApplicability } from "../rules/cmk-applicability";
import { cmkKeyAliasSource } from "../rules/cmk-key-alias-source";
import { readPath, UNKNOWN } from "../facts/values";
import { evaluateSafely } from "../judging/outcome";
import type { PackState } from "../settings/pack-state";
import { policyMetadata } from "./policy-metadata";
import {
  reportFindings,
  resourceRef,
  stackResource,
  type Finding,
  type StackVerdict,
} from "./stack-findings";
import type { GuardPolicy } from "./stack-policies";
import { guardSettings } from "../settings/guard-settings";

export function aliasSourceStackPolicy(state: PackState): GuardPolicy<StackValidationPolicy> {
  const rule = cmkKeyAliasSource;
  const evaluate = (resources: readonly StackResource[]): StackVerdict => {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const findings: Finding[] = [];
    for (const resource of resources) {
      const type = guardedType(resource.type);
      const family = familyOf(resource.type);
      if (type === undefined || family === undefined) continue;
      const key = readPath(resource.props, type.keyProperty);
      const applies = keyApplicability({ family, type, key, props: resource.props, region: undefined });
      if (applies.kind !== "applies") continue;
      const sources = (resource.propertyDependencies[type.keyProperty[0]] ?? [])
        .map((urn) => byUrn.get(urn))
        .filter((source) => source !== undefined);
      const aliases = sources.filter((s) => kmsAliasType(s.type) !== undefined);
      const outcome = evaluateSafely(rule, {
        family,
        type,
        keyKnown: key !== UNKNOWN,
        aliases: aliases.map((a) => a.name),
        fromKey: sources.some((s) => kmsKeyType(s.type) !== undefined),
      });
      if (outcome.kind !== "non-compliant") continue;
      findings.push({
        message: violationMessage(
          rule,
          { displayName: type.displayName, name: resource.name },
          outcome.problem,
          outcome.fix,
        ),
        urn: resource.urn,
        about: [resource, ...aliases].map(resourceRef),
      });
    }
    return { findings, pending: [] };
  };
  const policy: StackValidationPolicy = {
    ...policyMetadata(rule),
    validateStack: (args, reportViolation) => {
      const verdict = evaluate(args.resources.map(stackResource));
      reportFindings(rule.id, verdict.findings, guardSettings(state).exemptions, reportViolation);
    },
  };
  return { policy, evaluator: { stack: evaluate } };
}
