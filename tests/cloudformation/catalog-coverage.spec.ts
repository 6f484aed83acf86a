/**
 * Issue 20, coverage: every CloudFormation type the catalog maps (each guarded aws-native type, the
 * KMS keys, replica keys and aliases) is evaluated the same way: a false `Condition` creates
 * nothing, `Fn::If` chooses its key (or leaves it out), and a key's values are coerced to its schema.
 */
import { strict as assert } from "assert";
import { GUARDED_TYPES } from "../../policy-pack/catalog/bedrock-resources";
import { KMS_ALIAS_TYPES, KMS_KEY_TYPES } from "../../policy-pack/catalog/kms-types";
import {
  inspectTemplate,
  type TemplateInspection,
} from "../../policy-pack/facts/cloudformation/template-resources";
import { readPath } from "../../policy-pack/facts/values";

const CONTEXT = { stackConfig: { "aws:region": "us-east-1" }, environmentRegion: undefined };
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** `aws-native:<service>:<Type>` as CloudFormation names it (the service's case does not matter). */
function cfnTypeOf(token: string): string {
  const [, service, type] = token.split(":");
  return `AWS::${service}::${type}`;
}

/** CloudFormation properties with `value` at an aws-native property path. */
function propertiesAt(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, segment) => ({ [pascal(segment)]: inner }), value) as Record<
    string,
    unknown
  >;
}

function inspect(
  cfnType: string,
  declaration: Record<string, unknown>,
  useCmk: "true" | "false",
): TemplateInspection {
  const template = {
    Parameters: { UseCmk: { Type: "String", Default: "false" } },
    Conditions: { UseCmk: { "Fn::Equals": [{ Ref: "UseCmk" }, "true"] } },
    Resources: { Subject: { Type: cfnType, ...declaration } },
  };
  return inspectTemplate(
    {
      type: "aws:cloudformation/stack:Stack",
      urn: "urn:pulumi:dev::test::aws:cloudformation/stack:Stack::cfn",
      name: "cfn",
      props: { templateBody: JSON.stringify(template), parameters: { UseCmk: useCmk } },
      propertyDependencies: {},
    },
    CONTEXT,
  )!;
}

const nativeGuarded = GUARDED_TYPES.filter((t) => t.provider === "aws-native");
const keyTokens = [...KMS_KEY_TYPES, ...KMS_ALIAS_TYPES].filter((t) => t.provider === "aws-native");

describe("CloudFormation evaluation over every type the catalog maps", () => {
  it("covers the catalog's aws-native guarded types, keys, replica keys and aliases", () => {
    assert.ok(nativeGuarded.length >= 5, `${nativeGuarded.length} guarded types`);
    assert.deepEqual(
      keyTokens.map((t) => t.token),
      ["aws-native:kms:Key", "aws-native:kms:ReplicaKey", "aws-native:kms:Alias"],
    );
  });

  for (const type of nativeGuarded) {
    it(`${type.token}: a false Condition creates nothing; Fn::If chooses the key or leaves it out`, () => {
      const cfnType = cfnTypeOf(type.token);
      const keyIf = { "Fn::If": ["UseCmk", KEY_ARN, { Ref: "AWS::NoValue" }] };
      const declaration = { Properties: propertiesAt(type.keyProperty, keyIf) };
      assert.deepEqual(inspect(cfnType, { ...declaration, Condition: "UseCmk" }, "false").resources, []);
      const chosen = inspect(cfnType, declaration, "true").resources;
      assert.deepEqual(
        chosen.map((r) => r.type),
        [type.token],
      );
      assert.equal(readPath(chosen[0].props, type.keyProperty), KEY_ARN);
      const leftOut = inspect(cfnType, declaration, "false").resources;
      assert.equal(readPath(leftOut[0].props, type.keyProperty), undefined);
    });
  }

  for (const type of KMS_KEY_TYPES.filter((t) => t.provider === "aws-native")) {
    it(`${type.token}: Fn::If over the schema's booleans and integers, coerced`, () => {
      const properties: Record<string, unknown> = {};
      const expected: Record<string, unknown> = {};
      for (const fact of ["enabled", "rotationEnabled"] as const) {
        const name = type.factProperties[fact];
        if (name === undefined) continue;
        properties[pascal(name)] = { "Fn::If": ["UseCmk", "true", "false"] };
        expected[name] = false;
      }
      const window = type.factProperties.deletionWindowDays!;
      properties[pascal(window)] = { "Fn::If": ["UseCmk", "7", "30"] };
      expected[window] = 30;
      const [key] = inspect(cfnTypeOf(type.token), { Properties: properties }, "false").resources;
      assert.deepEqual(key.props, expected);
    });
  }

  it("aws-native:kms:Alias: a false Condition creates nothing", () => {
    const alias = { Properties: { AliasName: "alias/studio", TargetKeyId: KEY_ARN }, Condition: "UseCmk" };
    assert.deepEqual(inspect("AWS::KMS::Alias", alias, "false").resources, []);
    assert.equal(inspect("AWS::KMS::Alias", alias, "true").resources.length, 1);
  });
});
