/**
 * The event AWS Config sends a custom Lambda rule, and what the handler needs of it. Periodic
 * triggers carry `ScheduledNotification`; configuration-change triggers carry the changed item
 * (`ConfigurationItemChangeNotification`) or only a pointer to it when it is too large
 * (`OversizedConfigurationItemChangeNotification`). Whatever the trigger, the handler judges the
 * whole account-region: a changed KMS key can change the verdict of every resource that uses it.
 */
import { isPlainObject } from "../policy-pack/facts/values";

/** What AWS Config passes the function (the fields this handler reads). */
export interface ConfigRuleEvent {
  readonly invokingEvent: string;
  readonly ruleParameters?: string;
  readonly resultToken: string;
  readonly eventLeftScope?: boolean;
  readonly executionRoleArn?: string;
  readonly configRuleArn?: string;
  readonly configRuleName: string;
  readonly configRuleId?: string;
  readonly accountId: string;
  readonly version?: string;
}

export interface DetectionRequest {
  readonly ruleName: string;
  readonly account: string;
  readonly resultToken: string;
  /** When the triggering notification or configuration item was created: every evaluation's OrderingTimestamp. */
  readonly orderingTimestamp: Date;
  readonly trigger: "periodic" | "configuration-change";
  /** Rule parameters this rule does not read (its config is the environment's pack config), if any were set. */
  readonly ignoredRuleParameters?: string;
}

/**
 * AWS Config passes the rule's input parameters as a JSON string ("{}" when none). This rule reads
 * none: a parameter set on it would be silently ignored, so it is reported, never passed over.
 * https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_example-events.html
 */
function ignoredRuleParameters(text: unknown): string | undefined {
  if (text === undefined || text === null || (typeof text === "string" && text.trim() === ""))
    return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch {
    parsed = undefined;
  }
  if (isPlainObject(parsed) && Object.keys(parsed).length === 0) return undefined;
  const what = parsed === undefined ? "are not JSON and are ignored" : "are ignored";
  return `the rule's ruleParameters ${what}: this rule reads no parameters, set its pack config in BEDROCK_CMK_GUARD_PACK_CONFIG`;
}

/** An event the handler cannot act on: it cannot even report, since it lacks what PutEvaluations needs. */
export class UnusableEventError extends Error {}

export function detectionRequest(event: ConfigRuleEvent, now: Date): DetectionRequest {
  if (typeof event?.resultToken !== "string" || event.resultToken === "")
    throw new UnusableEventError("the event has no resultToken: it was not sent by AWS Config");
  if (typeof event.accountId !== "string" || !/^\d{12}$/.test(event.accountId))
    throw new UnusableEventError("the event has no 12-digit accountId");
  if (typeof event.configRuleName !== "string" || event.configRuleName === "")
    throw new UnusableEventError("the event has no configRuleName");
  let invoking: Record<string, unknown>;
  try {
    invoking = JSON.parse(event.invokingEvent) as Record<string, unknown>;
  } catch {
    throw new UnusableEventError("the event's invokingEvent is not JSON");
  }
  const messageType = String(invoking?.messageType ?? "");
  const item = invoking?.configurationItem as { configurationItemCaptureTime?: unknown } | undefined;
  const summary = invoking?.configurationItemSummary as
    { configurationItemCaptureTime?: unknown } | undefined;
  const stamp =
    messageType === "ScheduledNotification"
      ? invoking.notificationCreationTime
      : (item?.configurationItemCaptureTime ??
        summary?.configurationItemCaptureTime ??
        invoking?.notificationCreationTime);
  const parsed = typeof stamp === "string" ? new Date(stamp) : undefined;
  return {
    ruleName: event.configRuleName,
    account: event.accountId,
    resultToken: event.resultToken,
    // A missing or malformed time still gets an evaluation: the time AWS Config called us.
    orderingTimestamp: parsed !== undefined && !Number.isNaN(parsed.getTime()) ? parsed : now,
    trigger: messageType === "ScheduledNotification" ? "periodic" : "configuration-change",
    ignoredRuleParameters: ignoredRuleParameters(event.ruleParameters),
  };
}
