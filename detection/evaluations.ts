/**
 * From verdicts to AWS Config evaluations. Each judged resource is evaluated under its
 * CloudFormation type with its ARN as resource id (the id `audit` reports as the resource's urn,
 * so a finding in AWS Config names the same resource as the audit's report and its
 * `--emit-stack-config` file). The account itself (`AWS::::Account`) carries what could not be
 * read in the region: AWS Config takes no INSUFFICIENT_DATA from a custom rule, so an unread
 * scope is NON_COMPLIANT with the reason, and COMPLIANT again once everything was read.
 */
import type { Evaluation } from "@aws-sdk/client-config-service";
import { READERS } from "../cli/audit/inventory";
import { blocks, isUnverified, type ResourceReport } from "../cli/report/report";

/** AWS Config's limit on an evaluation's annotation. */
export const ANNOTATION_LIMIT = 256;

export const ACCOUNT_RESOURCE_TYPE = "AWS::::Account";

/** The CloudFormation type of each resource the audit's readers return (kept with each reader). */
export const CONFIG_RESOURCE_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
  READERS.map((reader) => [reader.token, reader.cloudFormationType]),
);

export type Verdict = "compliant" | "non-compliant" | "unverified";

/** Shortens text to AWS Config's limit, marking the cut. */
export function annotation(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= ANNOTATION_LIMIT ? flat : `${flat.slice(0, ANNOTATION_LIMIT - 1)}…`;
}

/**
 * The annotation of a resource judged not compliant: the first blocking policy and its fix (the
 * person reading AWS Config's console needs the fix more than the full message, which `audit`
 * prints), and how many more policies failed. An unverified resource says why its key could not
 * be read (which permission, or which failure).
 */
function reason(report: ResourceReport, verdict: Verdict, unreadKey: string | undefined): string {
  const blocking = report.findings.filter((f) => blocks(f.level) && !isUnverified(f));
  if (verdict === "non-compliant" && blocking.length > 0) {
    const [first] = blocking;
    const more = blocking.length > 1 ? ` (+${blocking.length - 1} more)` : "";
    return `${first.policy}${more}: ${first.fix}`;
  }
  return `not verified (cmk-key-verifiable): ${unreadKey ?? "the resource's KMS key could not be read from AWS KMS."}`;
}

export function resourceEvaluation(
  report: ResourceReport,
  verdict: Verdict,
  orderingTimestamp: Date,
  unreadKey?: string,
): Evaluation {
  const type = CONFIG_RESOURCE_TYPES[report.type];
  if (type === undefined) throw new Error(`${report.type} has no AWS Config resource type`);
  return {
    ComplianceResourceType: type,
    ComplianceResourceId: report.urn,
    ComplianceType: verdict === "compliant" ? "COMPLIANT" : "NON_COMPLIANT",
    ...(verdict === "compliant"
      ? { Annotation: annotation("every mandatory bedrock-cmk-guard policy passed") }
      : { Annotation: annotation(reason(report, verdict, unreadKey)) }),
    OrderingTimestamp: orderingTimestamp,
  };
}

export function accountEvaluation(
  account: string,
  problems: readonly string[],
  orderingTimestamp: Date,
): Evaluation {
  return {
    ComplianceResourceType: ACCOUNT_RESOURCE_TYPE,
    ComplianceResourceId: account,
    ComplianceType: problems.length === 0 ? "COMPLIANT" : "NON_COMPLIANT",
    Annotation: annotation(
      problems.length === 0
        ? "every Bedrock workspace and data store in the region was read and judged"
        : `not everything was read, fail closed: ${problems.join("; ")}`,
    ),
    OrderingTimestamp: orderingTimestamp,
  };
}

/** A resource evaluated before and no longer returned by AWS: retired as AWS Config expects. */
export function retiredEvaluation(type: string, id: string, orderingTimestamp: Date): Evaluation {
  return {
    ComplianceResourceType: type,
    ComplianceResourceId: id,
    ComplianceType: "NOT_APPLICABLE",
    Annotation: annotation("the resource no longer exists"),
    OrderingTimestamp: orderingTimestamp,
  };
}
