/**
 * Pulumi's `remediate` level on the KMS hygiene policies with a safe fix (rotation on, a longer
 * deletion window, the lockout check back): the key's inputs are rewritten before the engine
 * creates or updates it, unless an active exemption covers the finding.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import type { KMS_HYGIENE_RULES } from "../judging/kms-hygiene-rules";
import { evaluateSafely } from "../judging/outcome";
import { hygieneInput } from "../judging/resource";
import { ownProperty, type KeyRemediation } from "../rules/key-fitness-input";
import { exemptionFor } from "../settings/exemptions";
import { guardSettings } from "../settings/guard-settings";
import type { PackState } from "../settings/pack-state";
import { subjectOf } from "./props";

export function remediateKey(
  hygiene: (typeof KMS_HYGIENE_RULES)[number],
  remediation: Extract<KeyRemediation, { kind: "automatic" }>,
  args: ResourceValidationArgs,
  state: PackState,
): Record<string, unknown> | undefined {
  const subject = subjectOf(args);
  const judged = hygieneInput(subject, hygiene, state);
  if (judged === undefined || evaluateSafely(hygiene.rule, judged.input).kind !== "non-compliant")
    return undefined;
  const exempted =
    exemptionFor(guardSettings(state).exemptions, hygiene.rule.id, [subject], Date.now()).kind === "active";
  if (exempted) return undefined;
  const changes = remediation.fixes(judged.input).flatMap((fix) => {
    const property = ownProperty(judged.input, fix.fact);
    return property === undefined ? [] : [{ property, value: fix.value }];
  });
  if (changes.length === 0) return undefined;
  // Written through @pulumi/policy's proxies, which keep secret values secret.
  const props = args.props as Record<string, unknown>;
  for (const change of changes) props[change.property] = change.value;
  return props;
}
