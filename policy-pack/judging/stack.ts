/**
 * A whole stack judged in one pass: the key behind every guarded resource (traced once, with the
 * evidence the injected outside-key source has), where a key reference comes from (an alias), and
 * the run-wide finding for keys that could not be verified for want of credentials. The final-values
 * invariant applies to the result. The CrossGuard stack policies each report their share of it.
 */
import { familyOf, guardedType } from "../catalog/bedrock-resources";
import { KEY_USER_ROLE_PROPERTIES } from "../catalog/key-users";
import { kmsAliasType, kmsKeyType } from "../catalog/kms-types";
import { countBlueprintConfigurations } from "../facts/blueprint-configurations";
import { indexRoles } from "../facts/role-policies";
import { traceStack, type GuardedResourceTrace, type StackResource } from "../facts/key-tracing";
import { readPath, UNKNOWN } from "../facts/values";
import { failureText } from "../aws/kms-facts";
import { keyApplicability } from "../rules/cmk-applicability";
import { cmkKeyAliasSource } from "../rules/cmk-key-alias-source";
import { cmkKeyVerifiable } from "../rules/cmk-key-verifiable";
import type { PackState } from "../settings/pack-state";
import { enforceFinalValues } from "./final-values";
import { isWithoutCredentials, judgeResourceKey, type GuardedResourceFacts } from "./guarded-resource";
import { JudgmentBuilder, type IndexedJudgment, type Judgment } from "./judgment";
import { levelOf } from "./levels";
import { violationMessage } from "./messages";
import { evaluateSafely } from "./outcome";
import type { OutsideKeyStatus } from "./outside-keys";

/** What is known about keys outside the stack (the pack's AWS verifier, the audit's reads). */
export interface OutsideKeyEvidence {
  status(trace: GuardedResourceTrace): OutsideKeyStatus;
}

export const NO_OUTSIDE_KEY_EVIDENCE: OutsideKeyEvidence = { status: () => ({ kind: "off" }) };

/** Resources named in a run-wide finding before "and N more". */
const NAMES_LISTED = 5;

/**
 * Judges the keys of the guarded resources given (their facts already gathered), with the run-wide
 * finding for keys not verified for want of credentials, before the final-values invariant.
 */
export function keyVerdicts(facts: readonly GuardedResourceFacts[], state: PackState): Judgment {
  const builder = new JudgmentBuilder();
  const withoutCredentials: { facts: GuardedResourceFacts; text: string }[] = [];
  for (const resource of facts) {
    builder.add(judgeResourceKey(resource, state));
    const status = resource.outsideKey;
    if (status?.kind === "failed" && isWithoutCredentials(status))
      withoutCredentials.push({ facts: resource, text: failureText(status.failure) });
  }
  if (withoutCredentials.length > 0) {
    const names = withoutCredentials.map(({ facts }) => `'${facts.trace.resource.name}'`);
    const listed =
      names.length > NAMES_LISTED
        ? `${names.slice(0, NAMES_LISTED).join(", ")} and ${names.length - NAMES_LISTED} more`
        : names.join(", ");
    builder.findings.push({
      policy: cmkKeyVerifiable.id,
      message: violationMessage(
        cmkKeyVerifiable,
        { displayName: "Keys outside this stack", name: "AWS KMS verification" },
        `none of the keys outside this stack could be verified, ${withoutCredentials[0]!.text} Not verified: the keys of ${listed}.`,
        "Run with AWS credentials allowed kms:DescribeKey, kms:GetKeyRotationStatus, kms:GetKeyPolicy and kms:ListResourceTags on these keys, or turn guard-settings.verifyKeysWithAws off.",
      ),
      // One finding for the run, on the stack rather than on each resource.
      urn: "",
      about: withoutCredentials.map(({ facts }) => ({
        urn: facts.trace.resource.urn,
        name: facts.trace.resource.name,
      })),
    });
  }
  return builder;
}

/** A stack's traces, computed once per stack and shared by everything that judges it. */
export interface TracedStack {
  readonly resources: readonly StackResource[];
  readonly traces: readonly GuardedResourceTrace[];
}

export function traceResources(resources: readonly StackResource[], state: PackState): TracedStack {
  return { resources, traces: traceStack(resources, state.stackConfig, state.environmentRegion) };
}

/** Every stack-level verdict on one stack. */
export function judgeStack(
  stack: TracedStack,
  state: PackState,
  outsideKeys: OutsideKeyEvidence,
): IndexedJudgment {
  const blueprints = countBlueprintConfigurations(stack.resources);
  const roles = indexRoles(stack.resources);
  const builder = new JudgmentBuilder();
  builder.add(
    keyVerdicts(
      stack.traces.map((trace) => ({
        trace,
        ...(trace.trace.kind === "outside" ? { outsideKey: outsideKeys.status(trace) } : {}),
        blueprintConfigurations: blueprints(trace.resource),
        roles: roles(trace.resource, KEY_USER_ROLE_PROPERTIES),
      })),
      state,
    ),
  );
  builder.add(judgeAliasSources(stack.resources));
  return new JudgmentBuilder().add(enforceFinalValues(builder, state.mode, levelOf(state))).build();
}

/**
 * `cmk-key-alias-source`: at preview, a guarded resource's unknown key reference that comes from a
 * KMS alias (through the property dependencies the engine sends), where the resource policies only
 * see an unknown value.
 */
function judgeAliasSources(resources: readonly StackResource[]): Judgment {
  const rule = cmkKeyAliasSource;
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const builder = new JudgmentBuilder();
  for (const resource of resources) {
    const type = guardedType(resource.type);
    const family = familyOf(resource.type);
    if (type === undefined || family === undefined) continue;
    const key = readPath(resource.props, type.keyProperty);
    const applies = keyApplicability({ family, type, key, props: resource.props, region: undefined });
    if (applies.kind !== "applies") continue;
    const sources = (resource.propertyDependencies[type.keyProperty[0]!] ?? [])
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
    builder.findings.push({
      policy: rule.id,
      message: violationMessage(
        rule,
        { displayName: type.displayName, name: resource.name },
        outcome.problem,
        outcome.fix,
      ),
      urn: resource.urn,
      about: [resource, ...aliases].map((r) => ({ urn: r.urn, name: r.name })),
    });
  }
  return builder;
}
