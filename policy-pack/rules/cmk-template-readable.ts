import type { TemplateInspection } from "../facts/cloudformation/template-resources";
import { compliant, nonCompliant, undetermined, type Rule } from "./rule";

/**
 * An inline CloudFormation template or Cloud Control state the guard cannot read could create any
 * Bedrock resource with any key: it fails closed, like any value present but not understood.
 */
export const templateReadable: Rule<TemplateInspection> = {
  id: "cmk-template-readable",
  title: "Inline CloudFormation templates and Cloud Control states must be readable by the guard",
  rationale:
    "Bedrock resources created through CloudFormation (`templateBody`) or Cloud Control (`desiredState`) are judged " +
    "by the same policies as the stack's own; a template the guard cannot read could hide one without a " +
    "customer-managed key.",
  fix:
    "Make the template valid JSON or YAML with a `Resources` mapping whose entries each have a `Type` " +
    "(docs/cloudformation.md lists what is read), or create the resources with @pulumi/aws or @pulumi/aws-native.",
  severity: "high",
  defaultLevel: "mandatory",
  evaluate(input) {
    if (input.unreadable.length > 0)
      return nonCompliant(`The template cannot be read: ${input.unreadable.join("; ")}.`);
    if (input.pending.length > 0) return undetermined(`${input.pending.join("; ")}.`);
    return compliant;
  },
};
