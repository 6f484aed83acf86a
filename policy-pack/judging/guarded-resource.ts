/**
 * The key behind one guarded resource, judged: the key's fitness (symmetric, enabled, rotating,
 * deletion window, lockout, key policy, EnableBedrock tag), whether a key outside the stack is
 * customer-managed and verifiable, from whichever evidence there is: keys traced in the stack, a
 * key read from AWS KMS (an injected source: the pack's own verifier, or the audit's per-account
 * reads), or nothing known yet. Every front end judges a resource's key through here.
 */
import { KMS_API_KEY_SOURCE, keyPolicyFacts, kmsKeyPolicyType, kmsKeyType } from "../catalog/kms-types";
import type { GuardedResourceTrace, StackResource, TracedKey } from "../facts/key-tracing";
import type { ConsumerRole } from "../facts/role-policies";
import { readPath, UNKNOWN } from "../facts/values";
import { keyApplicability } from "../rules/cmk-applicability";
import { cmkKeyCustomerManaged } from "../rules/cmk-key-customer-managed";
import { cmkKeyForm } from "../rules/cmk-key-form";
import { cmkKeyVerifiable, type OutsideKeyVerification } from "../rules/cmk-key-verifiable";
import { cmkRequired } from "../rules/cmk-required";
import type { KeyFitnessInput } from "../rules/key-fitness-input";
import type { RuleMetadata, RuleOutcome } from "../rules/rule";
import { guardSettings } from "../settings/guard-settings";
import type { PackState } from "../settings/pack-state";
import { CONSUMED_KEY_RULES } from "./consumed-key-rules";
import type { Finding, Judgment, Pending } from "./judgment";
import { violationMessage } from "./messages";
import { evaluateSafely } from "./outcome";
import type { OutsideKeyStatus } from "./outside-keys";

/** What is known about one guarded resource's key, wherever it came from. */
export interface GuardedResourceFacts {
  readonly trace: GuardedResourceTrace;
  /** What AWS KMS said about a key outside the stack (absent for other traces). */
  readonly outsideKey?: OutsideKeyStatus;
  /** Environment blueprint configurations that enable blueprints in this resource (a DataZone domain). */
  readonly blueprintConfigurations?: number;
  /**
   * The IAM roles the resource names, with their identity policies as the stack shows them;
   * absent without a stack (the rules then read the roles from the resource's properties).
   */
  readonly roles?: readonly ConsumerRole[];
}

/** What a key outside the stack is called in findings (never its reference: it may be a secret). */
export const OUTSIDE_KEY_LABEL = "its KMS key outside this stack (as AWS KMS reports it)";

const resourceRef = (resource: { readonly urn: string; readonly name: string }) => ({
  urn: resource.urn,
  name: resource.name,
});

/** The rule's metadata with the compliance mapping of the family whose resource uses the key. */
function forFamily(rule: RuleMetadata, trace: GuardedResourceTrace): RuleMetadata {
  return rule.compliance === undefined
    ? { ...rule, compliance: trace.family.compliance, risk: trace.family.risk }
    : rule;
}

function keyLabel(key: TracedKey): string {
  const names = key.keyPolicies.map((p) => `'${p.name}'`).join(", ");
  const via = names === "" ? "" : `, with key ${key.keyPolicies.length > 1 ? "policies" : "policy"} ${names}`;
  const primary = key.primary === undefined ? "" : `, replica of '${key.primary.name}'`;
  return `its KMS key '${key.key.name}' (${key.keyType.displayName}${primary}${via})`;
}

/** The documents of the key policy resources attached to a key, as the key fitness rules read them. */
function attachedPolicies(key: TracedKey): { name: string; policy: unknown }[] {
  return key.keyPolicies.flatMap((resource) => {
    const type = kmsKeyPolicyType(resource.type);
    return type === undefined
      ? []
      : [{ name: resource.name, policy: keyPolicyFacts(type, resource.props).policy }];
  });
}

/** The rule's view of a verification (the facts themselves go to the other rules). */
function verificationOf(status: OutsideKeyStatus): OutsideKeyVerification | undefined {
  switch (status.kind) {
    case "off":
      return undefined;
    case "unavailable":
      return status;
    case "verified":
      return { kind: "verified" };
    case "not-asked":
      return status;
    case "failed":
      return { kind: "failed", failure: status.failure };
  }
}

const NOT_VERIFIED_OFF = "its key is outside this stack and guard-settings.verifyKeysWithAws is off";
const NOT_VERIFIED_UNAVAILABLE = "its key is outside this stack and AWS KMS was not asked about it";
const NOT_READ = "its key outside this stack could not be read from AWS KMS (see cmk-key-verifiable)";

export function isWithoutCredentials(status: OutsideKeyStatus | undefined): boolean {
  return status?.kind === "failed" && status.failure.kind === "no-credentials";
}

/** Collects one resource's findings and pending items. */
class ResourceJudgment {
  readonly findings: Finding[] = [];
  readonly pending: Pending[] = [];
  private readonly subject: string;

  constructor(private readonly trace: GuardedResourceTrace) {
    this.subject = `${trace.type.displayName} '${trace.resource.name}'`;
  }

  outcome(
    rule: RuleMetadata,
    outcome: RuleOutcome,
    key: { label?: string; about: readonly StackResource[]; pendingLabel?: string },
  ): void {
    const about = [this.trace.resource, ...key.about].map(resourceRef);
    if (outcome.kind === "non-compliant") {
      const problem = key.label === undefined ? outcome.problem : `${key.label}: ${outcome.problem}`;
      this.findings.push({
        policy: rule.id,
        message: violationMessage(
          forFamily(rule, this.trace),
          { displayName: this.trace.type.displayName, name: this.trace.resource.name },
          problem,
          outcome.fix,
        ),
        urn: this.trace.resource.urn,
        about,
      });
    } else if (outcome.kind === "undetermined") {
      this.defer(rule.id, outcome.reason, { about, detail: key.pendingLabel });
    }
  }

  defer(
    policy: string,
    reason: string,
    options: {
      about?: readonly StackResource[] | readonly { urn: string; name: string }[];
      detail?: string;
      reportedBy?: string;
    } = {},
  ): void {
    this.pending.push({
      policy,
      urn: this.trace.resource.urn,
      subject: this.subject,
      reason,
      about: (options.about ?? [this.trace.resource]).map(resourceRef),
      ...(options.detail === undefined ? {} : { detail: options.detail }),
      ...(options.reportedBy === undefined ? {} : { reportedBy: options.reportedBy }),
    });
  }
}

/**
 * Whether the resource's key applies at all (the catalog's conditions: e.g. only a managed
 * knowledge base has a store to encrypt): true, false, or why that is not known yet.
 */
function keyApplies(trace: GuardedResourceTrace): boolean | string {
  const applicability = keyApplicability({
    family: trace.family,
    type: trace.type,
    key: readPath(trace.resource.props, trace.type.keyProperty),
    props: trace.resource.props,
    region: undefined,
  });
  if (applicability.kind === "applies") return true;
  return applicability.kind === "unknown" ? applicability.reason : false;
}

/** Judges the key behind one guarded resource under the pack's settings (preview semantics). */
export function judgeResourceKey(facts: GuardedResourceFacts, state: PackState): Judgment {
  const { trace } = facts;
  const judgment = new ResourceJudgment(trace);
  const applies = keyApplies(trace);
  if (typeof applies === "string") {
    // The family's key-reference policies report the same gap on the resource itself.
    for (const { rule } of CONSUMED_KEY_RULES)
      judgment.defer(rule.id, applies, { reportedBy: cmkRequired(trace.family).id });
  }
  if (applies !== true) return judgment;
  const consumer = {
    family: trace.family,
    props: trace.resource.props,
    ...(facts.blueprintConfigurations === undefined
      ? {}
      : { blueprintConfigurations: facts.blueprintConfigurations }),
    ...(facts.roles === undefined ? {} : { roles: facts.roles }),
  };
  const fitness = (
    input: Omit<KeyFitnessInput, "limits" | "consumer">,
    key: Parameters<ResourceJudgment["outcome"]>[2],
  ) => {
    for (const { rule, limits } of CONSUMED_KEY_RULES)
      judgment.outcome(rule, evaluateSafely(rule, { ...input, limits: limits(state), consumer }), key);
  };
  const { trustedKeys } = guardSettings(state);

  if (trace.trace.kind === "outside") {
    const status = facts.outsideKey ?? { kind: "off" };
    const reference = trace.trace.reference;
    // Missing credentials are one finding for the whole run (judgeGuardedResources), not one per key.
    if (!isWithoutCredentials(status)) {
      const verification = verificationOf(status);
      judgment.outcome(
        cmkKeyVerifiable,
        evaluateSafely(cmkKeyVerifiable, {
          family: trace.family,
          type: trace.type,
          reference,
          trustedKeys,
          ...(verification === undefined ? {} : { verification }),
        }),
        { about: [] },
      );
    }
    if (status.kind === "off" || status.kind === "unavailable") {
      // Nothing was asked: cmk-key-verifiable is the finding (or trustedKeys vouches for the key).
      const why = status.kind === "off" ? NOT_VERIFIED_OFF : NOT_VERIFIED_UNAVAILABLE;
      judgment.defer(cmkKeyCustomerManaged.id, `${why} (see cmk-key-verifiable)`, {
        reportedBy: cmkKeyVerifiable.id,
      });
      return judgment;
    }
    // DescribeKey alone answers cmk-key-customer-managed, even when a later call failed.
    const read =
      status.kind === "verified" ? status.key : status.kind === "failed" ? status.described : undefined;
    const description = read?.description;
    // Verification was asked for and did not answer: what it should have read decides mandatory
    // rules, so when values are final the resource is NOT VERIFIED (cmk-unverifiable).
    if (description === undefined) {
      judgment.defer(cmkKeyCustomerManaged.id, NOT_READ);
    } else {
      judgment.outcome(
        cmkKeyCustomerManaged,
        evaluateSafely(cmkKeyCustomerManaged, { keyManager: description.keyManager }),
        { label: OUTSIDE_KEY_LABEL, about: [] },
      );
    }
    if (status.kind === "verified") {
      fitness(
        { facts: status.key.facts, keyType: KMS_API_KEY_SOURCE },
        { label: OUTSIDE_KEY_LABEL, pendingLabel: "key outside the stack", about: [] },
      );
      return judgment;
    }
    // What DescribeKey read before a later call failed can only block (a disabled or asymmetric
    // key is unfit whatever its policy says); every other rule waits on the calls that failed.
    for (const { rule, limits } of CONSUMED_KEY_RULES) {
      const outcome =
        read === undefined
          ? undefined
          : evaluateSafely(rule, {
              facts: read.facts,
              keyType: KMS_API_KEY_SOURCE,
              limits: limits(state),
              consumer,
            });
      if (outcome?.kind === "non-compliant")
        judgment.outcome(rule, outcome, { label: OUTSIDE_KEY_LABEL, about: [] });
      else judgment.defer(rule.id, NOT_READ);
    }
    return judgment;
  }

  if (trace.trace.kind === "unresolved") {
    // The key-reference policies defer an unknown reference to here: when values are final, a
    // reference no key of the stack explains cannot be judged at all.
    judgment.defer(
      cmkRequired(trace.family).id,
      `\`${trace.type.keyProperty.join(".")}\` is not known (a secret this input does not hold, or a value only AWS knows), and no KMS key or alias of this stack explains it`,
    );
    return judgment;
  }
  if (trace.trace.kind !== "in-stack") return judgment;
  if (trace.resource.keyForm === UNKNOWN) {
    // A template's reference to its own key whose form CloudFormation settles only at deploy (an
    // undecided choice between the key's id and its ARN, an attribute of another resource...): the
    // key is judged below, the reference cannot be; the key-reference policies defer it to here.
    judgment.defer(
      cmkKeyForm(trace.family).id,
      `\`${trace.type.keyProperty.join(".")}\` names a key of the template, but in a form that cannot be known before CloudFormation deploys it`,
    );
  }
  for (const key of trace.trace.keys) {
    const primaryType = key.primary === undefined ? undefined : kmsKeyType(key.primary.type);
    fitness(
      {
        facts: key.facts,
        keyType: key.keyType,
        ...(primaryType === undefined ? {} : { primaryType }),
        attachedPolicies: attachedPolicies(key),
      },
      {
        label: keyLabel(key),
        pendingLabel: `key '${key.key.name}'`,
        about: [key.key, key.primary, ...key.keyPolicies].filter((r) => r !== undefined),
      },
    );
    if (key.outsidePrimary !== undefined) {
      // A replica's primary outside the stack is judged by trustedKeys only.
      judgment.outcome(
        cmkKeyVerifiable,
        evaluateSafely(cmkKeyVerifiable, {
          family: trace.family,
          type: trace.type,
          reference: key.outsidePrimary,
          trustedKeys,
          replicaOf: key.key.name,
        }),
        { about: [key.key] },
      );
    }
  }
  return judgment;
}
