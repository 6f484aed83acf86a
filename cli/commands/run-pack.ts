/**
 * Runs the real policy pack over a {@link PackInput}, in the engine's order: start the pack as the
 * Pulumi CLI does, Handshake, ConfigureStack, GetAnalyzerInfo, Configure (with --config only),
 * Analyze per resource, AnalyzeStack once. Returns the findings grouped per resource.
 */
import * as grpc from "@grpc/grpc-js";
import type * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import {
  PackClient,
  type AnalyzeResult,
  type Diagnostic,
  type Level,
  type ResourceSpec,
} from "../engine/pack-client";
import { UnusableInputError } from "../errors";
import { OFFLINE_ENV } from "../../policy-pack/aws/credentials";
import type { PackInput } from "../sources/pack-input";
import { reconcile, type PackConfigFile } from "../sources/pack-config-file";
import {
  REPORT_VERSION,
  summarise,
  UNREADABLE_KEY_CHECK,
  type Finding,
  type PackDescription,
  type PolicyDescription,
  type RemediationRecord,
  type Report,
  type ResourceReport,
  fixOf,
  schemaDefaults,
} from "../report/report";

export type Progress = (message: string) => void;

const LEVELS: readonly Level[] = ["advisory", "mandatory", "disabled", "remediate"];
const SEVERITIES = ["unspecified", "low", "medium", "high", "critical"] as const;
/** Analyze calls in flight at once: the pack answers one at a time, this only hides round trips. */
const CONCURRENT_ANALYZE_CALLS = 8;

export interface RunOptions {
  readonly command: Report["command"];
  readonly packConfig?: PackConfigFile;
  readonly configFile?: string;
  readonly progress: Progress;
  /** A pack already starting (preview starts it while the program runs). */
  readonly pack?: Promise<PackClient>;
}

/**
 * Starts the pack the way the engine would for this stack: a preview's for a program or a preview
 * file, `pulumi policy analyze --file`'s for a recorded state (a stack export or checkpoint: values
 * final, outputs beside possibly partial inputs). The pack folder given (`--policy-pack`, e.g. the
 * unpacked release a team ships), else the one bundled with this tool.
 * These runs are offline: the pack's default verification of keys outside the stack with AWS KMS
 * does not run (such a key is NOT VERIFIED, exit 4), whatever credentials the environment holds; a
 * pack config's `verifyKeysWithAws.enabled: true` still asks AWS.
 */
export function startPack(
  input: Pick<PackInput, "project" | "stack" | "stackConfig" | "valuesFinal">,
  packDir?: string,
): Promise<PackClient> {
  return PackClient.start({
    packDir,
    project: input.project,
    stack: input.stack,
    stackConfig: input.stackConfig,
    dryRun: !input.valuesFinal,
    startedBy: input.valuesFinal ? "policy analyze" : "deployment",
    env: { [OFFLINE_ENV]: "1" },
  });
}

export async function runPack(input: PackInput, options: RunOptions): Promise<Report> {
  const { progress } = options;
  progress(`Starting the policy pack (as \`pulumi preview --policy-pack\` does)...`);
  const pack = await (options.pack ?? startPack(input));
  try {
    await pack.handshake();
    // `pulumi policy analyze` sends no ConfigureStack: the pack then judges a recorded state.
    if (!input.valuesFinal) await pack.configureStack(input.stack, input.project, true);
    const description = describePack(await pack.getAnalyzerInfo());
    let remediating = false;
    if (options.packConfig !== undefined) {
      const config = reconcile(description.policies, options.packConfig);
      remediating = Object.values(config).some((c) => c.enforcementLevel === "remediate");
      await pack.configure(config).catch((error: grpc.ServiceError) => {
        if (error.code === grpc.status.INVALID_ARGUMENT) {
          throw new UnusableInputError(`--config ${options.configFile}: ${error.details}`);
        }
        throw error;
      });
    }
    let analyzed = input;
    let remediations: readonly RemediationRecord[][] = [];
    if (remediating) {
      progress(
        `Remediating ${input.resources.length} resources (Remediate per resource, as the engine does)...`,
      );
      const remediated = await mapConcurrently(input.resources, CONCURRENT_ANALYZE_CALLS, (resource) =>
        remediate(pack, resource),
      );
      const byUrn = new Map(remediated.map((r) => [r.resource.urn, r.resource]));
      analyzed = {
        ...input,
        resources: remediated.map((r) => r.resource),
        stackResources: input.stackResources.map((r) => byUrn.get(r.urn) ?? r),
      };
      remediations = remediated.map((r) => r.records);
    }
    progress(`Analyzing ${input.resources.length} resources (Analyze per resource, then AnalyzeStack)...`);
    const results = await mapConcurrently(analyzed.resources, CONCURRENT_ANALYZE_CALLS, (resource) =>
      pack.analyze(resource),
    );
    const stackResult = await pack.analyzeStack(analyzed.stackResources);
    return buildReport(input, options.command, description, results, stackResult, remediations);
  } finally {
    await pack.stop();
  }
}

/**
 * The engine's Remediate step for one resource: each remediating policy's properties replace the
 * inputs; the record names the properties each one changed.
 */
async function remediate(
  pack: PackClient,
  resource: ResourceSpec,
): Promise<{ resource: ResourceSpec; records: RemediationRecord[] }> {
  const result = await pack.remediate(resource);
  let properties = resource.properties ?? {};
  const records: RemediationRecord[] = [];
  for (const remediation of result.remediations) {
    if (remediation.properties === undefined) continue;
    const next = remediation.properties;
    const changed = [...new Set([...Object.keys(properties), ...Object.keys(next)])].filter(
      (key) => JSON.stringify(properties[key]) !== JSON.stringify(next[key]),
    );
    records.push({ policy: remediation.policyName, properties: changed });
    properties = next;
  }
  return { resource: records.length === 0 ? resource : { ...resource, properties }, records };
}

function describePack(info: analyzer.AnalyzerInfo): PackDescription {
  return {
    name: info.getName(),
    version: info.getVersion(),
    policies: info.getPoliciesList().map((policy): PolicyDescription => ({
      name: policy.getName(),
      displayName: policy.getDisplayname() || policy.getName(),
      description: policy.getDescription(),
      remediationSteps: policy.getRemediationSteps(),
      enforcementLevel: LEVELS[policy.getEnforcementlevel()] ?? "advisory",
      severity: SEVERITIES[policy.getSeverity()] ?? "unspecified",
      tags: policy.getTagsList(),
      configDefaults: schemaDefaults(policy.getConfigschema()?.getProperties()?.toJavaScript()),
    })),
  };
}

function buildReport(
  input: PackInput,
  command: Report["command"],
  pack: PackDescription,
  results: readonly AnalyzeResult[],
  stackResult: AnalyzeResult,
  remediations: readonly RemediationRecord[][],
): Report {
  const remediation = new Map(pack.policies.map((p) => [p.name, p.remediationSteps]));
  const finding = (diagnostic: Diagnostic, stage: Finding["stage"]): Finding => {
    const message = violationOf(diagnostic);
    return {
      policy: diagnostic.policyName,
      level: diagnostic.enforcementLevel,
      message,
      fix: fixOf(message) ?? remediation.get(diagnostic.policyName) ?? "",
      stage,
    };
  };
  const stackFindings = new Map<string, Finding[]>();
  const unattached: Finding[] = [];
  const known = new Set(input.resources.map((r) => r.urn));
  for (const diagnostic of stackResult.diagnostics) {
    if (known.has(diagnostic.urn)) {
      stackFindings.set(diagnostic.urn, [
        ...(stackFindings.get(diagnostic.urn) ?? []),
        finding(diagnostic, "stack"),
      ]);
    } else {
      unattached.push(finding(diagnostic, "stack"));
    }
  }
  const stackSkipped = stackResult.notApplicable;
  const unreadable = new Map<string, Finding[]>();
  for (const reference of input.unreadableKeyReferences ?? []) {
    unreadable.set(reference.urn, [
      ...(unreadable.get(reference.urn) ?? []),
      {
        policy: UNREADABLE_KEY_CHECK,
        level: "advisory",
        message: reference.message,
        fix: fixOf(reference.message) ?? "",
        stage: "input",
      },
    ]);
  }
  const resources: ResourceReport[] = input.resources.map((resource, index) => ({
    urn: resource.urn!,
    type: resource.type,
    name: resource.name,
    ...(remediations[index]?.length ? { remediations: remediations[index] } : {}),
    findings: [
      ...results[index].diagnostics.map((d) => finding(d, "resource")),
      ...(stackFindings.get(resource.urn!) ?? []),
      ...(unreadable.get(resource.urn!) ?? []),
    ],
    skipped: results[index].notApplicable.map((n) => ({ policy: n.policyName, reason: n.reason })),
  }));
  return {
    reportVersion: REPORT_VERSION,
    command,
    sourceKind: input.sourceKind,
    source: input.source,
    project: input.project,
    stack: input.stack,
    pack,
    resources,
    stackFindings: unattached,
    warnings: [
      ...input.warnings,
      ...stackSkipped.map((n) => `stack policy ${n.policyName} did not run: ${n.reason}`),
    ],
    summary: summarise(resources, unattached),
  };
}

/**
 * @pulumi/policy sends `<policy description>\n<violation>`; the report keeps the violation (the
 * description is in the pack's policies) and falls back to the description when there is no more.
 */
function violationOf(diagnostic: Diagnostic): string {
  const prefix = `${diagnostic.description}\n`;
  return diagnostic.description !== "" && diagnostic.message.startsWith(prefix)
    ? diagnostic.message.slice(prefix.length)
    : diagnostic.message;
}

async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
