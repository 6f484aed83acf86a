/**
 * Issue 20: the template language evaluated as CloudFormation evaluates it, through the template
 * inspection (policy-pack/facts/cloudformation/template-resources.ts, inspectTemplate). Each
 * intrinsic with the example of the CloudFormation user guide's page for it; then what stays
 * unknown, conditions on resources, typed parameters, pseudo parameters and the schema's coercion.
 */
import { strict as assert } from "assert";
import {
  inspectTemplate,
  type StackContext,
  type TemplateInspection,
} from "../../policy-pack/facts/cloudformation/template-resources";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";

const HOST_URN = "urn:pulumi:dev::test::aws:cloudformation/stack:Stack::cfn";
const US_EAST_1: StackContext = { stackConfig: { "aws:region": "us-east-1" }, environmentRegion: undefined };
const ACCOUNT = "123456789012";
const PINNED: StackContext = {
  stackConfig: { "aws:region": "us-east-1", "aws:allowedAccountIds": JSON.stringify([ACCOUNT]) },
  environmentRegion: undefined,
};
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

interface HostOptions {
  readonly parameters?: Record<string, unknown>;
  readonly context?: StackContext;
  readonly propertyDependencies?: Record<string, string[]>;
  readonly providerProps?: unknown;
}

function inspect(template: Record<string, unknown>, options: HostOptions = {}): TemplateInspection {
  const props: Record<string, unknown> = { templateBody: JSON.stringify(template) };
  if (options.parameters !== undefined) props.parameters = options.parameters;
  return inspectTemplate(
    {
      type: "aws:cloudformation/stack:Stack",
      urn: HOST_URN,
      name: "cfn",
      props,
      propertyDependencies: options.propertyDependencies ?? {},
      ...(options.providerProps === undefined ? {} : { providerProps: options.providerProps }),
    },
    options.context ?? US_EAST_1,
  )!;
}

/** The value CloudFormation gives `expression`, read as a domain's `Description`. */
function evaluate(
  expression: unknown,
  sections: Record<string, unknown> = {},
  options: HostOptions = {},
): unknown {
  const template = {
    ...sections,
    Resources: { Studio: { Type: "AWS::DataZone::Domain", Properties: { Description: expression } } },
  };
  const inspection = inspect(template, options);
  assert.deepEqual(inspection.unreadable, []);
  return (inspection.resources[0].props as Record<string, unknown>).description;
}

const stringParameter = (Default?: string) => ({
  Type: "String",
  ...(Default === undefined ? {} : { Default }),
});

describe("CloudFormation intrinsics (the user guide's examples)", () => {
  it("Fn::Base64", () => {
    assert.equal(evaluate({ "Fn::Base64": "AWS CloudFormation" }), "QVdTIENsb3VkRm9ybWF0aW9u");
  });

  it("Fn::FindInMap, by region, and its DefaultValue", () => {
    const Mappings = {
      RegionMap: {
        "us-east-1": { HVM64: "ami-0ff8a91507f77f867", HVMG2: "ami-0a584ac55a7631c0c" },
        "us-west-1": { HVM64: "ami-0bdb828fd58c52235", HVMG2: "ami-066ee5fd4a9ef77f1" },
      },
    };
    const byRegion = { "Fn::FindInMap": ["RegionMap", { Ref: "AWS::Region" }, "HVM64"] };
    assert.equal(evaluate(byRegion, { Mappings }), "ami-0ff8a91507f77f867");
    const west: StackContext = { stackConfig: { "aws:region": "us-west-1" }, environmentRegion: undefined };
    assert.equal(evaluate(byRegion, { Mappings }, { context: west }), "ami-0bdb828fd58c52235");
    const withDefault = {
      "Fn::FindInMap": ["RegionMap", "eu-west-1", "HVM64", { DefaultValue: "ami-default" }],
    };
    assert.equal(evaluate(withDefault, { Mappings, Transform: "AWS::LanguageExtensions" }), "ami-default");
    assert.equal(
      evaluate({ "Fn::FindInMap": ["RegionMap", "eu-west-1", "HVM64"] }, { Mappings }),
      UNKNOWN_SENTINEL,
      "no entry and no default: CloudFormation refuses the template",
    );
  });

  it("Fn::GetAZs stays unknown (the zones enabled for an account are not known offline)", () => {
    assert.equal(evaluate({ "Fn::Select": [0, { "Fn::GetAZs": "" }] }), UNKNOWN_SENTINEL);
  });

  it("Fn::If, with AWS::NoValue", () => {
    const Parameters = { EnvType: stringParameter("test"), DBSnapshotName: stringParameter("snap") };
    const Conditions = {
      CreateProdResources: { "Fn::Equals": [{ Ref: "EnvType" }, "prod"] },
      UseDBSnapshot: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "DBSnapshotName" }, ""] }] },
    };
    const sections = { Parameters, Conditions };
    assert.equal(
      evaluate({ "Fn::If": ["CreateProdResources", "c1.xlarge", "m1.small"] }, sections),
      "m1.small",
    );
    assert.equal(
      evaluate({ "Fn::If": ["CreateProdResources", "c1.xlarge", "m1.small"] }, sections, {
        parameters: { EnvType: "prod" },
      }),
      "c1.xlarge",
    );
    assert.equal(
      evaluate({ "Fn::If": ["UseDBSnapshot", { Ref: "DBSnapshotName" }, { Ref: "AWS::NoValue" }] }, sections),
      "snap",
    );
    assert.equal(
      evaluate(
        { "Fn::If": ["UseDBSnapshot", { Ref: "DBSnapshotName" }, { Ref: "AWS::NoValue" }] },
        sections,
        {
          parameters: { DBSnapshotName: "" },
        },
      ),
      undefined,
      "AWS::NoValue leaves the property out",
    );
  });

  it("Fn::Join, with pseudo parameters", () => {
    assert.equal(evaluate({ "Fn::Join": [":", ["a", "b", "c"]] }), "a:b:c");
    const arn = {
      "Fn::Join": [
        "",
        ["arn:", { Ref: "AWS::Partition" }, ":s3:::elasticbeanstalk-*-", { Ref: "AWS::AccountId" }],
      ],
    };
    assert.equal(evaluate(arn, {}, { context: PINNED }), `arn:aws:s3:::elasticbeanstalk-*-${ACCOUNT}`);
    assert.equal(evaluate(arn), UNKNOWN_SENTINEL, "the account is not known without allowedAccountIds");
  });

  it("Fn::Select, over a literal list and over Fn::Split", () => {
    assert.equal(evaluate({ "Fn::Select": ["1", ["apples", "grapes", "oranges", "mangoes"]] }), "grapes");
    const Parameters = {
      DbSubnetIpBlocks: { Type: "CommaDelimitedList", Default: "10.0.48.0/24, 10.0.112.0/24, 10.0.176.0/24" },
    };
    assert.equal(
      evaluate({ "Fn::Select": [0, { Ref: "DbSubnetIpBlocks" }] }, { Parameters }),
      "10.0.48.0/24",
    );
    assert.equal(
      evaluate({ "Fn::Select": [2, { Ref: "DbSubnetIpBlocks" }] }, { Parameters }),
      "10.0.176.0/24",
    );
    assert.equal(
      evaluate({ "Fn::Select": [2, { "Fn::Split": [",", { "Fn::ImportValue": "AccountSubnetIDs" }] }] }),
      UNKNOWN_SENTINEL,
    );
  });

  it("Fn::Split", () => {
    assert.deepEqual(evaluate({ "Fn::Split": ["|", "a|b|c"] }), ["a", "b", "c"]);
    assert.deepEqual(evaluate({ "Fn::Split": ["|", "a||c|"] }), ["a", "", "c", ""]);
  });

  it("Fn::Sub, both forms", () => {
    const vpc = `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:vpc/\${vpc}`;
    assert.equal(
      evaluate({ "Fn::Sub": [vpc, { vpc: "vpc-1" }] }, {}, { context: PINNED }),
      `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/vpc-1`,
    );
    const Parameters = { RootDomainName: stringParameter("example.com") };
    assert.equal(
      evaluate({ "Fn::Sub": ["www.${Domain}", { Domain: { Ref: "RootDomainName" } }] }, { Parameters }),
      "www.example.com",
    );
    assert.equal(evaluate({ "Fn::Sub": "${!Literal}-${AWS::Region}" }), "${Literal}-us-east-1");
  });

  it("Fn::Length and Fn::ToJsonString (AWS::LanguageExtensions)", () => {
    const Parameters = {
      QueueList: { Type: "CommaDelimitedList", Default: "a, b, c" },
      Stage: stringParameter("dev"),
    };
    const sections = { Parameters, Transform: "AWS::LanguageExtensions" };
    assert.equal(evaluate({ "Fn::Length": { Ref: "QueueList" } }, sections), 3);
    assert.equal(evaluate({ "Fn::Length": [1, 2, { Ref: "Stage" }] }, sections), 3);
    assert.equal(
      evaluate({ "Fn::ToJsonString": { key1: "value1", key2: { Ref: "Stage" } } }, sections),
      '{"key1":"value1","key2":"dev"}',
    );
    assert.equal(
      evaluate({ "Fn::ToJsonString": { key: { Ref: "AWS::AccountId" } } }, sections),
      UNKNOWN_SENTINEL,
    );
    assert.deepEqual(
      inspect({ ...sections, Resources: {} }).uninspected,
      [],
      "this transform is evaluated here",
    );
  });

  it("condition functions: Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition", () => {
    const Parameters = {
      EnvironmentType: stringParameter("prod"),
      ASecurityGroup: stringParameter("sg-mysggroup"),
    };
    const Conditions = {
      IsProduction: { "Fn::Equals": [{ Ref: "EnvironmentType" }, "prod"] },
      IsNotProduction: { "Fn::Not": [{ Condition: "IsProduction" }] },
      MyAndCondition: {
        "Fn::And": [
          { "Fn::Equals": ["sg-mysggroup", { Ref: "ASecurityGroup" }] },
          { Condition: "IsProduction" },
        ],
      },
      MyOrCondition: {
        "Fn::Or": [
          { "Fn::Equals": ["sg-mysggroup", { Ref: "ASecurityGroup" }] },
          { Condition: "IsNotProduction" },
        ],
      },
      Cyclic: { "Fn::Not": [{ Condition: "Cyclic" }] },
    };
    const value = (condition: string, parameters?: Record<string, unknown>) =>
      evaluate({ "Fn::If": [condition, "yes", "no"] }, { Parameters, Conditions }, { parameters });
    assert.equal(value("IsProduction"), "yes");
    assert.equal(value("IsNotProduction"), "no");
    assert.equal(value("MyAndCondition"), "yes");
    assert.equal(value("MyAndCondition", { ASecurityGroup: "sg-other" }), "no");
    assert.equal(value("MyOrCondition", { ASecurityGroup: "sg-other" }), "no");
    assert.equal(value("MyOrCondition", { ASecurityGroup: "sg-other", EnvironmentType: "dev" }), "yes");
    assert.equal(value("Cyclic"), UNKNOWN_SENTINEL, "CloudFormation refuses a cycle: nothing is decided");
    assert.equal(value("Undeclared"), UNKNOWN_SENTINEL);
  });

  it("Ref and Fn::GetAtt to a template resource: unknown, traced to it", () => {
    const template = {
      Resources: {
        Key: { Type: "AWS::KMS::Key", Properties: {} },
        Studio: {
          Type: "AWS::DataZone::Domain",
          Properties: { KmsKeyIdentifier: { "Fn::GetAtt": ["Key", "Arn"] } },
        },
      },
    };
    const studio = inspect(template).resources.find((r) => r.name === "cfn/Studio")!;
    assert.equal((studio.props as Record<string, unknown>).kmsKeyIdentifier, UNKNOWN_SENTINEL);
    assert.deepEqual(studio.propertyDependencies.kmsKeyIdentifier, [`${HOST_URN}#template:Key`]);
  });

  it("a key policy naming the stack's own account (AWS's examples) is known without that account; conditions are not", () => {
    // The KMS Developer Guide's and AWS::KMS::Key reference's example statement.
    const root = {
      Sid: "Enable IAM User Permissions",
      Effect: "Allow",
      Principal: { AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" } },
      Action: "kms:*",
      Resource: "*",
    };
    const template = {
      Conditions: { InProd: { "Fn::Equals": [{ Ref: "AWS::AccountId" }, ACCOUNT] } },
      Resources: {
        Key: {
          Type: "AWS::KMS::Key",
          Properties: { KeyPolicy: { Version: "2012-10-17", Statement: [root] } },
        },
        Studio: {
          Type: "AWS::DataZone::Domain",
          Properties: {
            Description: { "Fn::Sub": "${AWS::AccountId}" },
            KmsKeyIdentifier: {
              "Fn::If": ["InProd", { "Fn::GetAtt": ["Key", "Arn"] }, { Ref: "AWS::NoValue" }],
            },
          },
        },
      },
    };
    const inspection = inspect(template);
    const policy = (inspection.resources.find((r) => r.name === "cfn/Key")!.props as Record<string, unknown>)
      .keyPolicy as { Statement: { Principal: { AWS: string } }[] };
    assert.match(policy.Statement[0].Principal.AWS, /^arn:aws:iam::\d{12}:root$/);
    const studio = inspection.resources.find((r) => r.name === "cfn/Studio")!.props as Record<
      string,
      unknown
    >;
    // Outside the key policy the account stays unknown, and so does a condition on it: the key may be left out.
    assert.equal(studio.description, UNKNOWN_SENTINEL);
    assert.equal(studio.kmsKeyIdentifier, UNKNOWN_SENTINEL);
    // Where the account is known (allowedAccountIds), it is the account itself.
    const pinned = inspect(template, { context: PINNED });
    const pinnedPolicy = (
      pinned.resources.find((r) => r.name === "cfn/Key")!.props as Record<string, unknown>
    ).keyPolicy as { Statement: { Principal: { AWS: string } }[] };
    assert.equal(pinnedPolicy.Statement[0].Principal.AWS, `arn:aws:iam::${ACCOUNT}:root`);
  });
});

describe("CloudFormation evaluation: what stays unknown, and what it decides", () => {
  const keyTemplate = (reference: unknown, sections: Record<string, unknown> = {}) => ({
    ...sections,
    Resources: {
      Key: { Type: "AWS::KMS::Key", Properties: {} },
      Studio: { Type: "AWS::DataZone::Domain", Properties: { KmsKeyIdentifier: reference } },
    },
  });
  const studioOf = (inspection: TemplateInspection) =>
    inspection.resources.find((r) => r.name === "cfn/Studio")!;
  const keyOf = (inspection: TemplateInspection) =>
    (studioOf(inspection).props as Record<string, unknown>).kmsKeyIdentifier;

  it("Fn::ImportValue, SSM parameter values, AWS::StackId: unknown, never absent", () => {
    assert.equal(keyOf(inspect(keyTemplate({ "Fn::ImportValue": "shared-key-arn" }))), UNKNOWN_SENTINEL);
    const Parameters = { KeyArn: { Type: "AWS::SSM::Parameter::Value<String>", Default: "/studio/key" } };
    assert.equal(keyOf(inspect(keyTemplate({ Ref: "KeyArn" }, { Parameters }))), UNKNOWN_SENTINEL);
    assert.equal(evaluate({ Ref: "AWS::StackId" }), UNKNOWN_SENTINEL);
    // The name of an SSM parameter is itself known.
    const named = { Name: { Type: "AWS::SSM::Parameter::Name", Default: "/studio/key" } };
    assert.equal(evaluate({ Ref: "Name" }, { Parameters: named }), "/studio/key");
  });

  it("an Fn::If left undecided between a template key and no key is not traced to the key", () => {
    const sections = {
      Parameters: { UseCmk: { Type: "AWS::SSM::Parameter::Value<String>" } },
      Conditions: { UseCmk: { "Fn::Equals": [{ Ref: "UseCmk" }, "true"] } },
    };
    const undecided = inspect(
      keyTemplate(
        { "Fn::If": ["UseCmk", { "Fn::GetAtt": ["Key", "Arn"] }, { Ref: "AWS::NoValue" }] },
        sections,
      ),
    );
    assert.equal(keyOf(undecided), UNKNOWN_SENTINEL);
    assert.deepEqual(studioOf(undecided).propertyDependencies, {}, "the key may not be the value");
    const both = inspect(
      keyTemplate({ "Fn::If": ["UseCmk", { "Fn::GetAtt": ["Key", "Arn"] }, { Ref: "Key" }] }, sections),
    );
    assert.deepEqual(studioOf(both).propertyDependencies.kmsKeyIdentifier, [`${HOST_URN}#template:Key`]);
  });

  it("Fn::If decided by a parameter chooses the key, or leaves it out", () => {
    const sections = {
      Parameters: { UseCmk: { Type: "String", AllowedValues: ["true", "false"], Default: "false" } },
      Conditions: { UseCmk: { "Fn::Equals": [{ Ref: "UseCmk" }, "true"] } },
    };
    const reference = { "Fn::If": ["UseCmk", { "Fn::GetAtt": ["Key", "Arn"] }, { Ref: "AWS::NoValue" }] };
    assert.equal(keyOf(inspect(keyTemplate(reference, sections))), undefined);
    const chosen = inspect(keyTemplate(reference, sections), { parameters: { UseCmk: "true" } });
    assert.deepEqual(studioOf(chosen).propertyDependencies.kmsKeyIdentifier, [`${HOST_URN}#template:Key`]);
  });

  it("a resource whose Condition is false is not created, one whose Condition is unknown is judged", () => {
    const template = (parameterType: string) => ({
      Parameters: { Env: { Type: parameterType, Default: "dev" } },
      Conditions: { IsProd: { "Fn::Equals": [{ Ref: "Env" }, "prod"] } },
      Resources: { Studio: { Type: "AWS::DataZone::Domain", Condition: "IsProd", Properties: {} } },
    });
    assert.deepEqual(inspect(template("String")).resources, []);
    assert.equal(inspect(template("String"), { parameters: { Env: "prod" } }).resources.length, 1);
    assert.equal(inspect(template("AWS::SSM::Parameter::Value<String>")).resources.length, 1);
  });

  it("pseudo parameters: region from the resource, provider or config; partition from the region; account pinned", () => {
    const arn = {
      "Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/datazone",
    };
    assert.equal(
      evaluate(arn, {}, { context: PINNED }),
      `arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/datazone`,
    );
    assert.equal(
      evaluate(
        arn,
        {},
        { context: PINNED, providerProps: { region: "cn-north-1", allowedAccountIds: ["111122223333"] } },
      ),
      "arn:aws-cn:kms:cn-north-1:111122223333:alias/aws/datazone",
    );
    assert.equal(
      evaluate({ Ref: "AWS::URLSuffix" }, {}, { providerProps: { region: "cn-north-1" } }),
      "amazonaws.com.cn",
    );
    const twoAccounts: StackContext = {
      stackConfig: { "aws:region": "us-east-1", "aws:allowedAccountIds": '["111122223333","444455556666"]' },
      environmentRegion: undefined,
    };
    assert.equal(evaluate({ Ref: "AWS::AccountId" }, {}, { context: twoAccounts }), UNKNOWN_SENTINEL);
    const nowhere: StackContext = { stackConfig: {}, environmentRegion: undefined };
    assert.equal(evaluate({ Ref: "AWS::Partition" }, {}, { context: nowhere }), UNKNOWN_SENTINEL);
  });

  it("parameters are typed as CloudFormation types them, and values coerced to the key's schema", () => {
    const template = {
      Parameters: {
        Rotate: { Type: "String", AllowedValues: ["true", "false"], Default: "true" },
        Window: { Type: "Number", Default: 30 },
      },
      Resources: {
        Key: {
          Type: "AWS::KMS::Key",
          Properties: {
            EnableKeyRotation: { Ref: "Rotate" },
            PendingWindowInDays: { Ref: "Window" },
            RotationPeriodInDays: "365",
            Tags: [{ Key: "EnableBedrock", Value: true }],
          },
        },
      },
    };
    assert.deepEqual(inspect(template).resources[0].props, {
      enableKeyRotation: true,
      pendingWindowInDays: 30,
      rotationPeriodInDays: 365,
      tags: [{ key: "EnableBedrock", value: "true" }],
    });
    const off = inspect(template, { parameters: { Rotate: "false" } }).resources[0].props as Record<
      string,
      unknown
    >;
    assert.equal(off.enableKeyRotation, false);
    assert.equal(
      evaluate({ Ref: "Window" }, { Parameters: template.Parameters }),
      "30",
      "Ref of a Number is a string",
    );
  });

  it("names like Object.prototype members read no prototype", () => {
    const Parameters = { toString: stringParameter(), constructor: stringParameter("given-default") };
    assert.equal(evaluate({ Ref: "toString" }, { Parameters }), UNKNOWN_SENTINEL);
    assert.equal(evaluate({ Ref: "constructor" }, { Parameters }, { parameters: {} }), "given-default");
    assert.equal(evaluate({ Ref: "hasOwnProperty" }), UNKNOWN_SENTINEL);
    assert.equal(evaluate({ "Fn::Sub": "${toString}" }), UNKNOWN_SENTINEL);
    assert.equal(
      evaluate({ "Fn::FindInMap": ["toString", "length", "x"] }, { Mappings: { M: { a: { b: "c" } } } }),
      UNKNOWN_SENTINEL,
    );
    assert.equal(evaluate({ "Fn::If": ["toString", "a", "b"] }), UNKNOWN_SENTINEL);
    const template = {
      Resources: {
        Studio: {
          Type: "AWS::DataZone::Domain",
          Properties: JSON.parse('{"__proto__": {"kmsKeyIdentifier": "x"}}'),
        },
      },
    };
    const props = inspect(template).resources[0].props as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(props), Object.prototype);
    assert.equal(props.kmsKeyIdentifier, undefined);
  });

  it("a parameter unknown at preview is traced through the stack's `parameters` dependencies", () => {
    const keyUrn = "urn:pulumi:dev::test::aws:kms/key:Key::outer";
    const inspection = inspect(
      keyTemplate({ Ref: "KeyArn" }, { Parameters: { KeyArn: stringParameter() } }),
      {
        parameters: { KeyArn: UNKNOWN_SENTINEL },
        propertyDependencies: { parameters: [keyUrn] },
      },
    );
    assert.deepEqual(studioOf(inspection).propertyDependencies.kmsKeyIdentifier, [keyUrn]);
    assert.equal(keyOf(inspection), UNKNOWN_SENTINEL);
  });

  it("a nested stack's Parameters reach its template as written, evaluated in the parent", () => {
    const inner = {
      Parameters: { KeyArn: stringParameter(), Flag: stringParameter("x") },
      Conditions: { Create: { "Fn::Equals": [{ Ref: "Flag" }, "on"] } },
      Resources: {
        Studio: { Type: "AWS::DataZone::Domain", Properties: { KmsKeyIdentifier: { Ref: "KeyArn" } } },
        Hidden: { Type: "AWS::DataZone::Domain", Condition: "Create", Properties: {} },
      },
    };
    const outer = {
      Parameters: { Managed: stringParameter("alias/aws/datazone") },
      Resources: {
        Nested: {
          Type: "AWS::CloudFormation::Stack",
          Properties: { TemplateBody: inner, Parameters: { KeyArn: { Ref: "Managed" }, Flag: "off" } },
        },
      },
    };
    const inspection = inspect(outer);
    assert.deepEqual(
      inspection.resources.map((r) => [r.name, (r.props as Record<string, unknown>).kmsKeyIdentifier]),
      [["cfn/Nested/Studio", "alias/aws/datazone"]],
    );
  });

  it("a condition nested too deep makes its resource unreadable, never a crash or a pass", () => {
    let deep: unknown = { "Fn::Equals": ["a", "a"] };
    for (let i = 0; i < 150; i++) deep = { "Fn::Not": [deep] };
    const template = {
      Conditions: { Deep: deep },
      Resources: { Studio: { Type: "AWS::DataZone::Domain", Condition: "Deep", Properties: {} } },
    };
    // An object body (aws-native) is not parsed from text, so the parser's own depth limit is not in the way.
    const inspection = inspectTemplate(
      {
        type: "aws-native:cloudformation:Stack",
        urn: "urn:pulumi:dev::test::aws-native:cloudformation:Stack::native",
        name: "native",
        props: { templateBody: template },
        propertyDependencies: {},
      },
      US_EAST_1,
    )!;
    assert.deepEqual(inspection.resources, []);
    assert.match(inspection.unreadable.join(), /resource `Studio` .*nested deeper than 100 levels/);
  });

  it("refuses fast what functions would multiply through YAML aliases (Fn::Split, Fn::Join)", () => {
    const commas = ",".repeat(100_000);
    for (const expression of [`!Split [",", "${commas}"]`, `!Join ["${commas}", [a, b]]`]) {
      const body = [
        `x: &x ${expression}`,
        "Resources:",
        "  Studio:",
        "    Type: AWS::DataZone::Domain",
        "    Properties:",
        `      Tags: [${Array(100).fill("*x").join(", ")}]`,
      ].join("\n");
      const inspection = inspectTemplate(
        {
          type: "aws:cloudformation/stack:Stack",
          urn: HOST_URN,
          name: "cfn",
          props: { templateBody: body },
          propertyDependencies: {},
        },
        US_EAST_1,
      )!;
      assert.match(inspection.unreadable.join(), /functions make more than 4000000 characters/);
      assert.deepEqual(inspection.resources, []);
    }
  });

  it("a known key ARN built with Fn::Sub is the value the rules read", () => {
    const reference = {
      "Fn::Sub":
        "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    };
    assert.equal(keyOf(inspect(keyTemplate(reference), { context: PINNED })), KEY_ARN);
  });
});
