/**
 * The event shapes the AWS Config Developer Guide documents ("Example events for AWS Config
 * rules"), read by the handler's event translation: every trigger kind gives a request to judge the
 * account with the documented OrderingTimestamp, and rule parameters the rule does not read are
 * reported rather than silently ignored.
 */
import * as assert from "assert";
import { detectionRequest, UnusableEventError, type ConfigRuleEvent } from "../../detection/config-event";

const ACCOUNT = "123456789012";
const NOW = new Date("2026-12-03T00:00:00.000Z");
const CAPTURED = "2026-12-01T10:00:00.000Z";

function event(invoking: unknown, extra: Partial<ConfigRuleEvent> = {}): ConfigRuleEvent {
  return {
    invokingEvent: JSON.stringify(invoking),
    ruleParameters: '{"myParameterKey":"myParameterValue"}',
    resultToken: "myResultToken",
    eventLeftScope: false,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/config-role`,
    configRuleArn: `arn:aws:config:us-east-1:${ACCOUNT}:config-rule/config-rule-0123456`,
    configRuleName: "change-triggered-config-rule",
    configRuleId: "config-rule-0123456",
    accountId: ACCOUNT,
    version: "1.0",
    ...extra,
  };
}

const item = (status: string) => ({
  configurationItem: {
    configurationItemCaptureTime: CAPTURED,
    awsAccountId: ACCOUNT,
    configurationItemStatus: status,
    resourceType: "AWS::KMS::Key",
    resourceId: "1234abcd-12ab-34cd-56ef-1234567890ab",
  },
  notificationCreationTime: "2026-12-01T10:05:00.000Z",
  messageType: "ConfigurationItemChangeNotification",
  recordVersion: "1.3",
});

describe("AWS Config rule: documented events", () => {
  const triggers: [string, unknown, Partial<ConfigRuleEvent>, string, string][] = [
    ...[
      "OK",
      "ResourceDiscovered",
      "ResourceNotRecorded",
      "ResourceDeleted",
      "ResourceDeletedNotRecorded",
    ].map((status): [string, unknown, Partial<ConfigRuleEvent>, string, string] => [
      `change, status ${status}`,
      item(status),
      {},
      "configuration-change",
      CAPTURED,
    ]),
    ["change, eventLeftScope true", item("OK"), { eventLeftScope: true }, "configuration-change", CAPTURED],
    [
      "oversized change (summary only)",
      {
        configurationItemSummary: { configurationItemCaptureTime: CAPTURED, configurationItemStatus: "OK" },
        messageType: "OversizedConfigurationItemChangeNotification",
        notificationCreationTime: "2026-12-01T10:05:00.000Z",
      },
      {},
      "configuration-change",
      CAPTURED,
    ],
    [
      "periodic",
      {
        awsAccountId: ACCOUNT,
        notificationCreationTime: CAPTURED,
        messageType: "ScheduledNotification",
        recordVersion: "1.0",
      },
      { resultToken: "TESTMODE" },
      "periodic",
      CAPTURED,
    ],
    ["periodic without a time", { messageType: "ScheduledNotification" }, {}, "periodic", NOW.toISOString()],
  ];
  for (const [name, invoking, extra, trigger, when] of triggers) {
    it(`${name}: judges the account with the documented ordering time`, () => {
      const request = detectionRequest(event(invoking, extra), NOW);
      assert.equal(request.trigger, trigger);
      assert.equal(request.orderingTimestamp.toISOString(), when);
      assert.equal(request.account, ACCOUNT);
    });
  }

  const parameters: [string, string | undefined, boolean][] = [
    ["absent", undefined, false],
    ["empty string", "", false],
    ["empty object", "{}", false],
    ["a parameter", '{"myParameterKey":"myParameterValue"}', true],
    ["malformed", "{not json", true],
  ];
  for (const [name, ruleParameters, reported] of parameters) {
    it(`ruleParameters ${name}: ${reported ? "reported as ignored" : "nothing to report"}`, () => {
      const request = detectionRequest(event(item("OK"), { ruleParameters }), NOW);
      assert.equal(request.ignoredRuleParameters !== undefined, reported);
    });
  }

  for (const [name, extra] of [
    ["no resultToken", { resultToken: "" }],
    ["no accountId", { accountId: "" }],
    ["no configRuleName", { configRuleName: "" }],
    ["invokingEvent not JSON", { invokingEvent: "{" }],
  ] as [string, Partial<ConfigRuleEvent>][]) {
    it(`${name}: refused as unusable`, () => {
      assert.throws(() => detectionRequest(event(item("OK"), extra), NOW), UnusableEventError);
    });
  }
});
