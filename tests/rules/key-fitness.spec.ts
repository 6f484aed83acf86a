import { strict as assert } from "assert";
import { WORKSPACE_FAMILY } from "../../policy-pack/catalog/bedrock-resources";
import { kmsKeyType } from "../../policy-pack/catalog/kms-types";
import type { Rule, RuleOutcome } from "../../policy-pack/rules/rule";
import { keyFitnessRules } from "../../policy-pack/rules";
import { workspaceKeyBedrockTag } from "../../policy-pack/rules/workspace-key-bedrock-tag";
import {
  CONSUMED_KEY_SCOPE,
  DEFAULT_LIMITS,
  type KeyFitnessInput,
} from "../../policy-pack/rules/key-fitness-input";
import { cmkKeyVerifiable, type OutsideKeyVerification } from "../../policy-pack/rules/cmk-key-verifiable";
import { classifyKeyReference } from "../../policy-pack/facts/key-reference";
import { parseTrustedKey, type TrustedKeyPattern } from "../../policy-pack/facts/trusted-keys";
import type { OutsideKeyReference } from "../../policy-pack/facts/key-tracing";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";
import { FIT_KEY_PROPERTIES as FIT } from "../support/builders";

const U = UNKNOWN_SENTINEL;

function input(token: string, props: Record<string, unknown>, consumerProps: unknown = {}): KeyFitnessInput {
  const keyType = kmsKeyType(token)!;
  return {
    facts: keyType.normalise(props),
    keyType,
    limits: DEFAULT_LIMITS,
    consumer: { family: WORKSPACE_FAMILY, props: consumerProps },
  };
}
const awsKey = (overrides: Record<string, unknown>) => input("aws:kms/key:Key", { ...FIT, ...overrides });

const rules = new Map<string, Rule<KeyFitnessInput>>(
  keyFitnessRules(CONSUMED_KEY_SCOPE).map((r) => [r.rule.id, r.rule]),
);
rules.set(workspaceKeyBedrockTag.id, workspaceKeyBedrockTag);

type Kind = RuleOutcome["kind"];
const PUBLIC = JSON.stringify({
  Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }],
});
const narrowed = (condition: Record<string, unknown>) =>
  JSON.stringify({
    Statement: [
      { Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: condition },
    ],
  });

const cases: [string, string, KeyFitnessInput, Kind][] = [
  // symmetric
  ["cmk-key-symmetric", "the defaults (absent usage and spec)", input("aws:kms/key:Key", {}), "compliant"],
  ["cmk-key-symmetric", "an RSA key", awsKey({ customerMasterKeySpec: "RSA_2048" }), "non-compliant"],
  ["cmk-key-symmetric", "a signing key", awsKey({ keyUsage: "SIGN_VERIFY" }), "non-compliant"],
  ["cmk-key-symmetric", "usage of the wrong type", awsKey({ keyUsage: 7 }), "non-compliant"],
  ["cmk-key-symmetric", "an unknown spec", awsKey({ customerMasterKeySpec: U }), "undetermined"],
  [
    "cmk-key-symmetric",
    "aws-native HMAC",
    input("aws-native:kms:Key", { keySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" }),
    "non-compliant",
  ],
  [
    "cmk-key-symmetric",
    "a replica without its primary",
    input("aws:kms/replicaKey:ReplicaKey", {}),
    "undetermined",
  ],
  // enabled
  ["cmk-key-enabled", "enabled by default", input("aws:kms/key:Key", {}), "compliant"],
  ["cmk-key-enabled", "disabled", awsKey({ isEnabled: false }), "non-compliant"],
  ["cmk-key-enabled", "a string flag", awsKey({ isEnabled: "true" }), "non-compliant"],
  ["cmk-key-enabled", "unknown", awsKey({ isEnabled: U }), "undetermined"],
  [
    "cmk-key-enabled",
    "an external key without material",
    input("aws:kms/externalKey:ExternalKey", {}),
    "non-compliant",
  ],
  [
    "cmk-key-enabled",
    "aws-native disabled",
    input("aws-native:kms:Key", { enabled: false }),
    "non-compliant",
  ],
  // rotation
  ["cmk-key-rotation", "on, 365 days", awsKey({}), "compliant"],
  [
    "cmk-key-rotation",
    "on, period left to KMS (365)",
    awsKey({ rotationPeriodInDays: undefined }),
    "compliant",
  ],
  ["cmk-key-rotation", "off by default", input("aws:kms/key:Key", {}), "non-compliant"],
  ["cmk-key-rotation", "a period over the maximum", awsKey({ rotationPeriodInDays: 400 }), "non-compliant"],
  ["cmk-key-rotation", "a period as a string", awsKey({ rotationPeriodInDays: "90" }), "non-compliant"],
  ["cmk-key-rotation", "an unknown period", awsKey({ rotationPeriodInDays: U }), "undetermined"],
  ["cmk-key-rotation", "imported material", input("aws:kms/externalKey:ExternalKey", {}), "not-applicable"],
  [
    "cmk-key-rotation",
    "an asymmetric key",
    awsKey({ customerMasterKeySpec: "RSA_2048", enableKeyRotation: false }),
    "not-applicable",
  ],
  [
    "cmk-key-rotation",
    "aws-native on",
    input("aws-native:kms:Key", { enableKeyRotation: true }),
    "compliant",
  ],
  // manual rotation (advisory)
  ["cmk-key-manual-rotation", "KMS material", awsKey({}), "compliant"],
  [
    "cmk-key-manual-rotation",
    "imported material",
    input("aws:kms/externalKey:ExternalKey", {}),
    "non-compliant",
  ],
  [
    "cmk-key-manual-rotation",
    "aws-native EXTERNAL origin",
    input("aws-native:kms:Key", { origin: "EXTERNAL" }),
    "non-compliant",
  ],
  ["cmk-key-manual-rotation", "a custom key store", awsKey({ customKeyStoreId: "cks-1" }), "non-compliant"],
  [
    "cmk-key-manual-rotation",
    "an unknown origin",
    input("aws-native:kms:Key", { origin: U }),
    "undetermined",
  ],
  // deletion window
  ["cmk-key-deletion-window", "the default 30 days", input("aws:kms/key:Key", {}), "compliant"],
  ["cmk-key-deletion-window", "7 days", awsKey({ deletionWindowInDays: 7 }), "non-compliant"],
  [
    "cmk-key-deletion-window",
    "aws-native 10 days",
    input("aws-native:kms:Key", { pendingWindowInDays: 10 }),
    "non-compliant",
  ],
  ["cmk-key-deletion-window", "a string", awsKey({ deletionWindowInDays: "30" }), "non-compliant"],
  ["cmk-key-deletion-window", "unknown", awsKey({ deletionWindowInDays: U }), "undetermined"],
  // lockout check
  ["cmk-key-lockout-check", "not set", input("aws:kms/key:Key", {}), "compliant"],
  ["cmk-key-lockout-check", "bypassed", awsKey({ bypassPolicyLockoutSafetyCheck: true }), "non-compliant"],
  [
    "cmk-key-lockout-check",
    "a string flag",
    awsKey({ bypassPolicyLockoutSafetyCheck: "false" }),
    "non-compliant",
  ],
  ["cmk-key-lockout-check", "unknown", awsKey({ bypassPolicyLockoutSafetyCheck: U }), "undetermined"],
  // key policy
  ["cmk-key-policy-public", "no policy (KMS default)", awsKey({}), "compliant"],
  ["cmk-key-policy-public", "open to AWS *", awsKey({ policy: PUBLIC }), "non-compliant"],
  [
    "cmk-key-policy-public",
    "NotPrincipal allow",
    awsKey({
      policy: JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      }),
    }),
    "non-compliant",
  ],
  [
    "cmk-key-policy-public",
    "* narrowed by kms:CallerAccount",
    awsKey({ policy: narrowed({ StringEquals: { "kms:CallerAccount": "123456789012" } }) }),
    "compliant",
  ],
  [
    "cmk-key-policy-public",
    "* under kms:ViaService alone",
    awsKey({ policy: narrowed({ StringEquals: { "kms:ViaService": "bedrock.us-east-1.amazonaws.com" } }) }),
    "non-compliant",
  ],
  [
    "cmk-key-policy-public",
    "* under an IfExists condition",
    awsKey({ policy: narrowed({ StringEqualsIfExists: { "aws:PrincipalAccount": "123456789012" } }) }),
    "non-compliant",
  ],
  [
    "cmk-key-policy-public",
    "* under a wildcard org",
    awsKey({ policy: narrowed({ StringLike: { "aws:PrincipalOrgID": "*" } }) }),
    "non-compliant",
  ],
  [
    "cmk-key-policy-public",
    "a deny to *",
    awsKey({
      policy: JSON.stringify({
        Statement: [{ Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" }],
      }),
    }),
    "compliant",
  ],
  ["cmk-key-policy-public", "not JSON", awsKey({ policy: "{" }), "non-compliant"],
  ["cmk-key-policy-public", "JSON that is no policy", awsKey({ policy: "[1,2]" }), "non-compliant"],
  [
    "cmk-key-policy-public",
    "a statement without an action",
    awsKey({ policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Resource: "*" }] }) }),
    "non-compliant",
  ],
  ["cmk-key-policy-public", "unknown", awsKey({ policy: U }), "undetermined"],
  [
    "cmk-key-policy-public",
    "aws-native object, public",
    input("aws-native:kms:Key", { keyPolicy: JSON.parse(PUBLIC) }),
    "non-compliant",
  ],
  [
    "cmk-key-policy-public",
    "aws-native object with an unknown statement",
    input("aws-native:kms:Key", { keyPolicy: { Statement: [U] } }),
    "undetermined",
  ],
  // EnableBedrock tag (V1 workspaces)
  ["workspace-key-bedrock-tag", "tagged", awsKey({}), "compliant"],
  ["workspace-key-bedrock-tag", "untagged", awsKey({ tags: {} }), "non-compliant"],
  [
    "workspace-key-bedrock-tag",
    "tag value false",
    awsKey({ tags: { EnableBedrock: "false" } }),
    "non-compliant",
  ],
  [
    "workspace-key-bedrock-tag",
    "provider default tags",
    awsKey({ tags: undefined, tagsAll: { EnableBedrock: "true" } }),
    "compliant",
  ],
  [
    "workspace-key-bedrock-tag",
    "provider default tags unknown",
    awsKey({ tags: {}, tagsAll: U }),
    "undetermined",
  ],
  ["workspace-key-bedrock-tag", "tags not a map", awsKey({ tags: "EnableBedrock=true" }), "non-compliant"],
  [
    "workspace-key-bedrock-tag",
    "aws-native tag list",
    input("aws-native:kms:Key", { tags: [{ key: "EnableBedrock", value: "true" }] }),
    "compliant",
  ],
  [
    "workspace-key-bedrock-tag",
    "a V2 workspace",
    input("aws:kms/key:Key", {}, { domainVersion: "V2" }),
    "not-applicable",
  ],
  [
    "workspace-key-bedrock-tag",
    "an unknown version",
    input("aws:kms/key:Key", {}, { domainVersion: U }),
    "undetermined",
  ],
];

describe("key fitness rules", () => {
  for (const [id, label, ruleInput, expected] of cases) {
    it(`${id}: ${label} -> ${expected}`, () => {
      const rule = rules.get(id);
      assert.ok(rule, id);
      const outcome = rule.evaluate(ruleInput);
      assert.equal(outcome.kind, expected, JSON.stringify(outcome));
      if (outcome.kind === "non-compliant") assert.doesNotMatch(outcome.problem, /\[object|undefined/);
    });
  }

  it("never quotes a property value in a problem", () => {
    const outcome = rules.get("cmk-key-symmetric")!.evaluate(awsKey({ keyUsage: "SECRET-VALUE" }));
    assert.equal(outcome.kind, "non-compliant");
    assert.ok(outcome.kind === "non-compliant" && !outcome.problem.includes("SECRET-VALUE"));
  });

  it("reads the configured limits", () => {
    const strict = {
      ...awsKey({ rotationPeriodInDays: 180 }),
      limits: { ...DEFAULT_LIMITS, maxRotationPeriodDays: 90 },
    };
    assert.equal(rules.get("cmk-key-rotation")!.evaluate(strict).kind, "non-compliant");
  });
});

describe("cmk-key-verifiable (keys outside the stack)", () => {
  const ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const trusted = (...entries: string[]): TrustedKeyPattern[] => entries.map((e) => parseTrustedKey(e)!);
  const judge = (reference: string, patterns: TrustedKeyPattern[]) =>
    cmkKeyVerifiable.evaluate({
      family: WORKSPACE_FAMILY,
      type: WORKSPACE_FAMILY.types[0],
      reference: classifyKeyReference(reference) as OutsideKeyReference,
      trustedKeys: patterns,
    }).kind;

  const table: [string, string, TrustedKeyPattern[], Kind][] = [
    ["an exact trusted ARN", ARN, trusted(ARN), "compliant"],
    ["an account pattern", ARN, trusted("arn:aws:kms:*:123456789012:key/*"), "compliant"],
    [
      "a region pattern of another region",
      ARN,
      trusted("arn:aws:kms:eu-west-1:123456789012:key/*"),
      "non-compliant",
    ],
    ["another account", ARN, trusted("arn:aws:kms:*:210987654321:key/*"), "non-compliant"],
    ["no trusted keys", ARN, [], "non-compliant"],
    ["an alias name", "alias/team", trusted("arn:aws:kms:*:123456789012:key/*"), "non-compliant"],
  ];
  for (const [label, reference, patterns, expected] of table) {
    it(`${label} -> ${expected}`, () => assert.equal(judge(reference, patterns), expected));
  }

  it("with verifyKeysWithAws, judges what AWS KMS said, trusted or not", () => {
    const verifiedBy = (verification: OutsideKeyVerification, patterns: TrustedKeyPattern[] = []) =>
      cmkKeyVerifiable.evaluate({
        family: WORKSPACE_FAMILY,
        type: WORKSPACE_FAMILY.types[0],
        reference: classifyKeyReference(ARN) as OutsideKeyReference,
        trustedKeys: patterns,
        verification,
      });
    assert.equal(verifiedBy({ kind: "verified" }).kind, "compliant");
    const denied = verifiedBy(
      {
        kind: "failed",
        failure: {
          kind: "access-denied",
          operation: "GetKeyRotationStatus",
          code: "AccessDeniedException",
          detail: "",
        },
      },
      trusted(ARN),
    );
    assert.equal(denied.kind, "non-compliant");
    assert.match(denied.kind === "non-compliant" ? denied.problem : "", /kms:GetKeyRotationStatus/);
    assert.match(denied.kind === "non-compliant" ? (denied.fix ?? "") : "", /kms:GetKeyRotationStatus/);
    assert.equal(
      verifiedBy({ kind: "failed", failure: { kind: "timeout", afterSeconds: 3 } }).kind,
      "non-compliant",
    );
    assert.equal(
      verifiedBy({ kind: "not-asked", reason: "no region.", fix: "Set one." }).kind,
      "non-compliant",
    );
  });

  it("rejects malformed trusted-key entries", () => {
    for (const bad of [
      "arn:aws:kms:*:*:key/*",
      "arn:aws:kms:us-east-1:123:key/*",
      "alias/x",
      42,
      "arn:aws:s3:::b",
    ]) {
      assert.equal(parseTrustedKey(bad), undefined, String(bad));
    }
  });
});
