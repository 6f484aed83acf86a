/**
 * Exemptions applied to findings, once for every front end: a finding under an active exemption
 * is set aside (reported as EXEMPTED by the guard-settings policy, advisory, so nothing is dropped
 * and nothing exempted blocks); a finding whose exemption has expired says so.
 */
import { exemptedMessage, exemptionFor, expiredNote, type Exemption } from "../settings/exemptions";
import type { Finding } from "./judgment";

export interface ExemptionSort {
  /** Findings to report under their own policy (an expired exemption noted in the message). */
  readonly reported: readonly Finding[];
  /** Findings an active exemption covers, worded as the guard-settings policy reports them. */
  readonly exempted: readonly Finding[];
}

export function sortByExemption(
  findings: readonly Finding[],
  exemptions: readonly Exemption[],
  now = Date.now(),
): ExemptionSort {
  if (exemptions.length === 0) return { reported: findings, exempted: [] };
  const reported: Finding[] = [];
  const exempted: Finding[] = [];
  for (const finding of findings) {
    const status = exemptionFor(exemptions, finding.policy, finding.about, now);
    if (status.kind === "active")
      exempted.push({
        ...finding,
        message: exemptedMessage(status.exemption, finding.policy, finding.message),
      });
    else if (status.kind === "expired")
      reported.push({ ...finding, message: finding.message + expiredNote(status.exemption) });
    else reported.push(finding);
  }
  return { reported, exempted };
}
