/**
 * A domain's `KmsKeyIdentifier` built from the template's own key and alias with CloudFormation's
 * intrinsic functions, in arbitrary compositions, judged when values are final against an oracle
 * written here from the documentation alone: each expression is evaluated the way CloudFormation
 * would deploy it (`Ref` of an AWS::KMS::Key is its key id, `Fn::GetAtt Key.Arn` its ARN, `Ref` of
 * an AWS::KMS::Alias its alias name; a condition on a parameter without a value is tried both
 * ways; `Fn::ImportValue` may be anything). The domain accepts only the ARN of the template's fit
 * key (not its key id or alias, not the ARN of the template's key without rotation).
 * - PASS only when every way the template can deploy gives the key's ARN (no silent pass);
 * - a violation only when some way gives something else (no false block);
 * - NOT VERIFIED only when some way is not the key's ARN or cannot be known offline.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { depth } from "../support/depth";
import { ACCOUNT, FIT_KEY, judgeTemplate } from "./template-judge";
import { REGION } from "../judging/world";

const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const UNFIT_KEY_ID = "0987dcba-09ba-87dc-65fe-0987654321ba";
const ALIAS_NAME = "alias/studio";

/** `Fn::Sub` strings over the key, its alias and the pseudo parameters. */
const SUB_PATTERNS = [
  "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}",
  "arn:${AWS::Partition}:kms:eu-west-1:${AWS::AccountId}:key/${Key}",
  "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:${KeyAlias}",
  "${Key.Arn}",
  "${UnfitKey.Arn}",
  "${Key}",
  "${Key.KeyId}",
  "${KeyAlias}",
];

/** Fragments a `Fn::Join` may glue to references. */
const FRAGMENTS = [
  `arn:aws:kms:${REGION}:${ACCOUNT}:key/`,
  `arn:aws:kms:eu-west-1:${ACCOUNT}:key/`,
  "alias/aws/datazone",
  "",
];

/** Conditions of the template: decided (Yes, No) or on parameters without a value (Maybe, Perhaps). */
type ConditionName = "Yes" | "No" | "Maybe" | "Perhaps";
/** How CloudFormation may take the undecided conditions. */
type Assignment = { readonly Maybe: boolean; readonly Perhaps: boolean };
const ASSIGNMENTS: readonly Assignment[] = [
  { Maybe: true, Perhaps: true },
  { Maybe: true, Perhaps: false },
  { Maybe: false, Perhaps: true },
  { Maybe: false, Perhaps: false },
];

const expression: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<unknown>(
      { "Fn::GetAtt": ["Key", "Arn"] },
      { "Fn::GetAtt": "Key.Arn" },
      { "Fn::GetAtt": ["Key", "KeyId"] },
      { "Fn::GetAtt": ["UnfitKey", "Arn"] },
      { Ref: "Key" },
      { Ref: "KeyAlias" },
      { "Fn::ImportValue": "shared-key-arn" },
    ),
    fc.constantFrom(...SUB_PATTERNS).map((pattern) => ({ "Fn::Sub": pattern })),
    fc
      .array(fc.oneof(fc.constantFrom<unknown>(...FRAGMENTS), tie("node")), { minLength: 1, maxLength: 3 })
      .map((parts) => ({ "Fn::Join": ["", parts] })),
    fc
      .tuple(fc.constantFrom(0, 1), tie("node"), tie("node"))
      .map(([index, a, b]) => ({ "Fn::Select": [index, [a, b]] })),
    fc
      .tuple(fc.constantFrom<ConditionName>("Yes", "No", "Maybe", "Perhaps"), tie("node"), tie("node"))
      .map(([condition, a, b]) => ({ "Fn::If": [condition, a, b] })),
  ),
})).node;

/** A value CloudFormation could deploy: a string, or anything at all (`Fn::ImportValue`). */
const ANYTHING = Symbol("anything");
type Deployed = string | typeof ANYTHING;

/** The oracle: the expression as CloudFormation deploys it when the conditions are as `way` says. */
function deployed(node: unknown, way: Assignment): Deployed {
  const [name, argument] = Object.entries(node as Record<string, unknown>)[0];
  const attribute = (target: string, attr: string): string => {
    if (target === "KeyAlias") return ALIAS_NAME;
    const id = target === "UnfitKey" ? UNFIT_KEY_ID : KEY_ID;
    return attr === "Arn" ? `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}` : id;
  };
  switch (name) {
    case "Ref":
      return attribute(argument as string, "Ref");
    case "Fn::GetAtt": {
      const [target, attr] = Array.isArray(argument) ? argument : (argument as string).split(".");
      return attribute(target as string, attr as string);
    }
    case "Fn::ImportValue":
      return ANYTHING;
    case "Fn::Sub":
      return (argument as string).replace(/\$\{([^}]+)\}/g, (_, variable: string) => {
        const pseudo: Record<string, string> = {
          "AWS::Partition": "aws",
          "AWS::Region": REGION,
          "AWS::AccountId": ACCOUNT,
        };
        if (variable in pseudo) return pseudo[variable];
        const [target, attr] = variable.split(".");
        return attribute(target, attr ?? "Ref");
      });
    case "Fn::Join": {
      const parts = (argument as [string, unknown[]])[1].map((part) =>
        typeof part === "string" ? part : deployed(part, way),
      );
      return parts.includes(ANYTHING) ? ANYTHING : parts.join("");
    }
    case "Fn::Select": {
      const [index, items] = argument as [number, unknown[]];
      return deployed(items[index], way);
    }
    case "Fn::If": {
      const [condition, whenTrue, whenFalse] = argument as [ConditionName, unknown, unknown];
      const holds = condition === "Yes" || (condition !== "No" && way[condition]);
      return deployed(holds ? whenTrue : whenFalse, way);
    }
  }
  throw new Error(`not in the grammar: ${name}`);
}

function template(keyExpression: unknown): Record<string, unknown> {
  return {
    Parameters: { Mode: { Type: "String" }, Variant: { Type: "String" } },
    Conditions: {
      Yes: { "Fn::Equals": ["a", "a"] },
      No: { "Fn::Equals": ["a", "b"] },
      Maybe: { "Fn::Equals": [{ Ref: "Mode" }, "first"] },
      Perhaps: { "Fn::Equals": [{ Ref: "Variant" }, "second"] },
    },
    Resources: {
      Key: FIT_KEY,
      // CloudFormation's default for EnableKeyRotation is false: a key the domain must not use.
      UnfitKey: { ...FIT_KEY, Properties: { ...FIT_KEY.Properties, EnableKeyRotation: false } },
      KeyAlias: {
        Type: "AWS::KMS::Alias",
        Properties: { AliasName: ALIAS_NAME, TargetKeyId: { Ref: "Key" } },
      },
      Studio: {
        Type: "AWS::DataZone::Domain",
        Properties: {
          Name: "studio",
          DomainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/studio`,
          KmsKeyIdentifier: keyExpression,
        },
      },
    },
  };
}

describe("property: a template's key reference in any composition of intrinsics, against CloudFormation's semantics", () => {
  it("passes only what always deploys the key's ARN, blocks only what may not, and says NOT VERIFIED only when it cannot know", () => {
    const seen = { pass: 0, block: 0, unverified: 0 };
    fc.assert(
      fc.property(expression, (keyExpression) => {
        const outcomes = ASSIGNMENTS.map((way) => deployed(keyExpression, way));
        const alwaysTheKey = outcomes.every((value) => value === KEY_ARN);
        const sometimesOther = outcomes.some((value) => value !== ANYTHING && value !== KEY_ARN);
        const { blocking } = judgeTemplate(template(keyExpression), "final");
        const shown = `${JSON.stringify(keyExpression)} deploys ${outcomes.map(String).join(" or ")}; guard: ${blocking.join(", ") || "PASS"}`;
        if (blocking.length === 0) {
          seen.pass++;
          assert.ok(alwaysTheKey, `silent pass: ${shown}`);
        } else if (blocking.every((policy) => policy === "cmk-unverifiable")) {
          seen.unverified++;
          assert.ok(!alwaysTheKey, `NOT VERIFIED for what always deploys the key's ARN: ${shown}`);
        } else {
          seen.block++;
          assert.ok(sometimesOther, `false block: ${shown}`);
        }
      }),
      { numRuns: depth(3000, 300) },
    );
    // Each verdict is met, so that none of the three checks above is vacuous.
    assert.ok(seen.pass > 0 && seen.block > 0 && seen.unverified > 0, JSON.stringify(seen));
  });
});
