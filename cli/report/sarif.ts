/**
 * The report as SARIF 2.1.0, the format GitHub code scanning ingests (github/codeql-action/upload-sarif).
 * One rule per policy of the pack (with its remediation as help); one result per finding, carrying
 * the policy (ruleId), the level (mandatory: error, advisory: warning), the resource URN (or, for
 * an audit, its ARN) as a logical location, the input file as a physical location when there is
 * one (an audit has none: no file is invented), and the fix. What could not be read makes the
 * invocation unsuccessful, each item an error notification.
 */
import { createHash } from "crypto";
import type * as sarif from "sarif";
import type { Level } from "../engine/pack-client";
import {
  AWS_UNREADABLE_CHECK,
  UNREADABLE_KEY_CHECK,
  type Finding,
  type PolicyDescription,
  type Report,
} from "./report";

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
  /** The file results point at, relative to the repository root when possible; none for an audit. */
  readonly artifact: string | undefined;
  /** The line of a resource in that file. */
  lineOf(urn: string): number;
}

export function toSarif(report: Report, options: SarifOptions): sarif.Log {
  const policies = report.pack.policies;
  const ruleIndex = new Map(policies.map((policy, index) => [policy.name, index]));
  const uri = options.artifact?.split("\\").join("/");

  const result = (finding: Finding, urn: string | undefined, name: string): sarif.Result => ({
    ruleId: finding.policy,
    ...(ruleIndex.has(finding.policy) ? { ruleIndex: ruleIndex.get(finding.policy) } : {}),
    level: sarifLevel(finding.level),
    message: { text: finding.message },
    locations: [
      {
        ...(uri === undefined
          ? {}
          : {
              physicalLocation: {
                artifactLocation: { uri },
                region: { startLine: urn === undefined ? 1 : options.lineOf(urn) },
              },
            }),
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
  const notRead = report.resources.flatMap((resource) =>
    resource.findings
      .filter((f) => f.policy === AWS_UNREADABLE_CHECK || f.policy === UNREADABLE_KEY_CHECK)
      .map((f): sarif.Notification => ({
        level: "error",
        message: { text: f.message },
        locations: [{ logicalLocations: [{ fullyQualifiedName: resource.urn, kind: "resource" }] }],
      })),
  );
  const incomplete = (report.coverage ?? []).filter((entry) => entry.status === "incomplete");
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
            // Successful only when everything asked for was read: results alone would look clean.
            executionSuccessful: notRead.length === 0 && incomplete.length === 0,
            toolExecutionNotifications: [
              ...notRead,
              ...incomplete.flatMap((entry) =>
                entry.notes.map((text): sarif.Notification => ({
                  level: "error",
                  message: { text },
                  locations: [
                    {
                      logicalLocations: [
                        {
                          fullyQualifiedName: [entry.account, entry.region].filter(Boolean).join("/"),
                          kind: "namespace",
                        },
                      ],
                    },
                  ],
                })),
              ),
              // The coverage notes are among the warnings too: each is said once, as an error.
              ...report.warnings
                .filter(
                  (text) => !incomplete.some((entry) => entry.notes.some((note) => text.endsWith(note))),
                )
                .map((text): sarif.Notification => ({ level: "warning", message: { text } })),
            ],
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
