import type { ResourceFamily } from "../catalog";
import type { Rule } from "../rule";
import { cmkKeyForm } from "./cmk-key-form";
import { cmkRegion } from "./cmk-region";
import { cmkRequired } from "./cmk-required";
import type { KeyReferenceInput } from "./key-reference-input";
import { keyDeletionWindow } from "./key-deletion-window";
import { keyEnabled } from "./key-enabled";
import type { KeyFitnessInput, KeyRuleScope } from "./key-fitness-input";
import { keyLockoutCheck } from "./key-lockout-check";
import { keyManualRotation } from "./key-manual-rotation";
import { keyPolicyPublic } from "./key-policy-public";
import { keyRotation } from "./key-rotation";
import { keySymmetric } from "./key-symmetric";

/** The rules every guarded resource's key reference must pass, in reporting order. */
export function keyReferenceRules(family: ResourceFamily): Rule<KeyReferenceInput>[] {
  return [cmkRequired(family), cmkKeyForm(family), cmkRegion(family)];
}

/** A key fitness rule with what its policy needs beyond the rule. */
export interface KeyFitnessRule {
  readonly rule: Rule<KeyFitnessInput>;
  /** The configurable limit the rule reads, if any (its policy then takes that setting). */
  readonly limit?: "rotation" | "deletion-window";
  /** Whether a standalone key policy resource (aws:kms/keyPolicy:KeyPolicy) is judged on its own too. */
  readonly judgesKeyPolicies: boolean;
}

/** The key fitness rules, in reporting order, for the key behind a resource or for every key. */
export function keyFitnessRules(scope: KeyRuleScope): KeyFitnessRule[] {
  return [
    { rule: keySymmetric(scope), judgesKeyPolicies: false },
    { rule: keyEnabled(scope), judgesKeyPolicies: false },
    { rule: keyRotation(scope), limit: "rotation", judgesKeyPolicies: false },
    { rule: keyManualRotation(scope), judgesKeyPolicies: false },
    { rule: keyDeletionWindow(scope), limit: "deletion-window", judgesKeyPolicies: false },
    { rule: keyLockoutCheck(scope), judgesKeyPolicies: true },
    { rule: keyPolicyPublic(scope), judgesKeyPolicies: true },
  ];
}
