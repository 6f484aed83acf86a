/**
 * The offline `aws.iam.getPolicyDocument` of the preview engine against the provider's own
 * documented examples (@pulumi/aws iam/getPolicyDocument.d.ts: "Using A Source Document", "Using An
 * Override Document", "with Both Source and Override Documents", "Merging Source Documents",
 * "Merging Override Documents", "Multiple Condition Keys and Values", the `&{...}` variables of the
 * basic example), and what it must not guess: unknown inputs, refused inputs.
 */
import { strict as assert } from "assert";
import { SimulatedCloud } from "../../cli/engine/simulated-cloud";
import { UNKNOWN } from "../../cli/engine/pack-client";
import { analyseKeyPolicy } from "../../policy-pack/key-policy/analysis";

const TOKEN = "aws:iam/getPolicyDocument:getPolicyDocument";
const preview = new SimulatedCloud({ "aws:region": "us-east-1" }, true);
const afterUp = new SimulatedCloud({ "aws:region": "us-east-1" }, false);

/** The document the data source returns (its `json`), parsed. */
function documentOf(args: Record<string, unknown>): { Version: string; Statement: unknown[] } {
  const result = preview.invoke(TOKEN, args, "");
  assert.ok(result !== undefined, "answered offline");
  const parsed = JSON.parse(String(result.json)) as { Version: string; Statement: unknown[] };
  assert.deepEqual(JSON.parse(String(result.minifiedJson)), parsed);
  return parsed;
}
const json = (args: Record<string, unknown>) => JSON.stringify(documentOf(args));

describe("offline aws.iam.getPolicyDocument: the provider's documented semantics", () => {
  it("Using A Source Document: a statement replaces the source's statement of the same Sid", () => {
    const source = json({
      statements: [
        { actions: ["ec2:*"], resources: ["*"] },
        { sid: "SidToOverride", actions: ["s3:*"], resources: ["*"] },
      ],
    });
    const document = documentOf({
      statements: [
        {
          sid: "SidToOverride",
          actions: ["s3:*"],
          resources: ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
        },
      ],
      sourcePolicyDocuments: [source],
    });
    assert.deepEqual(document.Statement, [
      { Effect: "Allow", Action: "ec2:*", Resource: "*" },
      {
        Sid: "SidToOverride",
        Effect: "Allow",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
      },
    ]);
  });

  it("Using An Override Document: the override's statement replaces the one of the same Sid", () => {
    const override = json({ statements: [{ sid: "SidToOverride", actions: ["s3:*"], resources: ["*"] }] });
    const document = documentOf({
      statements: [
        { actions: ["ec2:*"], resources: ["*"] },
        { sid: "SidToOverride", actions: ["s3:*"], resources: ["arn:aws:s3:::somebucket"] },
      ],
      overridePolicyDocuments: [override],
    });
    assert.deepEqual(document.Statement, [
      { Effect: "Allow", Action: "ec2:*", Resource: "*" },
      { Sid: "SidToOverride", Effect: "Allow", Action: "s3:*", Resource: "*" },
    ]);
  });

  it("with Both Source and Override Documents: the override wins", () => {
    const source = json({
      statements: [
        { sid: "OverridePlaceholder", actions: ["ec2:DescribeAccountAttributes"], resources: ["*"] },
      ],
    });
    const override = json({
      statements: [{ sid: "OverridePlaceholder", actions: ["s3:GetObject"], resources: ["*"] }],
    });
    const document = documentOf({ sourcePolicyDocuments: [source], overridePolicyDocuments: [override] });
    assert.deepEqual(document.Statement, [
      { Sid: "OverridePlaceholder", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
    ]);
  });

  it("Merging Source Documents: every statement, in order", () => {
    const one = json({
      statements: [
        { actions: ["ec2:*"], resources: ["*"] },
        { sid: "UniqueSidOne", actions: ["s3:*"], resources: ["*"] },
      ],
    });
    const two = json({
      statements: [
        { sid: "UniqueSidTwo", actions: ["iam:*"], resources: ["*"] },
        { actions: ["lambda:*"], resources: ["*"] },
      ],
    });
    const document = documentOf({ sourcePolicyDocuments: [one, two] });
    assert.deepEqual(document.Statement, [
      { Effect: "Allow", Action: "ec2:*", Resource: "*" },
      { Sid: "UniqueSidOne", Effect: "Allow", Action: "s3:*", Resource: "*" },
      { Sid: "UniqueSidTwo", Effect: "Allow", Action: "iam:*", Resource: "*" },
      { Effect: "Allow", Action: "lambda:*", Resource: "*" },
    ]);
  });

  it("Merging Override Documents: each override replaces by Sid, in turn", () => {
    const one = json({
      statements: [{ sid: "OverridePlaceHolderOne", effect: "Allow", actions: ["s3:*"], resources: ["*"] }],
    });
    const two = json({
      statements: [
        { effect: "Allow", actions: ["ec2:*"], resources: ["*"] },
        { sid: "OverridePlaceHolderTwo", effect: "Allow", actions: ["iam:*"], resources: ["*"] },
      ],
    });
    const three = json({
      statements: [{ sid: "OverridePlaceHolderOne", effect: "Deny", actions: ["logs:*"], resources: ["*"] }],
    });
    const document = documentOf({
      statements: [{ sid: "OverridePlaceHolderTwo", effect: "Deny", actions: ["*"], resources: ["*"] }],
      overridePolicyDocuments: [one, two, three],
    });
    assert.deepEqual(document.Statement, [
      { Sid: "OverridePlaceHolderTwo", Effect: "Allow", Action: "iam:*", Resource: "*" },
      { Sid: "OverridePlaceHolderOne", Effect: "Deny", Action: "logs:*", Resource: "*" },
      { Effect: "Allow", Action: "ec2:*", Resource: "*" },
    ]);
  });

  it("Multiple Condition Keys and Values: one test, several variables", () => {
    const document = documentOf({
      statements: [
        {
          conditions: [
            { test: "ForAnyValue:StringEquals", variable: "kms:EncryptionContext:service", values: ["pi"] },
            {
              test: "ForAnyValue:StringEquals",
              variable: "kms:EncryptionContext:aws:pi:service",
              values: ["rds"],
            },
            {
              test: "ForAnyValue:StringEquals",
              variable: "kms:EncryptionContext:aws:rds:db-id",
              values: ["db-AAAAABBBBBCCCCCDDDDDEEEEE", "db-EEEEEDDDDDCCCCCBBBBBAAAAA"],
            },
          ],
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: ["*"],
        },
      ],
    });
    assert.deepEqual(document.Statement, [
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: {
          "ForAnyValue:StringEquals": {
            "kms:EncryptionContext:service": "pi",
            "kms:EncryptionContext:aws:pi:service": "rds",
            "kms:EncryptionContext:aws:rds:db-id": [
              "db-AAAAABBBBBCCCCCDDDDDEEEEE",
              "db-EEEEEDDDDDCCCCCBBBBBAAAAA",
            ],
          },
        },
      },
    ]);
  });

  it("merges conditions with the same test and variable instead of keeping the last", () => {
    const document = documentOf({
      statements: [
        {
          actions: ["kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: ["*"] }],
          conditions: [
            { test: "StringEquals", variable: "kms:CallerAccount", values: ["123456789012"] },
            { test: "StringEquals", variable: "kms:CallerAccount", values: ["210987654321"] },
          ],
        },
      ],
    });
    const statement = document.Statement[0] as { Condition: unknown };
    assert.deepEqual(statement.Condition, {
      StringEquals: { "kms:CallerAccount": ["123456789012", "210987654321"] },
    });
  });

  it("turns &{...} into policy variables, as the basic example documents", () => {
    const document = documentOf({
      statements: [
        {
          actions: ["kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: ["*"] }],
          conditions: [
            { test: "StringEquals", variable: "kms:CallerAccount", values: ["&{aws:PrincipalAccount}"] },
          ],
        },
      ],
    });
    const statement = document.Statement[0] as { Condition: Record<string, Record<string, unknown>> };
    assert.equal(statement.Condition.StringEquals!["kms:CallerAccount"], "${aws:PrincipalAccount}");
    // ... which makes the condition always hold: the key is public.
    assert.equal(analyseKeyPolicy(JSON.stringify(document)).kind, "public");
  });

  it("carries a public statement brought in by sourcePolicyDocuments into the key policy", () => {
    const open = json({
      statements: [
        {
          sid: "Open",
          actions: ["kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "*", identifiers: ["*"] }],
        },
      ],
    });
    const document = documentOf({
      statements: [
        {
          sid: "Admin",
          actions: ["kms:*"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }],
        },
      ],
      sourcePolicyDocuments: [open],
    });
    assert.equal(analyseKeyPolicy(JSON.stringify(document)).kind, "public");
  });

  const notComputed: [string, Record<string, unknown>][] = [
    ["an unknown source document", { sourcePolicyDocuments: [UNKNOWN] }],
    ["an unknown override document", { overridePolicyDocuments: [UNKNOWN] }],
    ["an unknown value in a statement", { statements: [{ actions: ["kms:Decrypt"], resources: [UNKNOWN] }] }],
    ["a source document that is not JSON", { sourcePolicyDocuments: ["{"] }],
    ["an override document that is not an object", { overrideJson: "[1]" }],
    [
      "two source documents with the same Sid (the provider refuses them)",
      {
        sourcePolicyDocuments: [
          JSON.stringify({ Statement: [{ Sid: "A", Effect: "Allow", Action: "*", Resource: "*" }] }),
          JSON.stringify({ Statement: [{ Sid: "A", Effect: "Deny", Action: "*", Resource: "*" }] }),
        ],
      },
    ],
    [
      "two statements with the same Sid (the provider refuses them)",
      {
        statements: [
          { sid: "A", actions: ["*"] },
          { sid: "A", actions: ["s3:*"] },
        ],
      },
    ],
  ];
  for (const [label, args] of notComputed) {
    it(`does not guess with ${label}: unknown at preview, an error after up`, () => {
      assert.equal(preview.invoke(TOKEN, args, ""), undefined);
      assert.throws(() => afterUp.invoke(TOKEN, args, ""), /does not compute offline/);
    });
  }

  it("applies the deprecated sourceJson first and overrideJson last", () => {
    const document = documentOf({
      sourceJson: JSON.stringify({
        Statement: [{ Sid: "S", Effect: "Allow", Action: "ec2:*", Resource: "*" }],
      }),
      statements: [{ sid: "S", actions: ["s3:*"], resources: ["*"] }],
      overrideJson: JSON.stringify({
        Statement: { Sid: "S", Effect: "Deny", Action: "iam:*", Resource: "*" },
      }),
    });
    assert.deepEqual(document.Statement, [{ Sid: "S", Effect: "Deny", Action: "iam:*", Resource: "*" }]);
  });
});
