/**
 * Template inspection on its own (policy-pack/facts/cloudformation/template-resources.ts): intrinsics, nesting, and the
 * limits that make a template unreadable or uninspected rather than quietly empty.
 */
import { strict as assert } from "assert";
import {
  inspectTemplate,
  type TemplateInspection,
} from "../../policy-pack/facts/cloudformation/template-resources";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";

const URN = "urn:pulumi:dev::test::aws:cloudformation/stack:Stack::cfn";
/** The stack as the engine describes it: region from the config, account unknown. */
const CONTEXT = { stackConfig: { "aws:region": "us-east-1" }, environmentRegion: undefined };

function inspect(templateBody: unknown, parameters?: Record<string, unknown>): TemplateInspection {
  const props = parameters === undefined ? { templateBody } : { templateBody, parameters };
  return inspectTemplate(
    {
      type: "aws:cloudformation/stack:Stack",
      urn: URN,
      name: "cfn",
      props,
      propertyDependencies: {},
    },
    CONTEXT,
  )!;
}

const domain = (properties: Record<string, unknown>) => ({
  Resources: { Studio: { Type: "AWS::DataZone::Domain", Properties: properties } },
});

describe("CloudFormation template inspection", () => {
  it("leaves out a property set to AWS::NoValue, so that a missing key is reported", () => {
    const { resources } = inspect(JSON.stringify(domain({ KmsKeyIdentifier: { Ref: "AWS::NoValue" } })));
    assert.deepEqual(resources[0].props, {});
  });

  it("resolves Sub and Join of known values, and leaves the rest unknown", () => {
    const body = {
      Parameters: {
        Region: { Type: "String", Default: "us-east-1" },
        Ssm: { Type: "AWS::SSM::Parameter::Value<String>" },
      },
      ...domain({
        KmsKeyIdentifier: { "Fn::Sub": "arn:aws:kms:${Region}:123456789012:key/${Id}" },
        Name: { "Fn::Join": ["-", ["studio", { Ref: "Region" }]] },
        Description: { Ref: "Ssm" },
        SingleSignOn: { "Fn::If": ["C", { Type: "IAM_IDC" }, { Ref: "AWS::NoValue" }] },
      }),
    };
    const props = inspect(JSON.stringify(body), { Id: "x" }).resources[0].props as Record<string, unknown>;
    assert.equal(props.kmsKeyIdentifier, UNKNOWN_SENTINEL, "Id is no parameter of the template");
    assert.equal(props.name, "studio-us-east-1");
    assert.equal(props.description, UNKNOWN_SENTINEL, "an SSM parameter is resolved at deploy time");
    assert.equal(props.singleSignOn, UNKNOWN_SENTINEL);
  });

  it("takes a parameter's value from the stack before its Default", () => {
    const body = {
      Parameters: { KeyArn: { Type: "String", Default: "alias/aws/datazone" } },
      ...domain({ KmsKeyIdentifier: { Ref: "KeyArn" } }),
    };
    const given = inspect(JSON.stringify(body), { KeyArn: "arn:aws:kms:us-east-1:123456789012:key/k" });
    assert.equal(
      (given.resources[0].props as Record<string, unknown>).kmsKeyIdentifier,
      "arn:aws:kms:us-east-1:123456789012:key/k",
    );
    assert.equal(
      (inspect(JSON.stringify(body)).resources[0].props as Record<string, unknown>).kmsKeyIdentifier,
      "alias/aws/datazone",
    );
  });

  it("expands an inline nested stack, and says a nested stack by URL, a macro or a module is not inspected", () => {
    const inner = JSON.stringify(domain({}));
    const outer = {
      Transform: "AWS::Serverless-2016-10-31",
      Resources: {
        Inline: { Type: "AWS::CloudFormation::Stack", Properties: { TemplateBody: inner } },
        Remote: {
          Type: "AWS::CloudFormation::Stack",
          Properties: { TemplateURL: "https://example.com/t.yaml" },
        },
        Mod: { Type: "My::Studio::Domain::MODULE", Properties: {} },
      },
    };
    const inspection = inspect(JSON.stringify(outer));
    assert.deepEqual(
      inspection.resources.map((r) => [r.type, r.name]),
      [["aws-native:datazone:Domain", "cfn/Inline/Studio"]],
    );
    assert.equal(inspection.uninspected.length, 3, inspection.uninspected.join("\n"));
    assert.deepEqual(inspection.unreadable, []);
  });

  it("expands a stack that Cloud Control creates", () => {
    const desiredState = JSON.stringify({ TemplateBody: JSON.stringify(domain({})) });
    const inspection = inspectTemplate(
      {
        type: "aws:cloudcontrol/resource:Resource",
        urn: "urn:pulumi:dev::test::aws:cloudcontrol/resource:Resource::cc",
        name: "cc",
        props: { typeName: "AWS::CloudFormation::Stack", desiredState },
        propertyDependencies: {},
      },
      CONTEXT,
    )!;
    assert.deepEqual(
      inspection.resources.map((r) => [r.type, r.name]),
      [["aws-native:datazone:Domain", "cc/Studio"]],
    );
  });

  it("refuses what it cannot read: loops, alias bombs, deep nesting", () => {
    const loop = {
      Resources: {
        "Fn::ForEach::Domains": ["N", ["a", "b"], { "Studio${N}": { Type: "AWS::DataZone::Domain" } }],
      },
    };
    assert.match(inspect(JSON.stringify(loop)).unreadable.join(), /Fn::ForEach/);
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [*${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}, *${"abcdefgh"[i]}]`,
      ),
      "Resources:",
      "  Studio:",
      "    Type: AWS::DataZone::Domain",
      "    Properties:",
      "      Tags: *i",
    ].join("\n");
    assert.match(inspect(bomb).unreadable.join(), /too large to inspect/);
    let deep: unknown = "x";
    for (let i = 0; i < 200; i++) deep = { a: deep };
    assert.match(inspect(JSON.stringify(domain({ Tags: deep }))).unreadable.join(), /nested deeper|maxDepth/);
  });
});
