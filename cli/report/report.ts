/**
 * What a run found, independent of how it is printed: every resource with the pack's findings,
 * the pack's policies (for SARIF rules), and the verdict. The text, JSON and SARIF formats only
 * render this.
 */
import type { Level } from "../engine/pack-client";
import type { SourceKind } from "../sources/pack-input";
import { isPlainObject } from "../../policy-pack/facts/values";

export const REPORT_VERSION = 1;

export interface PolicyDescription {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  /** The policy's remediation, as the pack declares it (PolicyInfo.remediationSteps). */
  readonly remediationSteps: string;
  /** The level the pack declares (before any --config). */
  readonly enforcementLevel: Level;
  readonly severity: "low" | "medium" | "high" | "critical" | "unspecified";
  readonly tags: readonly string[];
  /** Defaults of the policy's settings, from its config schema. */
  readonly configDefaults: Record<string, unknown>;
}

export interface PackDescription {
  readonly name: string;
  readonly version: string;
  readonly policies: readonly PolicyDescription[];
}

export interface Finding {
  readonly policy: string;
  readonly level: Level;
  readonly message: string;
  /** The precise fix: the message's `Fix:` line, else the policy's remediation steps. */
  readonly fix: string;
  /**
   * Resource policies run per resource (Analyze); stack policies over the whole stack
   * (AnalyzeStack); `input` findings come from reading the input (what the pack could not be shown).
   */
  readonly stage: "resource" | "stack" | "input";
}

export interface SkippedCheck {
  readonly policy: string;
  readonly reason: string;
}

/** A policy at the `remediate` level rewrote these inputs (names only: values may be secret). */
export interface RemediationRecord {
  readonly policy: string;
  readonly properties: readonly string[];
}

export interface ResourceReport {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Present when policies at the `remediate` level rewrote the inputs that were then analyzed. */
  readonly remediations?: readonly RemediationRecord[];
  readonly findings: readonly Finding[];
  /** Policies that had nothing to judge, with the pack's reason (e.g. a value unknown at preview). */
  readonly skipped: readonly SkippedCheck[];
}

export interface Summary {
  readonly resources: number;
  readonly mandatory: number;
  readonly advisory: number;
  readonly skipped: number;
  /** Guarded key references the input hid (a secret the file does not hold): not judged. */
  readonly unverified: number;
  /**
   * "blocked" when at least one mandatory violation (exit 1); else "not-verified" when a guarded key
   * reference, a resource or (audit) a listing, region or account could not be read (exit 4): a
   * gate must not say PASSED about what it never saw. Always agrees with the exit code.
   */
  readonly verdict: "passed" | "blocked" | "not-verified";
}

export interface Report {
  readonly reportVersion: typeof REPORT_VERSION;
  readonly command: "preview" | "check" | "audit";
  readonly sourceKind: SourceKind;
  readonly source: string;
  readonly project: string;
  readonly stack: string;
  readonly pack: PackDescription;
  readonly resources: readonly ResourceReport[];
  /** Stack-policy findings that name no resource of the input. */
  readonly stackFindings: readonly Finding[];
  readonly warnings: readonly string[];
  /** `audit` only: each account × region read, skipped or incomplete (and why). */
  readonly coverage?: readonly CoverageEntry[];
  readonly summary: Summary;
}

/** The check that reports a key reference the input hid (see PackInput.unreadableKeyReferences). */
export const UNREADABLE_KEY_CHECK = "key-reference-unreadable";
/** The audit's check for a resource, or its key, whose facts AWS did not give (cli/audit/run.ts). */
export const AWS_UNREADABLE_CHECK = "aws-facts-unreadable";
/** The pack's policy for a decisive value it could not read when values are final. */
export const UNVERIFIABLE_POLICY = "cmk-unverifiable";
/** The pack's policy for a key outside the stack that neither AWS KMS nor trustedKeys vouched for. */
export const UNVERIFIED_KEY_POLICY = "cmk-key-verifiable";
/** The pack's not-verified policies: they have a level, and an advisory one stops nothing. */
const NOT_VERIFIED_POLICIES = new Set([UNVERIFIABLE_POLICY, UNVERIFIED_KEY_POLICY]);
const NOT_VERIFIED_CHECKS = new Set([UNREADABLE_KEY_CHECK, AWS_UNREADABLE_CHECK, ...NOT_VERIFIED_POLICIES]);

/** A finding that says something was not verified (exit 4), rather than found wrong (exit 1). */
export function isUnverified(finding: Finding): boolean {
  return NOT_VERIFIED_CHECKS.has(finding.policy);
}

/**
 * Whether the finding makes the verdict NOT VERIFIED: every not-verified check does, except one of
 * the pack's not-verified policies configured not to stop anything (advisory): reported, not counted.
 */
export function makesUnverified(finding: Finding): boolean {
  return isUnverified(finding) && (!NOT_VERIFIED_POLICIES.has(finding.policy) || blocks(finding.level));
}

/** One account and region of an audit: `incomplete` means some of it could not be read (exit 4). */
export interface CoverageEntry {
  readonly account: string;
  /** Absent when the whole account could not be reached (e.g. its role could not be assumed). */
  readonly region?: string;
  readonly status: "read" | "incomplete" | "skipped";
  readonly resources: number;
  readonly notes: readonly string[];
}

/** Mandatory and remediate both stop an update; the engine treats remediate as mandatory here. */
export function blocks(level: Level): boolean {
  return level === "mandatory" || level === "remediate";
}

/** `incomplete`: something was not read that no finding names (an audit's listing or region). */
export function summarise(
  resources: readonly ResourceReport[],
  stackFindings: readonly Finding[],
  incomplete = false,
): Summary {
  const findings = [...resources.flatMap((r) => r.findings), ...stackFindings];
  const mandatory = findings.filter((f) => blocks(f.level) && !isUnverified(f)).length;
  const unverified = findings.filter(makesUnverified).length;
  return {
    resources: resources.length,
    mandatory,
    advisory: findings.filter((f) => f.level === "advisory").length,
    skipped: resources.reduce((count, r) => count + r.skipped.length, 0),
    unverified,
    verdict: mandatory > 0 ? "blocked" : unverified > 0 || incomplete ? "not-verified" : "passed",
  };
}

/** Every violation message of this pack ends with `Fix: <the exact fix>`. */
export function fixOf(message: string): string | undefined {
  const line = message.split("\n").find((l) => l.startsWith("Fix: "));
  return line?.slice("Fix: ".length);
}

/** The defaults a policy's config schema declares for its settings. */
export function schemaDefaults(properties: unknown): Record<string, unknown> {
  if (!isPlainObject(properties)) return {};
  const defaults: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    if (isPlainObject(schema) && "default" in schema) defaults[key] = schema.default;
  }
  return defaults;
}
