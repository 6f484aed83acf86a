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

  describe("Fn::ForEach (AWS::LanguageExtensions), expanded as the transform documents it", () => {
    const TRANSFORM = { Transform: "AWS::LanguageExtensions" };
    const keyArn = (name: string) => ({ "Fn::GetAtt": [`Key${name}`, "Arn"] });

    it("one resource per item: ${Identifier} in keys and strings, Ref to the identifier, &{Identifier} without non-alphanumerics", () => {
      const body = {
        ...TRANSFORM,
        Resources: {
          "Fn::ForEach::Teams": [
            "Team",
            ["red", "blue-green"],
            {
              "Key&{Team}": { Type: "AWS::KMS::Key", Properties: { EnableKeyRotation: true } },
              "Studio&{Team}": {
                Type: "AWS::DataZone::Domain",
                Properties: {
                  Name: { Ref: "Team" },
                  Description: "workspace of ${Team}",
                  KmsKeyIdentifier: { "Fn::GetAtt": ["Key&{Team}", "Arn"] },
                },
              },
            },
          ],
        },
      };
      const inspection = inspect(JSON.stringify(body));
      assert.deepEqual(inspection.unreadable, []);
      const studios = inspection.resources.filter((r) => r.type === "aws-native:datazone:Domain");
      assert.deepEqual(
        studios.map((r) => [
          r.name,
          (r.props as { name: string }).name,
          (r.props as { description: string }).description,
        ]),
        [
          ["cfn/Studiored", "red", "workspace of red"],
          ["cfn/Studiobluegreen", "blue-green", "workspace of blue-green"],
        ],
      );
      // The key each workspace names is the loop's key of the same item.
      assert.deepEqual(
        studios.map((r) => r.propertyDependencies.kmsKeyIdentifier),
        [[`${URN}#template:Keyred`], [`${URN}#template:Keybluegreen`]],
      );
    });

    it("nested loops, and a collection from a CommaDelimitedList parameter", () => {
      const body = {
        ...TRANSFORM,
        Parameters: { Envs: { Type: "CommaDelimitedList", Default: "dev, prod" } },
        Resources: {
          "Fn::ForEach::Envs": [
            "Env",
            { Ref: "Envs" },
            {
              "Fn::ForEach::Teams": [
                "Team",
                ["a", "b"],
                {
                  "Studio${Env}${Team}": {
                    Type: "AWS::DataZone::Domain",
                    Properties: { Name: { "Fn::Sub": "${Env}-${Team}" }, KmsKeyIdentifier: keyArn("x") },
                  },
                },
              ],
            },
          ],
        },
      };
      const inspection = inspect(JSON.stringify(body));
      assert.deepEqual(inspection.unreadable, []);
      assert.deepEqual(
        inspection.resources.map((r) => (r.props as { name: string }).name),
        ["dev-a", "dev-b", "prod-a", "prod-b"],
      );
    });

    it("fails closed on a collection not known offline, a malformed loop, or a duplicate logical ID", () => {
      const loop = (
        collection: unknown,
        fragment: unknown = { "Studio${N}": { Type: "AWS::DataZone::Domain" } },
      ) => ({
        ...TRANSFORM,
        Resources: { "Fn::ForEach::Domains": ["N", collection, fragment] },
      });
      assert.match(
        inspect(JSON.stringify(loop({ "Fn::GetAZs": "" }))).unreadable.join(),
        /collection is not a list of strings known offline/,
      );
      assert.match(
        inspect(JSON.stringify({ Resources: { "Fn::ForEach::Domains": ["N", ["a"]] } })).unreadable.join(),
        /not \[identifier, collection/,
      );
      assert.match(inspect(JSON.stringify(loop(["a", "a"]))).unreadable.join(), /makes `Studioa` twice/);
      // A loop inside properties could make any property, a key policy included: never read as a literal.
      const keyPolicyLoop = {
        ...TRANSFORM,
        Resources: {
          Key: {
            Type: "AWS::KMS::Key",
            Properties: { "Fn::ForEach::Policy": ["P", ["KeyPolicy"], { "${P}": { Statement: [] } }] },
          },
          Studio: { Type: "AWS::DataZone::Domain", Properties: { KmsKeyIdentifier: keyArn("") } },
        },
      };
      assert.match(
        inspect(JSON.stringify(keyPolicyLoop)).unreadable.join(),
        /`Key` .*Fn::ForEach inside its properties/,
      );
    });
  });

  it("refuses what it cannot read: alias bombs, deep nesting", () => {
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
