import type { ResourceFamily } from "../catalog/bedrock-resources";
import type { Rule } from "./rule";
import { cmkKeyForm } from "./cmk-key-form";
import { cmkRegion } from "./cmk-region";
import { cmkRequired } from "./cmk-required";
import type { KeyReferenceInput } from "./key-reference-input";
import { deletionWindowFixes, keyDeletionWindow } from "./key-deletion-window";
import { keyEnabled } from "./key-enabled";
import type { KeyFitnessInput, KeyRemediation, KeyRuleScope } from "./key-fitness-input";
import { keyLockoutCheck, lockoutFixes } from "./key-lockout-check";
import { keyManualRotation } from "./key-manual-rotation";
import { keyPolicyPublic } from "./key-policy-public";
import { keyRotation, rotationFixes } from "./key-rotation";
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
  /** What Pulumi's `remediate` level may do about a key the rule finds non-compliant. */
  readonly remediation: KeyRemediation;
}

/** The key fitness rules, in reporting order, for the key behind a resource or for every key. */
export function keyFitnessRules(scope: KeyRuleScope): KeyFitnessRule[] {
  return [
    {
      rule: keySymmetric(scope),
      judgesKeyPolicies: false,
      remediation: manual("KMS cannot change a key's spec or usage: only a new key can fix it"),
    },
    {
      rule: keyEnabled(scope),
      judgesKeyPolicies: false,
      remediation: manual("a key may have been disabled on purpose (e.g. after a compromise)"),
    },
    {
      rule: keyRotation(scope),
      limit: "rotation",
      judgesKeyPolicies: false,
      remediation: { kind: "automatic", fixes: rotationFixes },
    },
    {
      rule: keyManualRotation(scope),
      judgesKeyPolicies: false,
      remediation: manual("rotating imported key material means creating a new key"),
    },
    {
      rule: keyDeletionWindow(scope),
      limit: "deletion-window",
      judgesKeyPolicies: false,
      remediation: { kind: "automatic", fixes: deletionWindowFixes },
    },
    {
      rule: keyLockoutCheck(scope),
      judgesKeyPolicies: true,
      remediation: { kind: "automatic", fixes: lockoutFixes },
    },
    {
      rule: keyPolicyPublic(scope),
      judgesKeyPolicies: true,
      remediation: manual("rewriting a key policy could cut off the principals that need the key"),
    },
  ];
}

function manual(reason: string): KeyRemediation {
  return { kind: "manual", reason: `no automatic fix is safe: ${reason}` };
}
