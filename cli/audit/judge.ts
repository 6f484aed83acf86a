/**
 * The audit's one translation from what AWS says to the pack's rules, and from their outcomes to
 * the report `check` prints: each audited resource goes through its family's key-reference rules
 * (as the pack's resource policies run them) and, when its key was read from AWS KMS, through
 * `cmk-key-customer-managed` and the key fitness rules (as the pack's stack policies run them on
 * a key), with the same policy names, the levels and settings of the pack config (validated by the
 * pack's own parser), and exemptions applied as the guard-settings policy applies them.
 */
import { classifyKeyReference } from "../../policy-pack/facts/key-reference";
import { readPath } from "../../policy-pack/facts/values";
import type { OutsideKeyReference } from "../../policy-pack/facts/key-tracing";
import {
  InvalidConfigError,
  parsePackConfig,
  type RawPolicyConfig,
} from "../../policy-pack/settings/pack-config";
import { exemptedMessage, exemptionFor, expiredNote } from "../../policy-pack/settings/exemptions";
import { violationMessage } from "../../policy-pack/judging/messages";
import { type Rule, type RuleMetadata, type RuleOutcome } from "../../policy-pack/rules/rule";
import { keyFitnessRules, keyReferenceRules } from "../../policy-pack/rules";
import { workspaceKeyBedrockTag } from "../../policy-pack/rules/workspace-key-bedrock-tag";
import { cmkKeyCustomerManaged } from "../../policy-pack/rules/cmk-key-customer-managed";
import {
  CONSUMED_KEY_SCOPE,
  DEFAULT_LIMITS,
  type KeyFitnessInput,
  type KeyFitnessLimits,
} from "../../policy-pack/rules/key-fitness-input";
import { cmkKeyVerifiable } from "../../policy-pack/rules/cmk-key-verifiable";
import { keyReferenceInput } from "../../policy-pack/rules/key-reference-input";
import { buildGuard } from "../../policy-pack/crossguard/guard";
import { evaluateSafely } from "../../policy-pack/judging/outcome";
import { createPackState } from "../../policy-pack/settings/pack-state";
import { limitsOf } from "../../policy-pack/crossguard/stack-guard";
import { GUARD_SETTINGS_POLICY, guardSettings } from "../../policy-pack/settings/guard-settings";
import { KMS_API_KEY_SOURCE, type KeyVerification } from "../../policy-pack/aws/kms-facts";
import type { Level } from "../engine/pack-client";
import { UnusableInputError } from "../errors";
import { reconcile, type PackConfigFile } from "../sources/pack-config-file";
import type {
  Finding,
  PackDescription,
  PolicyDescription,
  ResourceReport,
  SkippedCheck,
} from "../report/report";
import type { AuditedResource } from "./inventory";

/** The key a resource names, in a form AWS KMS can be asked about, and where to ask. */
export interface KeyToRead {
  readonly reference: string;
  readonly region: string;
  readonly parsed: OutsideKeyReference;
}

/** What the audit asks KMS about a resource's key: nothing when the reference rules already judge it. */
export function keyToRead(resource: AuditedResource): KeyToRead | undefined {
  const value = readPath(resource.props, resource.type.keyProperty);
  const parsed = classifyKeyReference(value);
  if (typeof value !== "string") return undefined;
  if (parsed.form === "key-arn") return { reference: value, region: parsed.region, parsed };
  if (parsed.form === "customer-alias")
    return { reference: value, region: parsed.region ?? resource.region, parsed };
  if (parsed.form === "key-id") return { reference: value, region: resource.region, parsed };
  return undefined;
}

export interface AuditJudge {
  readonly pack: PackDescription;
  judge(resource: AuditedResource, key: KeyVerification | undefined): ResourceReport;
}

interface RawFinding {
  readonly rule: RuleMetadata;
  readonly message: string;
  readonly fix: string;
}

const PACK_NAME = "bedrock-cmk-guard";

export function createAuditJudge(
  packVersion: string,
  packConfig?: PackConfigFile,
  configFile?: string,
): AuditJudge {
  const state = createPackState({});
  const guard = buildGuard(state);
  const policies: PolicyDescription[] = guard.policies.map((policy) => ({
    name: policy.name,
    displayName: policy.displayName ?? policy.name,
    description: policy.description ?? "",
    remediationSteps: policy.remediationSteps ?? "",
    enforcementLevel: (policy.enforcementLevel ?? "advisory") as Level,
    severity: policy.severity ?? "unspecified",
    tags: policy.tags ?? [],
    configDefaults: schemaDefaults(policy.configSchema?.properties),
  }));
  // The Configure request the engine would send, validated and parsed exactly as the pack does.
  const configured = reconcile(policies, packConfig ?? new Map());
  const raw = new Map<string, RawPolicyConfig>(
    Object.entries(configured).map(([name, spec]) => [
      name,
      { enforcementLevel: spec.enforcementLevel, properties: spec.properties ?? {} },
    ]),
  );
  try {
    state.settings = parsePackConfig(raw, guard.settings);
  } catch (error) {
    if (error instanceof InvalidConfigError)
      throw new UnusableInputError(`--config ${configFile}: ${error.message}`);
    throw error;
  }
  const levelOf = (policy: string): Level =>
    configured[policy]?.enforcementLevel ??
    policies.find((p) => p.name === policy)?.enforcementLevel ??
    "mandatory";
  const fitness = keyFitnessRules(CONSUMED_KEY_SCOPE).map((rule) => ({
    rule: rule.rule,
    limits: limitsOf(rule, state).limits,
  }));
  const keyRules: { rule: Rule<KeyFitnessInput>; limits: () => KeyFitnessLimits }[] = [
    ...fitness,
    { rule: workspaceKeyBedrockTag, limits: () => DEFAULT_LIMITS },
  ];

  const judge = (resource: AuditedResource, key: KeyVerification | undefined): ResourceReport => {
    const subject = { displayName: resource.type.displayName, name: resource.name };
    const found: RawFinding[] = [];
    const skipped: SkippedCheck[] = [];
    const deliver = (rule: RuleMetadata, outcome: RuleOutcome, prefix = "") => {
      const metadata =
        rule.compliance === undefined
          ? { ...rule, compliance: resource.family.compliance, risk: resource.family.risk }
          : rule;
      if (outcome.kind === "non-compliant") {
        const fix = outcome.fix ?? rule.fix;
        found.push({
          rule,
          message: violationMessage(metadata, subject, prefix + outcome.problem, fix),
          fix,
        });
      } else if (outcome.kind !== "compliant") {
        skipped.push({ policy: rule.id, reason: outcome.reason });
      }
    };
    const referenceInput = keyReferenceInput(resource.family, resource.type, resource.props, undefined, {});
    for (const rule of keyReferenceRules(resource.family))
      deliver(rule, evaluateSafely(rule, referenceInput));

    const toRead = keyToRead(resource);
    if (toRead !== undefined && key !== undefined) {
      const { trustedKeys } = guardSettings(state);
      const verification =
        key.kind === "verified"
          ? { kind: "verified" as const }
          : { kind: "failed" as const, failure: key.failure };
      deliver(
        cmkKeyVerifiable,
        evaluateSafely(cmkKeyVerifiable, {
          family: resource.family,
          type: resource.type,
          reference: toRead.parsed,
          trustedKeys,
          verification,
        }),
      );
      const label = `its KMS key ${toRead.reference} (as AWS KMS reports it): `;
      // DescribeKey alone answers cmk-key-customer-managed, even when a later call failed.
      const description = key.kind === "verified" ? key.key.description : key.described;
      if (description !== undefined) {
        deliver(
          cmkKeyCustomerManaged,
          evaluateSafely(cmkKeyCustomerManaged, { keyManager: description.keyManager }),
          label,
        );
      }
      for (const { rule, limits } of keyRules) {
        if (key.kind !== "verified") {
          skipped.push({
            policy: rule.id,
            reason: "the key could not be read from AWS KMS (see cmk-key-verifiable)",
          });
          continue;
        }
        const input: KeyFitnessInput = {
          facts: key.key.facts,
          keyType: KMS_API_KEY_SOURCE,
          limits: limits(),
          consumer: { family: resource.family, props: resource.props },
        };
        deliver(rule, evaluateSafely(rule, input), label);
      }
    }

    const { exemptions } = guardSettings(state);
    const about = [{ urn: resource.arn, name: resource.name }];
    const now = Date.now();
    const findings: Finding[] = [];
    for (const raw of found) {
      const status = exemptions.length === 0 ? undefined : exemptionFor(exemptions, raw.rule.id, about, now);
      const [policy, message] =
        status?.kind === "active"
          ? [GUARD_SETTINGS_POLICY, exemptedMessage(status.exemption, raw.rule.id, raw.message)]
          : [
              raw.rule.id,
              status?.kind === "expired" ? raw.message + expiredNote(status.exemption) : raw.message,
            ];
      const level = levelOf(policy);
      if (level === "disabled") continue;
      findings.push({ policy, level, message, fix: raw.fix, stage: "resource" });
    }
    return { urn: resource.arn, type: resource.type.token, name: resource.name, findings, skipped };
  };

  return { pack: { name: PACK_NAME, version: packVersion, policies }, judge };
}

function schemaDefaults(properties: Record<string, unknown> | undefined): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties ?? {})) {
    if (typeof schema === "object" && schema !== null && "default" in schema)
      defaults[key] = (schema as { default: unknown }).default;
  }
  return defaults;
}
