/**
 * The report as SARIF 2.1.0, the format GitHub code scanning ingests (github/codeql-action/upload-sarif).
 * One rule per policy of the pack (with its remediation as help); one result per finding, carrying
 * the policy (ruleId), the level (mandatory: error, advisory: warning), the resource URN as a
 * logical location, the input file as a physical location, and the fix.
 */
import { createHash } from "crypto";
import type * as sarif from "sarif";
import type { Level } from "../engine/pack-client";
import type { Finding, PolicyDescription, Report } from "./report";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** GitHub's numeric scale for `security-severity` (critical >= 9, high >= 7, medium >= 4). */
const SECURITY_SEVERITY: Record<PolicyDescription["severity"], string | undefined> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  unspecified: undefined,
};

export interface SarifOptions {
  readonly toolVersion: string;
  /** The file results point at, relative to the repository root when possible. */
  readonly artifact: string;
  /** The line of a resource in that file. */
  lineOf(urn: string): number;
}

export function toSarif(report: Report, options: SarifOptions): sarif.Log {
  const policies = report.pack.policies;
  const ruleIndex = new Map(policies.map((policy, index) => [policy.name, index]));
  const uri = options.artifact.split("\\").join("/");

  const result = (finding: Finding, urn: string | undefined, name: string): sarif.Result => ({
    ruleId: finding.policy,
    ...(ruleIndex.has(finding.policy) ? { ruleIndex: ruleIndex.get(finding.policy) } : {}),
    level: sarifLevel(finding.level),
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri },
          region: { startLine: urn === undefined ? 1 : options.lineOf(urn) },
        },
        logicalLocations: [
          urn === undefined
            ? { name, fullyQualifiedName: name, kind: "module" }
            : { name, fullyQualifiedName: urn, kind: "resource" },
        ],
      },
    ],
    partialFingerprints: { "policyAndResource/v1": fingerprint(finding.policy, urn ?? name) },
    properties: { fix: finding.fix, enforcementLevel: finding.level, stage: finding.stage },
  });

  const stackName = `${report.project}/${report.stack}`;
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "bedrock-cmk-guard",
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            rules: policies.map(rule),
            properties: { policyPack: report.pack.name, policyPackVersion: report.pack.version },
          },
        },
        // Lets code scanning keep one analysis per stack when several stacks upload.
        automationDetails: { id: `bedrock-cmk-guard/${stackName}/` },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.warnings.map((text) => ({
              level: "warning",
              message: { text },
            })),
          },
        ],
        results: [
          ...report.resources.flatMap((resource) =>
            resource.findings.map((finding) => result(finding, resource.urn, resource.name)),
          ),
          ...report.stackFindings.map((finding) => result(finding, undefined, stackName)),
        ],
      },
    ],
  };
}

function rule(policy: PolicyDescription): sarif.ReportingDescriptor {
  const securitySeverity = SECURITY_SEVERITY[policy.severity];
  return {
    id: policy.name,
    name: policy.displayName,
    shortDescription: { text: policy.displayName },
    fullDescription: { text: policy.description || policy.displayName },
    help: { text: `Fix: ${policy.remediationSteps}` },
    defaultConfiguration: {
      level: sarifLevel(policy.enforcementLevel),
      enabled: policy.enforcementLevel !== "disabled",
    },
    properties: {
      tags: ["security", ...policy.tags],
      precision: "high",
      ...(securitySeverity === undefined ? {} : { "security-severity": securitySeverity }),
    },
  };
}

function sarifLevel(level: Level): sarif.ReportingConfiguration.level {
  switch (level) {
    case "mandatory":
    case "remediate":
      return "error";
    case "advisory":
      return "warning";
    case "disabled":
      return "none";
  }
}

function fingerprint(policy: string, subject: string): string {
  return createHash("sha256").update(`${policy}\u0000${subject}`).digest("hex");
}

export function formatSarif(report: Report, options: SarifOptions): string {
  return JSON.stringify(toSarif(report, options), null, 2) + "\n";
}
