/**
 * "Unknown is never a pass", enforced once for every front end. At preview a verdict that needs a
 * value not known yet is deferred to `up` and said so (a pending note). When values are final
 * (`pulumi up`, `pulumi policy analyze`, a stack file, a live audit, the AWS Config rule), the
 * same gap means the guard cannot vouch for the resource: every pending item of a policy that
 * blocks (mandatory or remediate) becomes one `cmk-unverifiable` finding on its resource, which
 * blocks by default. Pending items that another policy already reports (a key outside the stack:
 * `cmk-key-verifiable`) add nothing.
 */
import type { RuleMetadata } from "../rules/rule";
import type { Finding, Judgment, Pending } from "./judgment";

/** Whether the values a judgment reads can still change (preview) or are what AWS gets (final). */
export type ValueMode = "preview" | "final";

/** A policy's enforcement level, as Pulumi's pack config spells it. */
export type PolicyLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export const cmkUnverifiable: RuleMetadata = {
  id: "cmk-unverifiable",
  title: "Values that decide a mandatory policy are known once values are final",
  rationale:
    "When values are final (pulumi up, pulumi policy analyze, a stack file, a live account), a value the guard cannot read could hide a missing or unfit key: the guard cannot vouch for the resource, so it does not pass it.",
  fix: "Give the guard the value: name the key by its key ARN or use a key of this stack, export a stack with `pulumi stack export --show-secrets` when the key reference is a secret, or allow the audit to read the resource and its key; to accept the gap, exempt the resource for cmk-unverifiable with a reason.",
  severity: "high",
  defaultLevel: "mandatory",
};

/** A policy's level, the pack config's or else its default. */
export type LevelOf = (policy: string) => PolicyLevel;

export function blocks(level: PolicyLevel): boolean {
  return level === "mandatory" || level === "remediate";
}

/** The judgment as the mode makes it: at final, blocking pending items become findings. */
export function enforceFinalValues(judgment: Judgment, mode: ValueMode, levelOf: LevelOf): Judgment {
  if (mode === "preview" || judgment.pending.length === 0) return judgment;
  const unverified = new Map<string, Pending[]>();
  const pending: Pending[] = [];
  for (const item of judgment.pending) {
    if (item.reportedBy !== undefined || !blocks(levelOf(item.policy))) {
      pending.push(item);
      continue;
    }
    const group = unverified.get(item.urn);
    if (group === undefined) unverified.set(item.urn, [item]);
    else group.push(item);
  }
  if (unverified.size === 0) return judgment;
  const findings: Finding[] = [...judgment.findings];
  for (const [urn, items] of unverified) findings.push(unverifiableFinding(urn, items));
  return { ...judgment, findings, pending };
}

function unverifiableFinding(urn: string, items: readonly Pending[]): Finding {
  const policies = [...new Set(items.map((i) => i.policy))];
  const reasons = [...new Set(items.map((i) => `${i.policy}: ${i.reason}`))];
  const subject = items[0]!.subject;
  const message =
    `${subject}: NOT VERIFIED: values are final here, yet ${policies.join(", ")} could not be judged (${reasons.join("; ")}).\n` +
    `Why: ${cmkUnverifiable.rationale}\nFix: ${cmkUnverifiable.fix}`;
  const about = new Map(items.flatMap((i) => i.about).map((ref) => [ref.urn, ref]));
  return { policy: cmkUnverifiable.id, message, urn, about: [...about.values()] };
}
