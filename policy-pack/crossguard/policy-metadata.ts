import type { Policy } from "@pulumi/policy";
import { policyDescription } from "../judging/policy-description";
import type { RuleMetadata } from "../rules/rule";

/** What the engine and Pulumi Cloud show about a policy, taken from its rule. */
export function policyMetadata(rule: RuleMetadata): Policy {
  return policyDescription(rule);
}
