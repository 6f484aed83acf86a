/**
 * The rule's one use of the judging layer, through the audit's translation (same policies,
 * levels, settings and exemptions as the pack), configured from the pack config in the
 * function's environment.
 */
import { auditVerdict } from "../cli/audit/run";
import { createAuditVerdicts } from "../cli/audit/verdicts";
import type { AuditedResource } from "../cli/audit/inventory";
import { failureText, type KeyVerification } from "../policy-pack/aws/kms-facts";
import { packConfigEntries } from "../cli/sources/pack-config-file";
import { UnusableInputError } from "../cli/errors";
import type { ResourceReport } from "../cli/report/report";
import { packConfigProblems } from "../policy-pack/judging/config-problems";
import packManifest from "../policy-pack/package.json";
import type { Verdict } from "./evaluations";

/** The environment variable holding the pack config (the JSON of `--policy-pack-config`), if any. */
export const PACK_CONFIG_VARIABLE = "BEDROCK_CMK_GUARD_PACK_CONFIG";

export interface JudgedResource {
  readonly report: ResourceReport;
  readonly verdict: Verdict;
  /** Why the resource's key could not be read from AWS KMS, when it could not. */
  readonly unreadKey?: string;
}

export interface DetectionJudge {
  /** What to ask AWS KMS about the resource's key, if it names one KMS can be asked about. */
  keyToRead(resource: AuditedResource): { reference: string; region: string } | undefined;
  judge(resource: AuditedResource, key: KeyVerification | undefined): JudgedResource;
}

/** Throws {@link UnusableInputError} when the pack config is not one the pack would accept. */
export function createDetectionJudge(configText: string | undefined): DetectionJudge {
  const where = `environment variable ${PACK_CONFIG_VARIABLE}`;
  let config;
  if (configText !== undefined && configText.trim() !== "") {
    let document: unknown;
    try {
      document = JSON.parse(configText);
    } catch (error) {
      throw new UnusableInputError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    config = packConfigEntries(document, where);
    const problems = packConfigProblems(config);
    if (problems.length > 0) throw new UnusableInputError(`${where}: ${problems.join("; ")}`);
  }
  const verdicts = createAuditVerdicts(packManifest.version, config, where);
  return {
    keyToRead: (resource) => verdicts.keyToRead(resource),
    judge(resource, key) {
      const report = verdicts.judge(resource, key);
      const verdict = auditVerdict(report);
      return key?.kind === "failed"
        ? { report, verdict, unreadKey: failureText(key.failure) }
        : { report, verdict };
    },
  };
}
