/**
 * A resource that exists in AWS, judged as the pack judges a stack's resource when values are
 * final: its key reference, then the key behind it from what AWS KMS said (read by the caller
 * with the account's own credentials), the final-values invariant, levels and exemptions. The
 * audit and the AWS Config rule judge through here; no front end applies a rule of its own.
 */
import { traceStack, type GuardedResourceTrace, type StackResource } from "../facts/key-tracing";
import { GUARD_SETTINGS_POLICY, guardSettings } from "../settings/guard-settings";
import type { PackState } from "../settings/pack-state";
import { sortByExemption } from "./exemptions";
import { enforceFinalValues, type PolicyLevel } from "./final-values";
import { JudgmentBuilder, type Finding, type Judgment } from "./judgment";
import { levelOf } from "./levels";
import { isOutside, keyLookup, type OutsideKeyStatus } from "./outside-keys";
import { resourceVerdicts } from "./resource";
import { keyVerdicts } from "./stack";

/** A resource read from AWS, in the property names of the Pulumi type that would create it. */
export interface LiveResource {
  /** The Pulumi type token (the catalog's). */
  readonly type: string;
  /** Its ARN: findings are reported on it, and exemptions may name it. */
  readonly arn: string;
  readonly name: string;
  readonly props: unknown;
  readonly region: string;
  /** Environment blueprint configurations that enable blueprints in it (a DataZone domain). */
  readonly blueprintConfigurations?: number;
}

/** The resource as key tracing reads it: a stack of one, in its region. */
export function traceLiveResource(
  resource: LiveResource,
  state: PackState,
): GuardedResourceTrace | undefined {
  const stackResource: StackResource = {
    type: resource.type,
    urn: resource.arn,
    name: resource.name,
    props: resource.props,
    propertyDependencies: {},
    providerProps: { region: resource.region },
  };
  return traceStack([stackResource], state.stackConfig, state.environmentRegion)[0];
}

/** The key to read from AWS KMS for this resource, if it names one outside any stack. */
export function liveKeyLookup(
  resource: LiveResource,
  state: PackState,
): { reference: string; region: string } | undefined {
  const trace = traceLiveResource(resource, state);
  return trace !== undefined && isOutside(trace) ? keyLookup(trace, state) : undefined;
}

export interface LiveFinding extends Finding {
  readonly level: PolicyLevel;
}

export interface LiveJudgment {
  /** Findings at their level (disabled policies left out), exempted ones under guard-settings. */
  readonly findings: readonly LiveFinding[];
  /** What could not be judged and did not block (an advisory policy's pending item). */
  readonly pending: Judgment["pending"];
  readonly notApplicable: Required<Judgment>["notApplicable"];
}

/**
 * Judges one live resource. `key` is what AWS KMS said about the key it names (absent when it
 * names none that KMS could be asked about, or when the caller did not ask).
 */
export function judgeLiveResource(
  resource: LiveResource,
  key: OutsideKeyStatus | undefined,
  state: PackState,
): LiveJudgment {
  const verdicts = new JudgmentBuilder();
  verdicts.add(
    resourceVerdicts(
      {
        type: resource.type,
        name: resource.name,
        urn: resource.arn,
        props: resource.props,
        providerProps: { region: resource.region },
      },
      state,
    ),
  );
  const trace = traceLiveResource(resource, state);
  if (trace !== undefined) {
    verdicts.add(
      keyVerdicts(
        [
          {
            trace,
            ...(trace.trace.kind === "outside" && key !== undefined ? { outsideKey: key } : {}),
            ...(resource.blueprintConfigurations === undefined
              ? {}
              : { blueprintConfigurations: resource.blueprintConfigurations }),
          },
        ],
        state,
      ),
    );
  }
  const level = levelOf(state);
  const judged = enforceFinalValues(verdicts, state.mode, level);
  const { reported, exempted } = sortByExemption(judged.findings, guardSettings(state).exemptions);
  const findings: LiveFinding[] = [
    ...reported.map((f) => ({ ...f, level: level(f.policy) })),
    ...exempted.map((f) => ({ ...f, policy: GUARD_SETTINGS_POLICY, level: level(GUARD_SETTINGS_POLICY) })),
  ].filter((f) => f.level !== "disabled");
  return { findings, pending: judged.pending, notApplicable: judged.notApplicable ?? [] };
}
