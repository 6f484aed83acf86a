/**
 * The report as a person reads it in a terminal, shaped like `pulumi preview` with a policy pack:
 * the resources with findings (every resource with --verbose), then the pack's violations, then a
 * one-line summary.
 */
import { blocks, type Finding, type Report, type ResourceReport } from "./report";

const SOURCE_NAMES: Record<Report["sourceKind"], string> = {
  program: "program run by Pulumi's Node.js runtime, this tool as the engine, in preview mode",
  "stack-export": "`pulumi stack export`",
  "preview-json": "`pulumi preview --json`",
  "aws-accounts": "resources read from AWS",
};

const VERBS: Record<Report["command"], string> = {
  preview: "Previewing",
  check: "Checking",
  audit: "Auditing",
};

const RESULT_LINES: Record<Report["summary"]["verdict"], string> = {
  blocked:
    "Result: BLOCKED — a mandatory policy is violated; `pulumi up` with this pack would stop (exit 1).",
  "not-verified":
    "Result: NOT VERIFIED — no mandatory violation, but something that decides one could not be " +
    "read, so it was not judged; see the NOT VERIFIED findings' Fix (exit 4).",
  passed: "Result: PASSED — no mandatory violation (exit 0).",
};

export interface TextOptions {
  /** List every resource (not only those with findings) and the checks each policy skipped. */
  readonly verbose: boolean;
}

export function formatText(report: Report, options: TextOptions): string {
  const lines: string[] = [];
  const verb = VERBS[report.command];
  lines.push(
    `${verb} ${report.project}/${report.stack}: ${report.source} (${SOURCE_NAMES[report.sourceKind]})`,
  );
  lines.push(`Policy pack: ${report.pack.name}@v${report.pack.version}`, "");

  // As `pulumi preview` users expect of policy output: what needs attention first; every
  // resource's result (and each skipped check) with --verbose.
  const listed = options.verbose ? report.resources : report.resources.filter(needsAttention);
  const passed = report.resources.length - listed.length;
  lines.push(
    options.verbose
      ? `Resources (${report.resources.length}):`
      : `Resources with findings (${listed.length} of ${report.resources.length}):`,
  );
  const width = Math.max(0, ...listed.map((r) => r.type.length));
  // An audited resource is named by its ARN too (its `urn`): that is how it is found in AWS.
  const showArn = report.command === "audit";
  for (const resource of listed) lines.push(...resourceLines(resource, width, options, showArn));
  if (passed > 0) {
    const which = listed.length === 0 ? plural(passed, "resource") : plural(passed, "other resource");
    lines.push(`  ${which} passed (--verbose lists every resource).`);
  }
  lines.push("");

  const violations = [
    ...report.resources.flatMap((r) =>
      r.findings.map((f) => ({ resource: r as ResourceReport | undefined, f })),
    ),
    ...report.stackFindings.map((f) => ({ resource: undefined, f })),
  ];
  if (violations.length > 0) {
    lines.push("Policy violations:");
    for (const { resource, f } of violations) {
      const subject =
        resource === undefined
          ? "stack"
          : `${resource.type}: ${resource.name}${showArn ? `, ${resource.urn}` : ""}`;
      lines.push(`    [${f.level}]  ${f.policy}  (${subject})`);
      for (const line of f.message.split("\n")) lines.push(`        ${line}`);
    }
    lines.push("");
  }

  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  if (report.warnings.length > 0) lines.push("");

  const { summary } = report;
  const skipped =
    summary.skipped > 0 && !options.verbose ? ` (--verbose lists ${summary.skipped} skipped checks)` : "";
  lines.push(
    `Summary: ${summary.resources} resources, ${plural(summary.mandatory, "mandatory violation")}, ` +
      `${plural(summary.advisory, "advisory finding")}${skipped}.`,
  );
  lines.push(resultLine(report));
  return lines.join("\n") + "\n";
}

function needsAttention(resource: ResourceReport): boolean {
  return resource.findings.length > 0 || (resource.remediations?.length ?? 0) > 0;
}

function resultLine(report: Report): string {
  if (report.command === "audit") {
    const notRead =
      report.summary.unverified > 0 || (report.coverage ?? []).some((entry) => entry.status === "incomplete");
    if (report.summary.verdict === "blocked")
      return `Result: BLOCKED — existing resources violate a mandatory policy (exit 1)${notRead ? "; some resources, listings or keys could not be read (see the warnings and the aws-facts-unreadable findings)" : ""}.`;
    return report.summary.verdict === "not-verified"
      ? "Result: NOT VERIFIED — no mandatory violation in what was read, but not everything could be read: see the warnings and the aws-facts-unreadable findings (exit 4)."
      : "Result: PASSED — no mandatory violation (exit 0).";
  }
  return RESULT_LINES[report.summary.verdict];
}

function resourceLines(
  resource: ResourceReport,
  width: number,
  options: TextOptions,
  showArn: boolean,
): string[] {
  const mark = resource.findings.some((f) => blocks(f.level))
    ? "✗"
    : resource.findings.length > 0
      ? "!"
      : "✓";
  const arn = showArn ? `  ${resource.urn}` : "";
  const lines = [`  ${mark} ${resource.type.padEnd(width)}  ${resource.name}${arn}`];
  for (const remediation of resource.remediations ?? [])
    lines.push(`        remediated by ${remediation.policy}: set ${remediation.properties.join(", ")}`);
  for (const finding of resource.findings) lines.push(`        ${findingHeadline(finding)}`);
  if (options.verbose) {
    for (const skipped of resource.skipped)
      lines.push(`        - skipped ${skipped.policy}: ${skipped.reason}`);
  }
  return lines;
}

function findingHeadline(finding: Finding): string {
  return `${finding.level} ${finding.policy}: ${finding.message.split("\n")[0]}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
