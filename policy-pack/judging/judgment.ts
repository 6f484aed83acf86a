/**
 * What judging returns for a resource or a stack: findings by policy, and what could not be judged
 * yet (pending), each with the policy it belongs to. Every front end reads this one shape: the
 * CrossGuard policies report a policy's share of it, the audit and the AWS Config rule all of it.
 */
import type { ResourceRef } from "../settings/exemptions";

export interface Finding {
  /** The policy (rule id) whose finding it is. */
  readonly policy: string;
  readonly message: string;
  /** The resource it is reported on ("" for a finding about the whole run). */
  readonly urn: string;
  /** The resources an exemption may name to cover it (the resource, its key, ...). */
  readonly about: readonly ResourceRef[];
}

/** A verdict that needs a value not known yet (or a fact not read): never a pass. */
export interface Pending {
  readonly policy: string;
  /** The resource it concerns ("" for the whole run). */
  readonly urn: string;
  /** Whom the finding concerns, for a person at the terminal ("KMS key 'k'", "DataZone domain 'd'"). */
  readonly subject: string;
  /** What of the resource it is about, when not the resource itself ("key 'k'"). */
  readonly detail?: string;
  readonly reason: string;
  /** The resources an exemption may name to cover the finding this becomes when values are final. */
  readonly about: readonly ResourceRef[];
  /**
   * The policy that already reports this resource as not verifiable (`cmk-key-verifiable` for a
   * key outside the stack): the final-values invariant then adds nothing of its own.
   */
  readonly reportedBy?: string;
}

/** A rule that did not concern the resource, and why (the engine shows it as "not applicable"). */
export interface NotApplicable {
  readonly policy: string;
  readonly urn: string;
  readonly reason: string;
}

export interface Judgment {
  readonly findings: readonly Finding[];
  readonly pending: readonly Pending[];
  readonly notApplicable?: readonly NotApplicable[];
}

/** How a pending item reads in a "not determinable yet" note. */
export function pendingText(item: Pending): string {
  return `${item.subject}${item.detail === undefined ? "" : `, ${item.detail}`}: ${item.reason}`;
}

export const NOTHING_TO_JUDGE: Required<Judgment> = { findings: [], pending: [], notApplicable: [] };

/** Collects a judgment, then hands it out indexed by policy (every policy reads its share once). */
export class JudgmentBuilder {
  readonly findings: Finding[] = [];
  readonly pending: Pending[] = [];
  readonly notApplicable: NotApplicable[] = [];

  add(judgment: Judgment): this {
    this.findings.push(...judgment.findings);
    this.pending.push(...judgment.pending);
    this.notApplicable.push(...(judgment.notApplicable ?? []));
    return this;
  }

  build(): IndexedJudgment {
    return new IndexedJudgment(this.findings, this.pending, this.notApplicable);
  }
}

export class IndexedJudgment implements Judgment {
  private readonly byPolicy = new Map<
    string,
    { findings: Finding[]; pending: Pending[]; notApplicable: NotApplicable[] }
  >();

  constructor(
    readonly findings: readonly Finding[],
    readonly pending: readonly Pending[],
    readonly notApplicable: readonly NotApplicable[] = [],
  ) {
    for (const finding of findings) this.share(finding.policy).findings.push(finding);
    for (const item of pending) this.share(item.policy).pending.push(item);
    for (const item of notApplicable) this.share(item.policy).notApplicable.push(item);
  }

  /** The policy's share (shared arrays: read only). */
  of(policy: string): Required<Judgment> {
    return this.byPolicy.get(policy) ?? NOTHING_TO_JUDGE;
  }

  private share(policy: string) {
    let share = this.byPolicy.get(policy);
    if (share === undefined)
      this.byPolicy.set(policy, (share = { findings: [], pending: [], notApplicable: [] }));
    return share;
  }
}
