/**
 * The AWS Config custom rule (Lambda, Node.js): on each trigger (periodic, or a change to a
 * recorded resource such as a KMS key) it reads the account's Bedrock workspaces and data stores
 * in the function's region with the audit's readers, judges each as the audit does, and reports
 * them with PutEvaluations. What could not be read is NON_COMPLIANT with the reason (on the
 * account); evaluations of resources no longer returned are retired as NOT_APPLICABLE. Judging
 * stops at a share of the time the Lambda has left, so that what was judged is still reported.
 *
 * Environment: AWS_REGION (set by Lambda); BEDROCK_CMK_GUARD_PACK_CONFIG (the pack config JSON,
 * optional); DETECTION_MEMBER_ROLE_NAME (organization rule: the role assumed in the member
 * account whose AWS Config invoked the function); DETECTION_CONCURRENCY (AWS requests at a time).
 */
import type { Evaluation } from "@aws-sdk/client-config-service";
import { assumeRole, startSession, type Credentials } from "../cli/audit/aws-session";
import { auditReadPermissions, readScope, type ScopeResult } from "../cli/audit/inventory";
import { judgeScope } from "../cli/audit/run";
import { createKmsFactsSource } from "../policy-pack/aws/kms-facts";
import { detectionRequest, type ConfigRuleEvent } from "./config-event";
import { configClient, previousEvaluations, putEvaluations } from "./config-service";
import {
  accountEvaluation,
  CONFIG_RESOURCE_TYPES,
  resourceEvaluation,
  retiredEvaluation,
} from "./evaluations";
import { createDetectionJudge, PACK_CONFIG_VARIABLE, type JudgedResource } from "./judge";

export type { ConfigRuleEvent } from "./config-event";

/** The part of the Lambda context the handler uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface DetectionSummary {
  readonly account: string;
  readonly region: string;
  readonly trigger: "periodic" | "configuration-change";
  readonly judged: number;
  readonly compliant: number;
  readonly nonCompliant: number;
  readonly retired: number;
  readonly timeLimitReached: boolean;
  readonly sent: number;
  readonly unsent: number;
  /** What could not be read, retired or sent. */
  readonly problems: readonly string[];
}

/** Kept back from the Lambda's time: the return and its log line. */
const STOP_MARGIN_MS = 300;
/** The share of the time left given to reading and judging; the rest reports. */
const JUDGING_SHARE = 0.7;
const DEFAULT_CONCURRENCY = 8;

/** The judge of the last config seen: warm invocations of the same function reuse it. */
let cachedJudge:
  { configText: string | undefined; judge: ReturnType<typeof createDetectionJudge> } | undefined;

function judgeFor(configText: string | undefined): ReturnType<typeof createDetectionJudge> {
  if (cachedJudge === undefined || cachedJudge.configText !== configText)
    cachedJudge = { configText, judge: createDetectionJudge(configText) };
  return cachedJudge.judge;
}

/**
 * The IAM actions the function reads with (the audit's readers and the KMS facts module), for the
 * stack that deploys it: its role grants exactly these (sample-stack/continuous-detection.ts).
 */
export const READ_PERMISSIONS: readonly string[] = auditReadPermissions();

export async function handler(event: ConfigRuleEvent, context: LambdaContext): Promise<DetectionSummary> {
  const started = Date.now();
  const budget = Math.max(0, context.getRemainingTimeInMillis() - STOP_MARGIN_MS);
  const deadline = started + budget;
  const judgingDeadline = started + budget * JUDGING_SHARE;
  const request = detectionRequest(event, new Date(started));
  const region = process.env.AWS_REGION ?? "";
  const judge = judgeFor(process.env[PACK_CONFIG_VARIABLE]);
  const concurrency = Number(process.env.DETECTION_CONCURRENCY) || DEFAULT_CONCURRENCY;
  const session = await startSession({ concurrency });
  const problems: string[] =
    request.ignoredRuleParameters === undefined ? [] : [request.ignoredRuleParameters];
  const judged: JudgedResource[] = [];
  let scope: ScopeResult | undefined;
  let credentials: Credentials = session.baseCredentials;

  const work = (async () => {
    if (request.account !== session.account) {
      const roleName = process.env.DETECTION_MEMBER_ROLE_NAME;
      if (roleName === undefined || roleName === "")
        throw new Error(
          `invoked for account ${request.account} from ${session.account} without DETECTION_MEMBER_ROLE_NAME`,
        );
      credentials = await assumeRole(session, request.account, roleName);
    }
    const keys = createKmsFactsSource({
      timeoutSeconds: Math.max(1, Math.floor((judgingDeadline - Date.now()) / 1000)),
      concurrency,
      credentials,
      clientConfig: session.sharedOptions,
    });
    scope = await readScope(session, { account: request.account, region, credentials }, () => undefined);
    await judgeScope(scope, keys, judge, (resource, key) => judged.push(judge.judge(resource, key)));
  })();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    work.then(
      () => "done" as const,
      (error: unknown) => error as Error,
    ),
    new Promise<"time-limit">((resolve) => {
      timer = setTimeout(() => resolve("time-limit"), Math.max(0, judgingDeadline - Date.now()));
    }),
  ]);
  clearTimeout(timer);
  // A read still under way when the time is up is abandoned; its result is not waited for.
  work.catch(() => undefined);

  const readScopeResult = scope as ScopeResult | undefined;
  const timeLimitReached = outcome === "time-limit";
  if (outcome instanceof Error) problems.push(`${outcome.name}: ${outcome.message}`);
  if (timeLimitReached)
    problems.push(
      `the time limit was reached with ${judged.length} of ` +
        `${readScopeResult?.resources.length ?? "an unknown number of"} resource(s) judged; raise the function's timeout`,
    );
  problems.push(...(readScopeResult?.notes ?? []));
  const when = request.orderingTimestamp;
  const evaluations: Evaluation[] = judged.map((j) =>
    resourceEvaluation(j.report, j.verdict, when, j.unreadKey),
  );

  // Not through the run's shared request handler: reads abandoned at the time limit still hold its slots.
  const client = await configClient({
    region,
    credentials,
    retryMode: "adaptive",
    maxAttempts: session.sharedOptions.maxAttempts,
  });
  let retired = 0;
  // Only a complete read tells that a resource is gone; otherwise its evaluation stands.
  if (outcome === "done" && readScopeResult?.status === "read") {
    const current = new Set(evaluations.map((e) => `${e.ComplianceResourceType} ${e.ComplianceResourceId}`));
    const guardedTypes = new Set(Object.values(CONFIG_RESOURCE_TYPES));
    try {
      for (const previous of await previousEvaluations(client, request.ruleName, deadline)) {
        if (!guardedTypes.has(previous.type) || current.has(`${previous.type} ${previous.id}`)) continue;
        evaluations.push(retiredEvaluation(previous.type, previous.id, when));
        retired++;
      }
    } catch (error) {
      // Not a read of the guarded resources: a stale evaluation stays until the next run retires it.
      console.error(`could not list earlier evaluations to retire: ${(error as Error).message}`);
    }
  }
  evaluations.push(accountEvaluation(request.account, problems, when));
  const put = await putEvaluations(client, request.resultToken, evaluations, deadline);

  const summary: DetectionSummary = {
    account: request.account,
    region,
    trigger: request.trigger,
    judged: judged.length,
    compliant: judged.filter((j) => j.verdict === "compliant").length,
    nonCompliant: judged.filter((j) => j.verdict !== "compliant").length,
    retired,
    timeLimitReached,
    sent: put.sent,
    unsent: put.unsent,
    problems: [...problems, ...put.problems],
  };
  console.log(JSON.stringify(summary));
  // An evaluation AWS Config did not take leaves the resource's earlier verdict standing (a
  // COMPLIANT one included): the invocation fails, so AWS Config's rule status shows the error
  // (LastErrorMessage) and Lambda retries the asynchronous invocation.
  if (put.unsent > 0)
    throw new Error(
      `${put.unsent} of ${evaluations.length} evaluation(s) not delivered: ${put.problems.join("; ")}`,
    );
  return summary;
}
