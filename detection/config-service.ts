/**
 * The two AWS Config calls of the rule: the evaluations it reported before (to retire those of
 * resources that no longer exist) and PutEvaluations, at most 100 evaluations a call as the API
 * allows. Throttling is retried by the SDK (adaptive mode, the audit session's attempts); each
 * call is bounded by the time left before the Lambda's deadline.
 */
import type {
  ConfigServiceClient,
  ConfigServiceClientConfig,
  Evaluation,
} from "@aws-sdk/client-config-service";

/** PutEvaluations takes at most this many evaluations a call. */
export const EVALUATIONS_PER_CALL = 100;

export interface PutOutcome {
  readonly sent: number;
  /** Evaluations AWS Config rejected (FailedEvaluations) or that could not be sent in time. */
  readonly unsent: number;
  readonly problems: readonly string[];
}

export async function configClient(options: ConfigServiceClientConfig): Promise<ConfigServiceClient> {
  const { ConfigServiceClient } = await import("@aws-sdk/client-config-service");
  return new ConfigServiceClient(options);
}

/** Every resource this rule evaluated before, as `type` and `id` (the account's own evaluation excluded by the caller). */
export async function previousEvaluations(
  client: ConfigServiceClient,
  ruleName: string,
  deadline: number,
): Promise<{ type: string; id: string }[]> {
  const { GetComplianceDetailsByConfigRuleCommand } = await import("@aws-sdk/client-config-service");
  const found: { type: string; id: string }[] = [];
  let token: string | undefined;
  // Bounded: 1,000 pages of 100 is far past any account's Bedrock inventory.
  for (let page = 0; page < 1_000; page++) {
    const answer = await client.send(
      new GetComplianceDetailsByConfigRuleCommand({
        ConfigRuleName: ruleName,
        ComplianceTypes: ["COMPLIANT", "NON_COMPLIANT"],
        Limit: 100,
        NextToken: token,
      }),
      { abortSignal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) },
    );
    for (const result of answer.EvaluationResults ?? []) {
      const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
      if (qualifier?.ResourceType !== undefined && qualifier.ResourceId !== undefined)
        found.push({ type: qualifier.ResourceType, id: qualifier.ResourceId });
    }
    token = answer.NextToken;
    if (token === undefined || token === "") return found;
  }
  throw new Error("GetComplianceDetailsByConfigRule: more than 1000 pages");
}

/** Sends the evaluations in calls of at most 100, stopping when the deadline has passed. */
export async function putEvaluations(
  client: ConfigServiceClient,
  resultToken: string,
  evaluations: readonly Evaluation[],
  deadline: number,
): Promise<PutOutcome> {
  const { PutEvaluationsCommand } = await import("@aws-sdk/client-config-service");
  let sent = 0;
  let unsent = 0;
  const problems: string[] = [];
  for (let start = 0; start < evaluations.length; start += EVALUATIONS_PER_CALL) {
    const batch = evaluations.slice(start, start + EVALUATIONS_PER_CALL);
    const left = deadline - Date.now();
    if (left <= 0) {
      unsent += evaluations.length - start;
      problems.push(`the time limit was reached with ${evaluations.length - start} evaluation(s) unsent`);
      break;
    }
    try {
      const answer = await client.send(
        new PutEvaluationsCommand({ ResultToken: resultToken, Evaluations: batch }),
        { abortSignal: AbortSignal.timeout(left) },
      );
      const failed = answer.FailedEvaluations?.length ?? 0;
      sent += batch.length - failed;
      unsent += failed;
      if (failed > 0) problems.push(`AWS Config rejected ${failed} evaluation(s)`);
    } catch (error) {
      unsent += batch.length;
      problems.push(`PutEvaluations: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return { sent, unsent, problems };
}
