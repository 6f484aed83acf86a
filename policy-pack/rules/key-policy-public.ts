import { analyseKeyPolicy } from "../key-policy";
import { compliant, nonCompliant, undetermined, type Rule } from "../rule";
import { KEY_FITNESS_WHY, propertyOf, type KeyFitnessInput, type KeyRuleScope } from "./key-fitness-input";

/** The key policy must not let every principal use or manage the key. */
export function keyPolicyPublic(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-policy-public`,
    title: `${scope.subject} must not grant access to every principal`,
    rationale: `${KEY_FITNESS_WHY} A key policy statement that allows \`*\` (or {"AWS": "*"}, or uses NotPrincipal) without a condition naming your account or organization (aws:PrincipalAccount, aws:PrincipalOrgID, kms:CallerAccount, aws:SourceAccount, ...) lets any AWS account use the key. A policy that cannot be parsed cannot be verified and is treated as a violation.`,
    fix: 'Grant the key to named principals only (the account root as administrator, the resource\'s roles as users), or add a condition such as `StringEquals: { "kms:CallerAccount": "<account-id>" }` to the statement. Build the document with aws.iam.getPolicyDocument rather than by string concatenation.',
    severity: "critical",
    defaultLevel: scope.defaultLevel,
    evaluate(input) {
      const property = propertyOf(input, "policy");
      const verdict = analyseKeyPolicy(input.facts.policy);
      switch (verdict.kind) {
        case "default":
        case "restricted":
          return compliant;
        case "unknown":
          return undetermined(
            `the key policy (${property}) is not known until the resources it names exist.`,
          );
        case "not-json":
          return nonCompliant(
            `the key policy (${property}) is not valid JSON, so nobody can verify who it grants the key to.`,
          );
        case "invalid":
          return nonCompliant(
            `the key policy (${property}) is not a valid policy document${verdict.paths.length > 0 ? ` (problems at ${verdict.paths.join(", ")})` : ""}.`,
          );
        case "public":
          return nonCompliant(
            `the key policy (${property}) allows every principal without a narrowing condition in ${verdict.statements.join(", ")}.`,
          );
      }
    },
  };
}
