/**
 * Every malformed pack config is rejected with a message that names the key and what it expects:
 * through parsePackConfig for a table of cases, and through the engine protocol's Configure (the
 * call `pulumi preview --policy-pack-config` makes), which fails with INVALID_ARGUMENT.
 */
import { strict as assert } from "assert";
import type { ServiceError } from "@grpc/grpc-js";
import { type PolicyConfigSpec } from "../../cli/engine/pack-client";
import {
  InvalidConfigError,
  parsePackConfig,
  type RawPolicyConfig,
} from "../../policy-pack/settings/pack-config";
import { POLICY_SETTINGS } from "../../policy-pack/judging/policies";
import { inDays } from "../support/dates";
import { suitePack } from "../support/pack";

const EXEMPTION = {
  resource: "workspace",
  policies: ["cmk-key-rotation"],
  reason: "migrating",
  expires: inDays(100),
};

interface Case {
  readonly label: string;
  readonly config: Record<string, PolicyConfigSpec>;
  /** The key the message must name, and what it must say is expected. */
  readonly key: string;
  readonly expects: RegExp;
}

const settings = (properties: Record<string, unknown>): PolicyConfigSpec => ({
  enforcementLevel: "advisory",
  properties,
});
const guardSettings = (properties: Record<string, unknown>) => ({ "guard-settings": settings(properties) });
/** An exemption with some keys changed (an `undefined` one is left out, as JSON would). */
const exemption = (override: Record<string, unknown>) =>
  guardSettings({ exemptions: [JSON.parse(JSON.stringify({ ...EXEMPTION, ...override }))] });

const CASES: readonly Case[] = [
  {
    label: "unknown policy name",
    config: { "workspace-cmk-requried": { enforcementLevel: "mandatory" } },
    key: "workspace-cmk-requried",
    expects: /the name of a policy in this pack; did you mean "workspace-cmk-required"/,
  },
  {
    label: "unknown setting",
    config: { "cmk-key-rotation": settings({ maxRotationDays: 90 }) },
    key: "cmk-key-rotation.maxRotationDays",
    expects: /one of this policy's settings \(maxRotationPeriodDays\)/,
  },
  {
    label: "setting on a policy without settings",
    config: { "workspace-cmk-required": settings({ strict: true }) },
    key: "workspace-cmk-required.strict",
    expects: /nothing: this policy takes only enforcementLevel/,
  },
  {
    label: "rotation period of the wrong type",
    config: { "cmk-key-rotation": settings({ maxRotationPeriodDays: "365" }) },
    key: "cmk-key-rotation.maxRotationPeriodDays",
    expects: /an integer from 90 to 2560/,
  },
  {
    label: "rotation period out of KMS's range",
    config: { "cmk-key-rotation": settings({ maxRotationPeriodDays: 30 }) },
    key: "cmk-key-rotation.maxRotationPeriodDays",
    expects: /an integer from 90 to 2560/,
  },
  {
    label: "deletion window not an integer",
    config: { "kms-key-deletion-window": settings({ minDeletionWindowDays: 7.5 }) },
    key: "kms-key-deletion-window.minDeletionWindowDays",
    expects: /an integer from 7 to 30/,
  },
  {
    label: "trustedKeys not a list",
    config: guardSettings({ trustedKeys: "arn:aws:kms:*:123456789012:key/*" }),
    key: "guard-settings.trustedKeys",
    expects: /a list of key ARNs or patterns/,
  },
  {
    label: "trustedKeys entry trusting every account",
    config: guardSettings({ trustedKeys: ["arn:aws:kms:*:*:key/*"] }),
    key: "guard-settings.trustedKeys[0]",
    expects: /12-digit account/,
  },
  {
    label: "trustedKeys entry that is an alias",
    config: guardSettings({ trustedKeys: [42, "alias/team"] }),
    key: "guard-settings.trustedKeys[0]",
    expects: /a key ARN, or arn:<partition>:kms/,
  },
  {
    label: "exemptions not a list",
    config: guardSettings({ exemptions: { resource: "x" } }),
    key: "guard-settings.exemptions",
    expects: /a list of \{ resource, policies, reason, expires \}/,
  },
  {
    label: "exemption without a reason",
    config: exemption({ reason: undefined }),
    key: "guard-settings.exemptions[0].reason",
    expects: /a non-empty reason/,
  },
  {
    label: "exemption with a blank reason",
    config: exemption({ reason: "   " }),
    key: "guard-settings.exemptions[0].reason",
    expects: /a non-empty reason/,
  },
  {
    label: "exemption with an impossible date",
    config: exemption({ expires: "2025-02-30" }),
    key: "guard-settings.exemptions[0].expires",
    expects: /a date YYYY-MM-DD/,
  },
  {
    label: "exemption with a date in another format",
    config: exemption({ expires: "31/12/2999" }),
    key: "guard-settings.exemptions[0].expires",
    expects: /a date YYYY-MM-DD/,
  },
  {
    label: "exemption with a date of the wrong type",
    config: exemption({ expires: 20991231 }),
    key: "guard-settings.exemptions[0].expires",
    expects: /a date YYYY-MM-DD/,
  },
  {
    label: "exemption with an empty resource pattern",
    config: exemption({ resource: "" }),
    key: "guard-settings.exemptions[0].resource",
    expects: /a resource name, or a URN pattern with an exact name/,
  },
  {
    label: "exemption with a resource pattern of the wrong type",
    config: exemption({ resource: ["workspace-*"] }),
    key: "guard-settings.exemptions[0].resource",
    expects: /a resource name, or a URN pattern with an exact name/,
  },
  ...[
    "*",
    "**",
    "urn:*",
    "urn:pulumi:*",
    "legacy-studio*",
    "urn:pulumi:dev::test::*::*",
    "urn:pulumi:*::*::*::*",
  ].map((resource) => ({
    label: `exemption pattern ${resource} that could match names not written in it`,
    config: exemption({ resource }),
    key: "guard-settings.exemptions[0].resource",
    expects: /(an exact resource name|a URN)/,
  })),
  {
    label: "exemption whose reason is a zero-width space",
    config: exemption({ reason: "\u200b" }),
    key: "guard-settings.exemptions[0].reason",
    expects: /a non-empty reason with visible text/,
  },
  {
    label: "exemption whose reason is invisible characters only",
    config: exemption({ reason: "\u200b\u200c\u200d\u2060\ufeff \u00a0" }),
    key: "guard-settings.exemptions[0].reason",
    expects: /a non-empty reason with visible text/,
  },
  {
    label: "exemption running until 9999-12-31",
    config: exemption({ expires: "9999-12-31" }),
    key: "guard-settings.exemptions[0].expires",
    expects: /a date at most maxExemptionDays \(365\) days from today/,
  },
  {
    label: "exemption running past a configured maxExemptionDays",
    config: guardSettings({ maxExemptionDays: 30, exemptions: [EXEMPTION] }),
    key: "guard-settings.exemptions[0].expires",
    expects: /a date at most maxExemptionDays \(30\) days from today/,
  },
  {
    label: "maxExemptionDays out of bounds",
    config: guardSettings({ maxExemptionDays: 100000 }),
    key: "guard-settings.maxExemptionDays",
    expects: /an integer from 1 to 3650/,
  },
  {
    label: "exemption naming an unknown policy",
    config: exemption({ policies: ["cmk-key-rotate"] }),
    key: "guard-settings.exemptions[0].policies",
    expects: /names of policies in this pack \(.*cmk-key-rotation/,
  },
  {
    label: "exemption without policies",
    config: exemption({ policies: [] }),
    key: "guard-settings.exemptions[0].policies",
    expects: /a non-empty list of policy names/,
  },
  {
    label: "exemption with an unknown key",
    config: exemption({ until: "2999-01-01" }),
    key: "guard-settings.exemptions[0].until",
    expects: /only resource, policies, reason and expires/,
  },
  {
    label: "exemption that is not an object",
    config: guardSettings({ exemptions: ["workspace-*"] }),
    key: "guard-settings.exemptions[0].(entry)",
    expects: /an object \{ resource, policies, reason, expires \}/,
  },
  {
    label: "verifyKeysWithAws that is not an object",
    config: guardSettings({ verifyKeysWithAws: true }),
    key: "guard-settings.verifyKeysWithAws",
    expects: /an object \{ enabled, timeoutSeconds \}/,
  },
  {
    label: "verifyKeysWithAws.enabled of the wrong type",
    config: guardSettings({ verifyKeysWithAws: { enabled: "yes" } }),
    key: "guard-settings.verifyKeysWithAws.enabled",
    expects: /true, false or "auto"/,
  },
  {
    label: "verifyKeysWithAws.timeoutSeconds out of bounds",
    config: guardSettings({ verifyKeysWithAws: { enabled: true, timeoutSeconds: 0 } }),
    key: "guard-settings.verifyKeysWithAws.timeoutSeconds",
    expects: /an integer from 1 to 300/,
  },
  {
    label: "verifyKeysWithAws with an unknown key",
    config: guardSettings({ verifyKeysWithAws: { enable: true } }),
    key: "guard-settings.verifyKeysWithAws.enable",
    expects: /one of enabled, timeoutSeconds/,
  },
];

/** The Configure request's entries, as the engine gate reads them from the wire. */
function rawConfig(config: Record<string, PolicyConfigSpec>, level?: string): Map<string, RawPolicyConfig> {
  return new Map(
    Object.entries(config).map(([name, spec]) => [
      name,
      {
        enforcementLevel: level ?? spec.enforcementLevel,
        properties: JSON.parse(JSON.stringify(spec.properties ?? {})) as Record<string, unknown>,
      },
    ]),
  );
}

describe("config: malformed pack configs are rejected, naming the key and what it expects", function () {
  for (const c of CASES) {
    it(`parsePackConfig: ${c.label}`, () => {
      assert.throws(
        () => parsePackConfig(rawConfig(c.config), POLICY_SETTINGS),
        (error: unknown) => {
          assert.ok(error instanceof InvalidConfigError);
          const problem = error.problems.find((p) => p.startsWith(`${c.key}: expected `));
          assert.ok(problem !== undefined, `no problem names ${c.key}: ${error.problems.join(" | ")}`);
          assert.match(problem, c.expects);
          return true;
        },
      );
    });
  }

  it("parsePackConfig: a wrong enforcement level, for one policy and for `all`", () => {
    for (const name of ["workspace-cmk-required", "all"]) {
      assert.throws(
        () => parsePackConfig(rawConfig({ [name]: {} }, "blocking"), POLICY_SETTINGS),
        (error: unknown) =>
          error instanceof InvalidConfigError &&
          error.problems.some(
            (p) =>
              p ===
              `${name}.enforcementLevel: expected one of "advisory", "mandatory", "remediate", "disabled"`,
          ),
      );
    }
  });

  it("parsePackConfig: a misspelt name gets the nearest names, in a short message", () => {
    const problems = (config: Record<string, PolicyConfigSpec>): string[] => {
      try {
        parsePackConfig(rawConfig(config), POLICY_SETTINGS);
      } catch (error) {
        if (error instanceof InvalidConfigError) return [...error.problems];
        throw error;
      }
      return assert.fail("accepted");
    };
    const [policy] = problems({ "kms-key-rotaton": { enforcementLevel: "mandatory" } });
    assert.match(policy, /^kms-key-rotaton: .*did you mean "kms-key-rotation"/);
    const [setting] = problems({ "cmk-key-deletion-window": settings({ minDeletionWindow: 7 }) });
    assert.match(setting, /did you mean "minDeletionWindowDays"\?$/);
    const [level] = problems({ "kms-key-rotation": { enforcementLevel: "mandatroy" as never } });
    assert.match(level, /did you mean "mandatory"\?$/);
    const [far] = problems({ "s3-bucket-versioning": { enforcementLevel: "mandatory" } });
    assert.match(far, /none is close; the pack has \d+\)$/);
    for (const message of [policy, setting, level, far]) assert.ok(message.length < 200, message);
  });

  it("parsePackConfig: lists every problem at once, and accepts the well-formed config", () => {
    const all = Object.assign(
      {},
      ...CASES.filter((c) => !c.key.startsWith("guard-settings")).map((c) => c.config),
    ) as Record<string, PolicyConfigSpec>;
    assert.throws(
      () => parsePackConfig(rawConfig(all), POLICY_SETTINGS),
      (error: unknown) => error instanceof InvalidConfigError && error.problems.length >= 4,
    );
    const good = {
      ...guardSettings({ trustedKeys: ["arn:aws:kms:*:123456789012:key/*"], exemptions: [EXEMPTION] }),
      "cmk-key-rotation": settings({ maxRotationPeriodDays: 180 }),
    };
    assert.equal(parsePackConfig(rawConfig(good), POLICY_SETTINGS).size, 2);
  });

  describe("through the engine protocol's Configure", function () {
    const pack = suitePack();

    it("rejects each malformed config with INVALID_ARGUMENT and the same message, and keeps serving", async () => {
      for (const c of CASES) {
        const error = await pack.client.configure(c.config).then(
          () => assert.fail(`${c.label}: Configure accepted it`),
          (e: ServiceError) => e,
        );
        assert.equal(error.code, 3, `${c.label}: ${error.message}`);
        assert.match(error.details, /^invalid bedrock-cmk-guard policy pack config: /);
        assert.ok(error.details.includes(`${c.key}: expected `), `${c.label}: ${error.details}`);
        assert.match(error.details, c.expects);
      }
      await pack.client.configure({ "cmk-key-rotation": settings({ maxRotationPeriodDays: 180 }) });
      assert.ok(pack.client.alive);
    });
  });
});
