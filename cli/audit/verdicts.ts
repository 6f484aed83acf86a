/**
 * The audit's translation to and from the judging layer: the pack config file becomes the pack's
 * state (validated by the pack's own parser, as Configure would), each audited resource is judged
 * by `judgeLiveResource` with what AWS KMS said about its key, and the judgment becomes the report
 * `check` prints. No rule is applied here.
 */
import { judgeLiveResource, liveKeyLookup, type LiveResource } from "../../policy-pack/judging/live";
import type { OutsideKeyStatus } from "../../policy-pack/judging/outside-keys";
import {
  POLICY_DESCRIPTIONS,
  POLICY_SETTINGS,
  REMEDIATION_UNAVAILABLE,
} from "../../policy-pack/judging/policies";
import { pendingText } from "../../policy-pack/judging/judgment";
import {
  configuredLevels,
  InvalidConfigError,
  parsePackConfig,
  type RawPolicyConfig,
} from "../../policy-pack/settings/pack-config";
import { createPackState, type PackState } from "../../policy-pack/settings/pack-state";
import type { Level } from "../engine/pack-client";
import { UnusableInputError } from "../errors";
import { reconcile, type PackConfigFile } from "../sources/pack-config-file";
import {
  fixOf,
  schemaDefaults,
  type PackDescription,
  type PolicyDescription,
  type ResourceReport,
} from "../report/report";
import type { AuditedResource } from "./inventory";

export interface AuditVerdicts {
  readonly pack: PackDescription;
  /** What to ask AWS KMS about the resource's key, if it names one KMS can be asked about. */
  keyToRead(resource: AuditedResource): { reference: string; region: string } | undefined;
  judge(resource: AuditedResource, key: OutsideKeyStatus | undefined): ResourceReport;
}

const PACK_NAME = "bedrock-cmk-guard";

/** The pack's policies as GetAnalyzerInfo would describe them. */
export function packDescription(packVersion: string): PackDescription {
  const policies = POLICY_DESCRIPTIONS.map((policy): PolicyDescription => ({
    name: policy.name,
    displayName: policy.displayName,
    description: policy.description,
    remediationSteps: policy.remediationSteps,
    enforcementLevel: policy.enforcementLevel as Level,
    severity: policy.severity,
    tags: policy.tags,
    configDefaults: schemaDefaults(policy.settings?.schema.properties),
  }));
  return { name: PACK_NAME, version: packVersion, policies };
}

/** The pack's state under the config file, values final (what exists in AWS is what AWS has). */
function auditState(
  pack: PackDescription,
  packConfig: PackConfigFile | undefined,
  configFile: string | undefined,
): PackState {
  // The Configure request the engine would send, validated and parsed exactly as the pack does.
  const configured = reconcile(pack.policies, packConfig ?? new Map());
  const raw = new Map<string, RawPolicyConfig>(
    Object.entries(configured).map(([name, spec]) => [
      name,
      { enforcementLevel: spec.enforcementLevel, properties: spec.properties ?? {} },
    ]),
  );
  const state = createPackState({});
  state.mode = "final";
  try {
    state.settings = parsePackConfig(raw, POLICY_SETTINGS, REMEDIATION_UNAVAILABLE);
  } catch (error) {
    if (error instanceof InvalidConfigError)
      throw new UnusableInputError(`--config ${configFile}: ${error.message}`);
    throw error;
  }
  state.levels = configuredLevels(raw);
  return state;
}

function liveResource(resource: AuditedResource): LiveResource {
  return {
    type: resource.type.token,
    arn: resource.arn,
    name: resource.name,
    props: resource.props,
    region: resource.region,
    ...(resource.blueprintConfigurations === undefined
      ? {}
      : { blueprintConfigurations: resource.blueprintConfigurations }),
  };
}

export function createAuditVerdicts(
  packVersion: string,
  packConfig?: PackConfigFile,
  configFile?: string,
): AuditVerdicts {
  const pack = packDescription(packVersion);
  const state = auditState(pack, packConfig, configFile);
  return {
    pack,
    keyToRead: (resource) => liveKeyLookup(liveResource(resource), state),
    judge(resource, key) {
      const judgment = judgeLiveResource(liveResource(resource), key, state);
      return {
        urn: resource.arn,
        type: resource.type.token,
        name: resource.name,
        findings: judgment.findings.map((finding) => ({
          policy: finding.policy,
          level: finding.level as Level,
          message: finding.message,
          fix: fixOf(finding.message) ?? "",
          stage: "resource",
        })),
        skipped: [
          ...judgment.pending.map((p) => ({
            policy: p.policy,
            reason: `not determinable: ${pendingText(p)}`,
          })),
          ...judgment.notApplicable.map((n) => ({ policy: n.policy, reason: n.reason })),
        ],
      };
    },
  };
}
