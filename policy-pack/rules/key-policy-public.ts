import { analyseKeyPolicy, type KeyPolicyVerdict } from "../key-policy/analysis";
import { compliant, nonCompliant, undetermined, type Rule, type RuleOutcome } from "./rule";
import { KEY_FITNESS_WHY, propertyOf, type KeyFitnessInput, type KeyRuleScope } from "./key-fitness-input";

/** The key policy must not let anyone outside the key's account use the key. */
export function keyPolicyPublic(scope: KeyRuleScope): Rule<KeyFitnessInput> {
  return {
    id: `${scope.idPrefix}-policy-public`,
    title: `${scope.subject} must not be usable from outside their account`,
    rationale: `${KEY_FITNESS_WHY} The key policy is evaluated the way IAM evaluates it (Deny statements, policy variables and condition operators included) against requests from outside the key's account: an IAM role of another account, an AWS service acting for another account (AWS KMS takes no anonymous requests). If any of them could decrypt, encrypt, generate data keys, re-encrypt or create grants, the key is public. A policy that KMS would reject, or whose JSON repeats a key, cannot be verified and is a violation.`,
    fix: 'Grant the key to named principals only (the account root as administrator, the resource\'s roles as users), or add a condition such as `StringEquals: { "kms:CallerAccount": "<account-id>" }` (or `aws:SourceAccount` for a service principal) to the statement. Build the document with aws.iam.getPolicyDocument rather than by string concatenation.',
    severity: "critical",
    defaultLevel: scope.defaultLevel,
    evaluate(input) {
      const key = {
        keyArn: typeof input.facts.arn === "string" ? input.facts.arn : undefined,
        now: input.now,
      };
      const sources = [
        { where: `the key policy (${propertyOf(input, "policy")})`, policy: input.facts.policy },
        ...(input.attachedPolicies ?? []).map((attached) => ({
          where: `the key policy set by '${attached.name}'`,
          policy: attached.policy,
        })),
      ];
      const outcomes = sources.map((s) => judge(s.where, analyseKeyPolicy(s.policy, key)));
      const attached = input.attachedPolicies?.length ?? 0;
      if (attached > 1) {
        outcomes.unshift(
          nonCompliant(
            `${attached} key policy resources set this key's policy; KMS keeps whichever is applied last, so the key's policy depends on the order of deployment.`,
            "Keep one aws.kms.KeyPolicy per key (or set the policy on the key itself), and make it grant the key to named principals only.",
          ),
        );
      }
      return combine(outcomes);
    },
  };
}

function judge(where: string, verdict: KeyPolicyVerdict): RuleOutcome {
  switch (verdict.kind) {
    case "default":
    case "restricted":
      return compliant;
    case "unknown":
      return undetermined(`${where} is not known until the resources it names exist.`);
    case "not-json":
      return nonCompliant(`${where} is not valid JSON, so nobody can verify who it grants the key to.`);
    case "duplicate-key":
      return nonCompliant(
        `${where} repeats a JSON key in ${verdict.paths.join(", ")}: readers disagree on which one counts (JSON parsers keep the last), so nobody can verify who it grants the key to.`,
        "Remove the repeated key so that each object has each key once; build the document with aws.iam.getPolicyDocument.",
      );
    case "invalid":
      return nonCompliant(
        `${where} is not a key policy KMS accepts: ${verdict.problems.join("; ")}.`,
        'Give every statement an Effect, a Principal, an Action and `"Resource": "*"`, and use only IAM\'s condition operators; build the document with aws.iam.getPolicyDocument.',
      );
    case "undetermined":
      // Running out of budget is final (the document is known): fail closed now. The other causes
      // are reported as undetermined, with why, for the judging layer to weigh.
      if (verdict.cause === "budget")
        return nonCompliant(
          `${where} could not be verified: ${verdict.reason}, so the guard cannot vouch that it keeps other accounts out.`,
          'Keep other accounts out with a simple condition on the caller\'s account, such as `StringEquals: { "kms:CallerAccount": "<account-id>" }`, rather than many conditions on values the caller chooses.',
        );
      return undetermined(`${where} cannot be judged yet: ${verdict.reason}.`);
    case "public": {
      const others = verdict.otherGrants.map(
        (grant) => ` Also ${grant.statements.join(", ")}: ${grant.caller} (${grant.action}).`,
      );
      return nonCompliant(
        `${where} lets ${verdict.grant.caller} use the key (${verdict.grant.action}), through ${verdict.grant.statements.join(", ")}.${others.join("")}`,
      );
    }
  }
}

/** One outcome for several policies: any violation wins, then anything not known yet. */
function combine(outcomes: readonly RuleOutcome[]): RuleOutcome {
  const violations = outcomes.filter((o) => o.kind === "non-compliant");
  if (violations.length > 0) {
    const fixes = [...new Set(violations.map((v) => v.fix).filter((f) => f !== undefined))];
    return nonCompliant(
      violations.map((v) => v.problem).join(" Also, "),
      fixes.length > 0 ? fixes.join(" ") : undefined,
    );
  }
  return outcomes.find((o) => o.kind === "undetermined") ?? compliant;
}
