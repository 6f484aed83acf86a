/**
 * The `guard-settings` policy: it holds the pack-wide settings (trustedKeys, exemptions) in the
 * standard pack config, and it is where exempted findings are reported, at its own level
 * (advisory): "EXEMPTED until <date>: <reason>" followed by the original finding. The policy that
 * found them stays silent about them (see stack-findings.ts), so nothing is dropped and nothing
 * exempted blocks. It also reports, once per stack, the configuration's warnings (a trustedKeys
 * pattern that covers a whole account): Configure cannot answer with a warning, and a finding is
 * what Pulumi Cloud keeps.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { exemptedMessage, exemptionFor, matchesResource, type Exemption } from "../settings/exemptions";
import type { Finding, PolicyEvaluator } from "./stack-findings";
import { stackResources } from "./stack-findings";
import { templateResourceRefs } from "./template-policies";
import { hostUrnOf } from "../facts/cloudformation/template-resources";
import type { PackState } from "../settings/pack-state";
import { GUARD_SETTINGS_POLICY, guardSettings } from "../settings/guard-settings";
import { rawProps } from "./props";

export function guardSettingsPolicy(
  state: PackState,
  evaluators: ReadonlyMap<string, PolicyEvaluator>,
): ResourceValidationPolicy & StackValidationPolicy {
  /** Reports the findings of the exempted policies that an active exemption covers. */
  const reportExempted = (
    policies: ReadonlySet<string>,
    exemptions: readonly Exemption[],
    findingsOf: (evaluator: PolicyEvaluator) => readonly Finding[] | undefined,
    report: (message: string, urn: string) => void,
  ) => {
    const now = Date.now();
    for (const policy of policies) {
      const evaluator = evaluators.get(policy);
      const findings = evaluator === undefined ? undefined : findingsOf(evaluator);
      for (const finding of findings ?? []) {
        const status = exemptionFor(exemptions, policy, finding.about, now);
        if (status.kind === "active")
          report(exemptedMessage(status.exemption, policy, finding.message), finding.urn);
      }
    }
  };
  const active = (now: number) => guardSettings(state).exemptions.filter((e) => now < e.endsAt);

  return {
    name: GUARD_SETTINGS_POLICY,
    displayName: "bedrock-cmk-guard settings and exempted findings",
    description:
      "Holds the pack-wide settings (trustedKeys: keys outside the stack accepted as customer-managed; exemptions: accepted findings on one named resource, with a reason and an expiry date at most maxExemptionDays ahead) and reports every exempted finding, as EXEMPTED, at this policy's level, and the configuration's warnings. Keep it advisory.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps:
      "Fix the exempted finding before its exemption expires, or renew the exemption in guard-settings.exemptions with a reason.",
    tags: ["bedrock", "kms", "exemptions"],
    validateResource: (args, reportViolation) => {
      const exemptions = active(Date.now());
      if (exemptions.length === 0) return;
      const subject = { type: args.type, name: args.name, urn: args.urn, props: rawProps(args.props) };
      // A CloudFormation stack's findings may be about its template's resources too.
      const resources = [{ urn: args.urn, name: args.name }, ...templateResourceRefs(subject)];
      const policies = new Set(
        exemptions.filter((e) => resources.some((r) => matchesResource(e, r))).flatMap((e) => e.policies),
      );
      if (policies.size === 0) return;
      reportExempted(
        policies,
        exemptions,
        (e) => e.resource?.(subject).findings,
        (message) => reportViolation(message),
      );
    },
    validateStack: async (args, reportViolation) => {
      for (const warning of guardSettings(state).warnings) reportViolation(`Pack configuration: ${warning}`);
      const exemptions = active(Date.now());
      const policies = new Set(
        exemptions.flatMap((e) => e.policies).filter((p) => evaluators.get(p)?.stack !== undefined),
      );
      if (policies.size === 0) return;
      const resources = stackResources(args.resources);
      await Promise.all([...policies].map((p) => evaluators.get(p)?.prepare?.(resources)));
      reportExempted(
        policies,
        exemptions,
        (e) => e.stack?.(resources).findings,
        (message, urn) => reportViolation(message, hostUrnOf(urn)),
      );
    },
  };
}
