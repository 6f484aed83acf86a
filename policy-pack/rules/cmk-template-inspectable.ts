import type { TemplateInspection } from "../facts/cloudformation/template-resources";
import { compliant, nonCompliant, undetermined, type Rule } from "./rule";

/**
 * What the guard cannot look at, said rather than passed in silence: a template given only by
 * URL (`templateUrl`), a macro (`Transform`) or a module that adds resources at deploy time.
 */
export const templateInspectable: Rule<TemplateInspection> = {
  id: "cmk-template-inspectable",
  title: "CloudFormation templates should be inline so that the guard can inspect them",
  rationale:
    "The guard judges the resources of inline templates only; a template fetched from a URL, or resources that a " +
    "macro or module adds at deploy time, could create a Bedrock resource without a customer-managed key unseen.",
  fix:
    "Pass the template inline (`templateBody`, e.g. read from a file with fs.readFileSync) and avoid macros and " +
    "modules for Bedrock resources, or review those templates yourself and exempt this finding (guard-settings).",
  severity: "medium",
  defaultLevel: "advisory",
  evaluate(input) {
    if (input.uninspected.length > 0) return nonCompliant(`Not inspected: ${input.uninspected.join("; ")}.`);
    if (input.pending.length > 0) return undetermined(`${input.pending.join("; ")}.`);
    return compliant;
  },
};
