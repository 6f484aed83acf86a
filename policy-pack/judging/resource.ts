/**
 * One resource judged on its own properties (the engine's Analyze): a guarded resource's key
 * reference (the family's `-cmk-required`, `-cmk-key-arn`/`-cmk-key-form` and `-cmk-region`
 * rules), a KMS key's or key policy's hygiene (`kms-key-*`), a template host's readability
 * (`cmk-template-*`), and the resources of an inline CloudFormation template, each judged the same
 * way and reported on the host. The final-values invariant applies to the result.
 */
import { familyOf, guardedType } from "../catalog/bedrock-resources";
import {
  keyPolicyFacts,
  kmsKeyPolicyType,
  kmsKeyType,
  ON_PRIMARY,
  type KeyFacts,
} from "../catalog/kms-types";
import {
  inspectTemplate,
  templateHostType,
  type TemplateInspection,
} from "../facts/cloudformation/template-resources";
import type { StackResource } from "../facts/key-tracing";
import { resolveRegion } from "../facts/region";
import { UNKNOWN, UNKNOWN_SENTINEL } from "../facts/values";
import { keyReferenceRules } from "../rules";
import { templateInspectable } from "../rules/cmk-template-inspectable";
import { templateReadable } from "../rules/cmk-template-readable";
import type { KeyFitnessInput } from "../rules/key-fitness-input";
import { keyReferenceInput } from "../rules/key-reference-input";
import type { Rule, RuleMetadata, RuleOutcome } from "../rules/rule";
import type { ResourceRef } from "../settings/exemptions";
import type { PackState } from "../settings/pack-state";
import { cmkUnverifiable, enforceFinalValues } from "./final-values";
import { JudgmentBuilder, type IndexedJudgment, type Judgment } from "./judgment";
import { KMS_HYGIENE_RULES } from "./kms-hygiene-rules";
import { levelOf } from "./levels";
import { violationMessage } from "./messages";
import { evaluateSafely } from "./outcome";

/** One resource as the engine's Analyze shows it. */
export interface ResourceSubject {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: unknown;
  readonly providerProps?: unknown;
  /** A template resource's key reference form (StackResource.keyForm). */
  readonly keyForm?: unknown;
}

/**
 * Said with every "not determinable yet" about a key that is unknown during preview: the
 * stack policies judge the key behind it at preview, through the stack's property dependencies.
 */
const TRACED_AT_PREVIEW =
  " If the key is created in this stack, the cmk-key-* stack policies judge it at preview through the stack's property dependencies; this check runs once the value is known.";

/** A standalone key policy contributes only its document and lockout flag; nothing else is its to judge. */
const KEY_POLICY_ONLY: Omit<KeyFacts, "policy" | "bypassLockout"> = {
  usage: undefined,
  spec: undefined,
  enabled: undefined,
  rotationEnabled: undefined,
  rotationPeriodDays: undefined,
  deletionWindowDays: undefined,
  tags: { kind: "map", tags: {}, complete: true },
  multiRegion: undefined,
  origin: ON_PRIMARY,
  primaryKeyArn: undefined,
  arn: undefined,
  keyId: undefined,
};

/** What a KMS hygiene rule reads about a key or a standalone key policy, or undefined for any other resource. */
export function hygieneInput(
  subject: ResourceSubject,
  rule: (typeof KMS_HYGIENE_RULES)[number],
  state: PackState,
): { input: KeyFitnessInput; displayName: string } | undefined {
  const keyType = kmsKeyType(subject.type);
  if (keyType !== undefined) {
    return {
      input: { facts: keyType.normalise(subject.props), keyType, limits: rule.limits(state) },
      displayName: keyType.displayName,
    };
  }
  const keyPolicyType = rule.judgesKeyPolicies ? kmsKeyPolicyType(subject.type) : undefined;
  if (keyPolicyType === undefined) return undefined;
  const facts = { ...KEY_POLICY_ONLY, ...keyPolicyFacts(keyPolicyType, subject.props) };
  const factProperties = {
    policy: keyPolicyType.policyProperty,
    bypassLockout: keyPolicyType.bypassLockoutProperty,
  };
  return {
    input: { facts, keyType: { role: "key", factProperties }, limits: rule.limits(state) },
    displayName: keyPolicyType.displayName,
  };
}

/** Adds one rule's outcome on one resource to a judgment. */
function deliver(
  builder: JudgmentBuilder,
  rule: RuleMetadata,
  subject: ResourceSubject,
  displayName: string,
  outcome: RuleOutcome,
  pending: { suffix?: string; reportedBy?: string } = {},
): void {
  const about = [{ urn: subject.urn, name: subject.name }];
  switch (outcome.kind) {
    case "compliant":
      return;
    case "non-compliant":
      builder.findings.push({
        policy: rule.id,
        message: violationMessage(rule, { displayName, name: subject.name }, outcome.problem, outcome.fix),
        urn: subject.urn,
        about,
      });
      return;
    case "not-applicable":
      builder.notApplicable.push({ policy: rule.id, urn: subject.urn, reason: outcome.reason });
      return;
    case "undetermined":
      builder.pending.push({
        policy: rule.id,
        urn: subject.urn,
        subject: `${displayName} '${subject.name}'`,
        reason: outcome.reason + (pending.suffix ?? ""),
        about,
        ...(pending.reportedBy === undefined ? {} : { reportedBy: pending.reportedBy }),
      });
  }
}

/** The rules that read this resource alone, without looking into templates. */
function judgeOwnProperties(subject: ResourceSubject, state: PackState, builder: JudgmentBuilder): void {
  const type = guardedType(subject.type);
  const family = familyOf(subject.type);
  if (type !== undefined && family !== undefined) {
    const input = keyReferenceInput(
      family,
      type,
      subject.props,
      subject.providerProps,
      state.stackConfig,
      state.environmentRegion,
      subject.keyForm,
    );
    // An unknown key reference is the stack's to settle: traced to a key of the stack, or else
    // NOT VERIFIED when values are final (judgeResourceKey), so nothing is reported twice.
    const pending =
      input.key === UNKNOWN ? { suffix: TRACED_AT_PREVIEW, reportedBy: cmkUnverifiable.id } : {};
    for (const rule of keyReferenceRules(family))
      deliver(builder, rule, subject, type.displayName, evaluateSafely(rule, input), pending);
  }
  for (const rule of KMS_HYGIENE_RULES) {
    const judged = hygieneInput(subject, rule, state);
    if (judged !== undefined)
      deliver(builder, rule.rule, subject, judged.displayName, evaluateSafely(rule.rule, judged.input));
  }
}

const TEMPLATE_RULES: readonly Rule<TemplateInspection>[] = [templateReadable, templateInspectable];

/** A template host's template resources, judged like any resource and reported on the host. */
function judgeTemplate(subject: ResourceSubject, state: PackState, builder: JudgmentBuilder): void {
  const host = templateHostType(subject.type);
  if (host === undefined) return;
  const inspection = inspectTemplate(hostResource(subject), state);
  if (inspection === undefined) return;
  for (const rule of TEMPLATE_RULES)
    deliver(builder, rule, subject, host.displayName, evaluateSafely(rule, inspection));
  const region = resolveRegion(
    host,
    subject.props,
    subject.providerProps,
    state.stackConfig,
    state.environmentRegion,
  );
  const providerProps =
    region === UNKNOWN ? { region: UNKNOWN_SENTINEL } : region === undefined ? {} : { region };
  const hostRef = { urn: subject.urn, name: subject.name };
  for (const resource of inspection.resources) {
    const inner = new JudgmentBuilder();
    judgeOwnProperties({ ...resource, providerProps }, state, inner);
    for (const finding of inner.findings)
      builder.findings.push({ ...finding, urn: subject.urn, about: [...finding.about, hostRef] });
    for (const item of inner.pending)
      builder.pending.push({ ...item, urn: subject.urn, about: [...item.about, hostRef] });
    for (const item of inner.notApplicable)
      builder.notApplicable.push({ ...item, urn: subject.urn, reason: `${resource.name}: ${item.reason}` });
  }
}

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

/** Names an exemption may use for a host's template resources (`<stack name>/<logical id>`). */
export function templateResourceRefs(subject: ResourceSubject, state: PackState): ResourceRef[] {
  if (templateHostType(subject.type) === undefined) return [];
  return (inspectTemplate(hostResource(subject), state)?.resources ?? []).map((r) => ({
    urn: r.urn,
    name: r.name,
  }));
}

/** Every resource-level verdict on one resource, before the final-values invariant. */
export function resourceVerdicts(subject: ResourceSubject, state: PackState): Judgment {
  const builder = new JudgmentBuilder();
  judgeOwnProperties(subject, state, builder);
  judgeTemplate(subject, state, builder);
  return builder;
}

/** Every resource-level verdict on one resource, under the pack's settings and value mode. */
export function judgeResource(subject: ResourceSubject, state: PackState): IndexedJudgment {
  return new JudgmentBuilder()
    .add(enforceFinalValues(resourceVerdicts(subject, state), state.mode, levelOf(state)))
    .build();
}
