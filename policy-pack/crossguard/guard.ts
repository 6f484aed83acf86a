/**
 * The pack's policies as CrossGuard declares them: one per policy of the judging layer (so each
 * keeps its own level and settings in the standard pack config), each reporting its share of the
 * one judgment made per engine request, plus guard-settings, which holds the pack-wide settings
 * and reports exempted findings. Translation only: no rule is applied here.
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { GUARDED_TYPES } from "../catalog/bedrock-resources";
import { KMS_TOKENS } from "../catalog/kms-types";
import { BLUEPRINT_CONFIGURATION_TYPES } from "../catalog/workspace-blueprints";
import { TEMPLATE_HOST_TYPES } from "../facts/cloudformation/template-resources";
import { sortByExemption } from "../judging/exemptions";
import { pendingText, type IndexedJudgment, type Judgment } from "../judging/judgment";
import type { StackResource } from "../facts/key-tracing";
import { KMS_HYGIENE_RULES } from "../judging/kms-hygiene-rules";
import type { CredentialsDetector } from "../aws/credentials";
import type { KmsFactsSourceFactory } from "../judging/outside-keys";
import { outsideKeyVerifier } from "../judging/outside-keys";
import {
  GUARD_SETTINGS_SPEC,
  POLICY_DEFINITIONS,
  POLICY_SETTINGS,
  REMEDIATION_UNAVAILABLE,
  type PolicyDefinition,
} from "../judging/policies";
import { templateResourceRefs, type ResourceSubject } from "../judging/resource";
import { matchesResource } from "../settings/exemptions";
import { GUARD_SETTINGS_DESCRIPTION, guardSettings } from "../settings/guard-settings";
import type { SettingsSpec } from "../settings/pack-config";
import type { PackState } from "../settings/pack-state";
import { hostUrnOf } from "../facts/cloudformation/template-resources";
import { packJudgments, type PackJudgments } from "./judgments";
import { policyMetadata } from "./policy-metadata";
import { subjectOf } from "./props";
import { remediateKey } from "./remediation";

/** Everything the pack entry point and the engine gate need, built once per process. */
export interface Guard {
  /** The pack's level: that of any policy that sets none. */
  readonly enforcementLevel: EnforcementLevel;
  readonly policies: Policies;
  /** Each policy's settings spec (undefined: the policy takes only an enforcement level). */
  readonly settings: ReadonlyMap<string, SettingsSpec<unknown> | undefined>;
  /** Resource types any policy reads; the engine gate answers for all others at once. */
  readonly relevantTypes: ReadonlySet<string>;
  /** Why Pulumi's `remediate` level is refused, for every policy that has no safe automatic fix. */
  readonly remediationUnavailable: ReadonlyMap<string, string>;
  /** Every stack-level verdict on one AnalyzeStack request's resources (judged once per request). */
  judgeStack(resources: readonly StackResource[]): Promise<IndexedJudgment>;
  /**
   * `policies`, with every stack policy reporting its share of `request` (its resources read once
   * and judged once for the whole request) instead of reading the resources it is given.
   */
  reportingStack(request: StackRequest): Policies;
}

/** One AnalyzeStack request as the stack policies read it, each part made when first asked for. */
export interface StackRequest {
  /** The request's resources, as judging reads a resource. */
  resources(): readonly ResourceSubject[];
  /** Every stack-level verdict on them. */
  judgment(): Promise<IndexedJudgment>;
}

/** How a stack policy reports its share of a request (asking only for what it needs). */
type StackReport = (
  request: StackRequest,
  args: StackValidationArgs,
  reportViolation: ReportViolation,
) => Promise<void>;

/** The request @pulumi/policy hands a stack policy, when it runs the policy itself. */
function policyStackRequest(args: StackValidationArgs, judgments: PackJudgments): StackRequest {
  return {
    resources: () => args.resources.map(subjectOf),
    judgment: () => judgments.policyStack(args.resources),
  };
}

/** At most this many pending items are listed in a policy's "not determinable yet" note. */
const PENDING_LISTED = 5;

function pendingNote(judgment: Judgment): string | undefined {
  if (judgment.pending.length === 0) return undefined;
  const texts = judgment.pending.map(pendingText);
  const listed = texts.slice(0, PENDING_LISTED).join("; ");
  const more = texts.length > PENDING_LISTED ? `; and ${texts.length - PENDING_LISTED} more` : "";
  return `not determinable yet: ${listed}${more}`;
}

/**
 * What the engine is told when a resource policy had nothing to judge on the resource it reports
 * on (so the reasons name no subject): pending first, then why the policy did not apply.
 */
function skippedNote(judgment: Required<Judgment>): string | undefined {
  const notes = [
    ...judgment.pending.map((p) => `not determinable yet: ${p.reason}`),
    ...judgment.notApplicable.map((n) => n.reason),
  ];
  return notes.length === 0 ? undefined : notes.join("; ");
}

function crossGuardPolicy(
  definition: PolicyDefinition,
  state: PackState,
  judgments: PackJudgments,
  stackReports: Map<string, StackReport>,
): ResourceValidationPolicy | StackValidationPolicy {
  const name = definition.rule.id;
  const report = (judgment: Required<Judgment>, reportViolation: ReportViolation, onStack: boolean) => {
    const { reported } = sortByExemption(judgment.findings, guardSettings(state).exemptions);
    for (const finding of reported) {
      if (onStack) reportViolation(finding.message, finding.urn === "" ? undefined : hostUrnOf(finding.urn));
      else reportViolation(finding.message);
    }
  };
  const policy: Partial<ResourceValidationPolicy & StackValidationPolicy> = {
    ...policyMetadata(definition.rule),
    ...(definition.settings === undefined
      ? {}
      : { configSchema: definition.settings.schema as PolicyConfigSchema }),
  };
  const onResources = definition.stages.includes("resource");
  const onStack = definition.stages.includes("stack");
  if (onResources) {
    policy.validateResource = (args, reportViolation) => {
      // A recorded state's inputs may lack what its outputs hold: judged on the outputs below.
      if (state.source === "state") return;
      const judgment = judgments.resource(subjectOf(args)).of(name);
      report(judgment, reportViolation, false);
      const skipped = judgment.findings.length === 0 ? skippedNote(judgment) : undefined;
      if (skipped !== undefined) args.notApplicable(skipped);
    };
  }
  const reportStack: StackReport = async (request, args, reportViolation) => {
    const judged: Required<Judgment>[] = [];
    if (onStack) judged.push((await request.judgment()).of(name));
    // A recorded state (`pulumi policy analyze`): every resource on its outputs, what AWS holds.
    if (onResources && state.source === "state")
      judged.push(...request.resources().map((resource) => judgments.resource(resource).of(name)));
    for (const judgment of judged) report(judgment, reportViolation, true);
    const pending = pendingNote({ findings: [], pending: judged.flatMap((j) => j.pending) });
    if (pending !== undefined) args.notApplicable(pending);
  };
  stackReports.set(name, reportStack);
  // Async: @pulumi/policy awaits the promise validateStack returns (server.js, AnalyzeStack).
  policy.validateStack = (args, reportViolation) =>
    reportStack(policyStackRequest(args, judgments), args, reportViolation);
  const hygiene = KMS_HYGIENE_RULES.find((h) => h.rule.id === name);
  if (hygiene?.remediation.kind === "automatic") {
    const remediation = hygiene.remediation;
    policy.remediateResource = (args) => remediateKey(hygiene, remediation, args, state);
  }
  return policy as ResourceValidationPolicy | StackValidationPolicy;
}

/**
 * guard-settings: holds trustedKeys, exemptions, maxExemptionDays and verifyKeysWithAws, and
 * reports every exempted finding (EXEMPTED until <date>: <reason>, then the finding) at its own
 * level (advisory), and the configuration's warnings once per stack (Configure cannot answer with
 * a warning, and a finding is what Pulumi Cloud keeps).
 */
function guardSettingsPolicy(
  state: PackState,
  judgments: PackJudgments,
  stackReports: Map<string, StackReport>,
): ResourceValidationPolicy & StackValidationPolicy {
  const active = () => {
    const now = Date.now();
    return guardSettings(state).exemptions.filter((e) => now < e.endsAt);
  };
  const reportStack: StackReport = async (request, _args, reportViolation) => {
    for (const warning of guardSettings(state).warnings) reportViolation(`Pack configuration: ${warning}`);
    const exemptions = active();
    if (exemptions.length === 0) return;
    const findings = [...(await request.judgment()).findings];
    // A recorded state: the resource verdicts too, made on the outputs (see crossGuardPolicy).
    if (state.source === "state")
      findings.push(...request.resources().flatMap((resource) => judgments.resource(resource).findings));
    const { exempted } = sortByExemption(findings, exemptions);
    for (const finding of exempted)
      reportViolation(finding.message, finding.urn === "" ? undefined : hostUrnOf(finding.urn));
  };
  stackReports.set(GUARD_SETTINGS_DESCRIPTION.name, reportStack);
  return {
    name: GUARD_SETTINGS_DESCRIPTION.name,
    displayName: GUARD_SETTINGS_DESCRIPTION.displayName,
    description: GUARD_SETTINGS_DESCRIPTION.description,
    enforcementLevel: GUARD_SETTINGS_DESCRIPTION.enforcementLevel,
    severity: GUARD_SETTINGS_DESCRIPTION.severity,
    remediationSteps: GUARD_SETTINGS_DESCRIPTION.remediationSteps,
    tags: [...GUARD_SETTINGS_DESCRIPTION.tags],
    validateResource: (args, reportViolation) => {
      const exemptions = active();
      if (exemptions.length === 0 || state.source === "state") return;
      const subject = subjectOf(args);
      // A CloudFormation stack's findings may be about its template's resources too.
      const resources = [{ urn: args.urn, name: args.name }, ...templateResourceRefs(subject, state)];
      if (!exemptions.some((e) => resources.some((r) => matchesResource(e, r)))) return;
      const { exempted } = sortByExemption(judgments.resource(subject).findings, exemptions);
      for (const finding of exempted) reportViolation(finding.message);
    },
    validateStack: (args, reportViolation) =>
      reportStack(policyStackRequest(args, judgments), args, reportViolation),
  };
}

/** `aws`: where keys outside the stack are read from, and whether credentials are at hand (injected). */
export function buildGuard(
  state: PackState,
  aws: { readonly createKmsFacts: KmsFactsSourceFactory; readonly detectCredentials: CredentialsDetector },
): Guard {
  const judgments = packJudgments(
    state,
    outsideKeyVerifier(state, aws.createKmsFacts, aws.detectCredentials),
  );
  const stackReports = new Map<string, StackReport>();
  const guarded = POLICY_DEFINITIONS.map((definition) =>
    crossGuardPolicy(definition, state, judgments, stackReports),
  );
  const settingsPolicy = {
    ...guardSettingsPolicy(state, judgments, stackReports),
    configSchema: GUARD_SETTINGS_SPEC.schema as PolicyConfigSchema,
  };
  const policies: Policies = [...guarded, settingsPolicy].map(withConfigSchema);
  return {
    enforcementLevel: "mandatory",
    policies,
    settings: POLICY_SETTINGS,
    // KMS keys, aliases and key policies: the stack policies trace keys through them. CloudFormation
    // stacks and Cloud Control resources: their templates may declare any of those. Blueprint
    // configurations: whether a domain is used by Bedrock Studio (the EnableBedrock tag).
    relevantTypes: new Set([
      ...GUARDED_TYPES.map((t) => t.token),
      ...KMS_TOKENS,
      ...TEMPLATE_HOST_TYPES.map((t) => t.token),
      ...BLUEPRINT_CONFIGURATION_TYPES.map((t) => t.token),
    ]),
    remediationUnavailable: REMEDIATION_UNAVAILABLE,
    judgeStack: (resources) => judgments.stack(resources),
    reportingStack: (request) =>
      policies.map((policy) => {
        const reportStack = stackReports.get(policy.name);
        if (reportStack === undefined) return policy;
        const validateStack: StackValidationPolicy["validateStack"] = (args, reportViolation) =>
          reportStack(request, args, reportViolation);
        return { ...policy, validateStack };
      }),
  };
}

/**
 * Every policy declares a config schema, an empty one when it takes only a level: Pulumi Cloud then
 * offers each policy's configuration, and `pulumi policy validate-config` knows every policy.
 */
function withConfigSchema<P extends Policies[number]>(policy: P): P {
  return policy.configSchema === undefined ? { ...policy, configSchema: { properties: {} } } : policy;
}
