import type { ResourceValidationPolicy } from "@pulumi/policy";
import { familyOf, guardedType, type ResourceFamily } from "../catalog";
import type { Rule } from "../rule";
import { keyReferenceInput, type KeyReferenceInput } from "../rules/key-reference-input";
import { deliverOutcome, evaluateSafely } from "./outcome";
import type { PackState } from "./pack-state";
import { policyMetadata } from "./policy-metadata";
import { rawProps } from "./props";

/** A CrossGuard resource policy that runs one key-reference rule on one family's resources. */
export function keyReferencePolicy(
  family: ResourceFamily,
  rule: Rule<KeyReferenceInput>,
  state: PackState,
): ResourceValidationPolicy {
  return {
    ...policyMetadata(rule),
    validateResource: (args, reportViolation) => {
      const type = guardedType(args.type);
      if (type === undefined || familyOf(args.type) !== family) return;
      const input = keyReferenceInput(family, type, rawProps(args.props), rawProps(args.provider?.props), state.stackConfig);
      deliverOutcome(rule, { displayName: type.displayName, name: args.name }, evaluateSafely(rule, input), {
        violation: (message) => reportViolation(message),
        skipped: (reason) => args.notApplicable(reason),
      });
    },
  };
}
