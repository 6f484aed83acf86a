import { compliant, nonCompliant, notApplicable, undetermined, type Rule } from "./rule";
import {
  booleanFact,
  KEY_FITNESS_WHY,
  numberFact,
  pendingReason,
  propertyOf,
  stringFact,
  type KeyFactFix,
  type KeyFitnessInput,
  type KeyRuleScope,
} from "./key-fitness-input";

/** Automatic rotation on, at least as often as the configured maximum period. */
export function keyRotation(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-rotation`,
    title: `${scope.subject} must rotate automatically, at least as often as configured`,
    rationale: `${KEY_FITNESS_WHY} Automatic rotation limits how much data one key version protects and how long a leaked version stays useful; KMS keeps old versions, so nothing needs re-encrypting.`,
    fix: "Turn automatic rotation on (`enableKeyRotation: true`) and keep `rotationPeriodInDays` within the configured maximum (the sample stack's WorkspaceKey component does both).",
    severity: "medium",
    defaultLevel: scope.defaultLevel,
    evaluate(input) {
      const origin = input.facts.origin;
      if (origin === "external" || origin === "custom-key-store") {
        return notApplicable(
          "KMS cannot rotate this key automatically (imported key material or a custom key store); the -manual-rotation policy reports it.",
        );
      }
      const spec = stringFact(input.facts.spec);
      if (spec.state === "known" && spec.value !== "SYMMETRIC_DEFAULT") {
        return notApplicable(
          "KMS rotates only symmetric encryption keys automatically; the -symmetric policy reports this key.",
        );
      }
      const enabledProperty = propertyOf(input, "rotationEnabled");
      const enabled = booleanFact(input.facts.rotationEnabled);
      if (enabled.state === "wrong-type")
        return nonCompliant(`${enabledProperty} is not a boolean.`, `Set ${enabledProperty} to true.`);
      if (enabled.state === "known" && !enabled.value) {
        return nonCompliant(
          `automatic key rotation is off (${enabledProperty} is false or not set; it defaults to false).`,
          `Set ${enabledProperty} to true.`,
        );
      }
      if (enabled.state === "unknown" || enabled.state === "on-primary")
        return undetermined(pendingReason(input, "rotationEnabled", enabled.state));
      if (enabled.state === "absent") return undetermined("nothing states whether automatic rotation is on.");

      const max = input.limits.maxRotationPeriodDays;
      const periodProperty = propertyOf(input, "rotationPeriodDays");
      const period = numberFact(input.facts.rotationPeriodDays);
      switch (period.state) {
        case "known":
          return period.value <= max
            ? compliant
            : nonCompliant(
                `the rotation period (${periodProperty}) is longer than the configured maximum of ${max} days.`,
                `Set ${periodProperty} to at most ${max} (KMS accepts 90-2560 days).`,
              );
        case "wrong-type":
          return nonCompliant(
            `${periodProperty} is not a number of days.`,
            `Set ${periodProperty} to at most ${max}.`,
          );
        case "absent":
          return undetermined("nothing states the rotation period.");
        default:
          return undetermined(pendingReason(input, "rotationPeriodDays", period.state));
      }
    },
  };
}

/**
 * Rotation on, and the period brought within the maximum: KMS keeps every old key version, so
 * nothing encrypted before becomes unreadable.
 */
export function rotationFixes(input: KeyFitnessInput): KeyFactFix[] {
  const fixes: KeyFactFix[] = [];
  const enabled = booleanFact(input.facts.rotationEnabled);
  if (enabled.state === "known" && !enabled.value) fixes.push({ fact: "rotationEnabled", value: true });
  const period = numberFact(input.facts.rotationPeriodDays);
  const max = input.limits.maxRotationPeriodDays;
  if (period.state === "known" && period.value > max) fixes.push({ fact: "rotationPeriodDays", value: max });
  return fixes;
}
