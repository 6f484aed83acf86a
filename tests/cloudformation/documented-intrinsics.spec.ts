/**
 * A DataZone domain's key written with the intrinsic functions as the CloudFormation documentation
 * writes them, judged end to end in process (the template's resources expanded, each resource and
 * the stack judged, values final or at preview). What CloudFormation resolves only when it deploys
 * (Fn::ImportValue, SSM parameter types, dynamic references, macros) must be NOT VERIFIED when
 * values are final, never a pass and never a wrong-form verdict; what is evaluable (a key of the
 * template by `Fn::GetAtt` in any documented form) must pass when the key is fit.
 */
import { strict as assert } from "assert";
import { ACCOUNT, FIT_KEY, judgeTemplate as judge } from "./template-judge";

const GETATT =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getatt.html";
const SUB =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html";
const DYNAMIC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html";
const IMPORT =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html";
const TRANSFORM =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-transform.html";
const PARAMETERS =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html";
const SSM_TYPES =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html";
const CONDITIONS =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/conditions-section-structure.html";
const PSEUDO =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html";
// AWS::DataZone::Domain KmsKeyIdentifier: a key ARN (pattern ^arn:aws(|-cn|-us-gov):kms:...:key/...$).
const DOMAIN_PAGE =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-datazone-domain.html";

/** A template with the fit key `Key` and a domain `Studio` whose KmsKeyIdentifier is `key`. */
function domainTemplate(key: unknown, sections: Record<string, unknown> = {}): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    Name: "studio",
    DomainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/studio`,
  };
  if (key !== undefined) properties.KmsKeyIdentifier = key;
  return {
    ...sections,
    Resources: { Key: FIT_KEY, Studio: { Type: "AWS::DataZone::Domain", Properties: properties } },
  };
}

/** The template with a second fit key, `OtherKey`. */
function withSecondKey(template: Record<string, unknown>): Record<string, unknown> {
  return { ...template, Resources: { ...(template.Resources as object), OtherKey: FIT_KEY } };
}

const YAML_GETATT = [
  "Resources:",
  "  Key:",
  "    Type: AWS::KMS::Key",
  "    Properties:",
  "      EnableKeyRotation: true",
  "      Tags: [{Key: EnableBedrock, Value: 'true'}]",
  "  Studio:",
  "    Type: AWS::DataZone::Domain",
  "    Properties:",
  "      Name: studio",
  `      DomainExecutionRole: arn:aws:iam::${ACCOUNT}:role/studio`,
  "      KmsKeyIdentifier: !GetAtt Key.Arn",
].join("\n");

type Expected = "pass" | "not-verified" | { blocks: string };

const CASES: readonly { name: string; doc: string; template: unknown; expected: Expected }[] = [
  {
    name: "Fn::GetAtt [Key, Arn] (JSON list form)",
    doc: GETATT,
    template: domainTemplate({ "Fn::GetAtt": ["Key", "Arn"] }),
    expected: "pass",
  },
  {
    name: "Fn::GetAtt: Key.Arn (the dotted string of the long form)",
    doc: GETATT,
    template: domainTemplate({ "Fn::GetAtt": "Key.Arn" }),
    expected: "pass",
  },
  { name: "!GetAtt Key.Arn (YAML short form)", doc: GETATT, template: YAML_GETATT, expected: "pass" },
  {
    name: "Fn::Sub ${Key.Arn}",
    doc: SUB,
    template: domainTemplate({ "Fn::Sub": "${Key.Arn}" }),
    expected: "pass",
  },
  {
    name: "Fn::Sub ${!Literal} stays the literal ${KeyId}: not a key ARN",
    doc: SUB,
    template: domainTemplate({ "Fn::Sub": `arn:aws:kms:us-east-1:${ACCOUNT}:key/\${!KeyId}` }),
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "no KmsKeyIdentifier",
    doc: DOMAIN_PAGE,
    template: domainTemplate(undefined),
    expected: { blocks: "workspace-cmk-required" },
  },
  {
    name: "Ref AWS::NoValue",
    doc: PSEUDO,
    template: domainTemplate({ Ref: "AWS::NoValue" }),
    expected: { blocks: "workspace-cmk-required" },
  },
  {
    name: "{{resolve:ssm:...}}",
    doc: DYNAMIC,
    template: domainTemplate("{{resolve:ssm:/studio/key-arn}}"),
    expected: "not-verified",
  },
  {
    name: "{{resolve:ssm:...:version}}",
    doc: DYNAMIC,
    template: domainTemplate("{{resolve:ssm:/studio/key-arn:3}}"),
    expected: "not-verified",
  },
  {
    name: "{{resolve:secretsmanager:...}}",
    doc: DYNAMIC,
    template: domainTemplate("{{resolve:secretsmanager:studio:SecretString:keyArn}}"),
    expected: "not-verified",
  },
  {
    name: "a dynamic reference built with Fn::Sub",
    doc: DYNAMIC,
    template: domainTemplate({ "Fn::Sub": "{{resolve:ssm:/studio/${AWS::Region}/key-arn}}" }),
    expected: "not-verified",
  },
  {
    name: "a dynamic reference built with Fn::Join",
    doc: DYNAMIC,
    template: domainTemplate({ "Fn::Join": ["", ["{{resolve:ssm:", "/studio/key-arn", "}}"]] }),
    expected: "not-verified",
  },
  {
    name: "Fn::ImportValue",
    doc: IMPORT,
    template: domainTemplate({ "Fn::ImportValue": "shared-key-arn" }),
    expected: "not-verified",
  },
  {
    name: "Fn::Transform (a macro's output)",
    doc: TRANSFORM,
    template: domainTemplate({ "Fn::Transform": { Name: "KeyMacro", Parameters: {} } }),
    expected: "not-verified",
  },
  {
    name: "Ref to a String parameter without a value or Default",
    doc: PARAMETERS,
    template: domainTemplate({ Ref: "KeyArn" }, { Parameters: { KeyArn: { Type: "String" } } }),
    expected: "not-verified",
  },
  {
    name: "Ref to an AWS::SSM::Parameter::Value<String> parameter",
    doc: SSM_TYPES,
    template: domainTemplate(
      { Ref: "KeyArn" },
      {
        Parameters: { KeyArn: { Type: "AWS::SSM::Parameter::Value<String>", Default: "/studio/key-arn" } },
      },
    ),
    expected: "not-verified",
  },
  {
    name: "Ref to a parameter whose Default is the AWS managed key's alias",
    doc: PARAMETERS,
    template: domainTemplate(
      { Ref: "KeyAlias" },
      { Parameters: { KeyAlias: { Type: "String", Default: "alias/aws/datazone" } } },
    ),
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "Fn::If on a condition of a parameter without a value, between the key and AWS::NoValue",
    doc: CONDITIONS,
    template: domainTemplate(
      { "Fn::If": ["Encrypt", { "Fn::GetAtt": ["Key", "Arn"] }, { Ref: "AWS::NoValue" }] },
      {
        Parameters: { Mode: { Type: "String" } },
        Conditions: { Encrypt: { "Fn::Equals": [{ Ref: "Mode" }, "cmk"] } },
      },
    ),
    expected: "not-verified",
  },
  {
    name: "Fn::If on a condition not known offline, between the key's ARN and its key id",
    doc: CONDITIONS,
    template: domainTemplate(
      { "Fn::If": ["ByArn", { "Fn::GetAtt": ["Key", "Arn"] }, { Ref: "Key" }] },
      {
        Parameters: { Mode: { Type: "String" } },
        Conditions: { ByArn: { "Fn::Equals": [{ Ref: "Mode" }, "arn"] } },
      },
    ),
    expected: "not-verified",
  },
  {
    name: "Fn::If on a condition not known offline, between the ARNs of two keys of the template",
    doc: CONDITIONS,
    template: withSecondKey(
      domainTemplate(
        { "Fn::If": ["First", { "Fn::GetAtt": ["Key", "Arn"] }, { "Fn::GetAtt": ["OtherKey", "Arn"] }] },
        {
          Parameters: { Mode: { Type: "String" } },
          Conditions: { First: { "Fn::Equals": [{ Ref: "Mode" }, "first"] } },
        },
      ),
    ),
    expected: "pass",
  },
  {
    name: "Fn::If nested on the same undecided condition: the import it names is never taken",
    doc: CONDITIONS,
    template: domainTemplate(
      {
        "Fn::If": [
          "First",
          { "Fn::GetAtt": ["Key", "Arn"] },
          { "Fn::If": ["First", { "Fn::ImportValue": "shared-key-arn" }, { "Fn::GetAtt": ["Key", "Arn"] }] },
        ],
      },
      {
        Parameters: { Mode: { Type: "String" } },
        Conditions: { First: { "Fn::Equals": [{ Ref: "Mode" }, "first"] } },
      },
    ),
    expected: "pass",
  },
  {
    name: "a number",
    doc: DOMAIN_PAGE,
    template: domainTemplate(42),
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "a list",
    doc: DOMAIN_PAGE,
    template: domainTemplate([`arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`]),
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "whitespace",
    doc: DOMAIN_PAGE,
    template: domainTemplate("  "),
    expected: { blocks: "workspace-cmk-required" },
  },
];

const SELECT =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-select.html";
const CIDR =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html";
const GETAZS =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html";
const REF =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html";
const KMS_KEY_PAGE =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html";
// Ref of an AWS::KMS::Alias returns the alias name (alias/<name>).
const KMS_ALIAS_PAGE =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-alias.html";
const JOIN =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-join.html";

/** A YAML template (short forms) with the fit key `Key`, an SSM parameter and a domain. */
const yamlTemplate = (keyLine: string) =>
  [
    "Resources:",
    "  Key:",
    "    Type: AWS::KMS::Key",
    "    Properties:",
    "      EnableKeyRotation: true",
    "      KeyPolicy:",
    "        Version: '2012-10-17'",
    `        Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::${ACCOUNT}:root'}, Action: 'kms:*', Resource: '*'}]`,
    "      Tags: [{Key: EnableBedrock, Value: 'true'}]",
    "  KeyParameter:",
    "    Type: AWS::SSM::Parameter",
    "    Properties: { Type: String, Value: !GetAtt Key.Arn }",
    "  KeyAlias:",
    "    Type: AWS::KMS::Alias",
    "    Properties: { AliasName: alias/studio, TargetKeyId: !Ref Key }",
    "  Studio:",
    "    Type: AWS::DataZone::Domain",
    "    Properties:",
    "      Name: studio",
    `      DomainExecutionRole: arn:aws:iam::${ACCOUNT}:role/studio`,
    `      KmsKeyIdentifier: ${keyLine}`,
  ].join("\n");

const YAML_CASES: readonly { keyLine: string; doc: string; expected: Expected }[] = [
  { keyLine: "!GetAtt [Key, Arn]", doc: GETATT, expected: "pass" },
  { keyLine: "!Sub ['${Arn}', {Arn: !GetAtt Key.Arn}]", doc: SUB, expected: "pass" },
  // Ref of an AWS::KMS::Key is its key id: the documented way to build the ARN from it.
  {
    keyLine: "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}'",
    doc: KMS_KEY_PAGE,
    expected: "pass",
  },
  { keyLine: "!Select [0, [!GetAtt Key.Arn]]", doc: SELECT, expected: "pass" },
  // Only the chosen item is the value: the import beside it is not the key.
  { keyLine: "!Select [0, [!GetAtt Key.Arn, !ImportValue shared-key-arn]]", doc: SELECT, expected: "pass" },
  {
    keyLine: "!Select [1, [!GetAtt Key.Arn, !ImportValue shared-key-arn]]",
    doc: SELECT,
    expected: "not-verified",
  },
  { keyLine: "!Join ['', [!GetAtt Key.Arn]]", doc: JOIN, expected: "pass" },
  // The template's own key in the form its attributes have: the domain takes only a key ARN.
  { keyLine: "!Ref Key", doc: KMS_KEY_PAGE, expected: { blocks: "workspace-cmk-key-arn" } },
  { keyLine: "!GetAtt Key.KeyId", doc: KMS_KEY_PAGE, expected: { blocks: "workspace-cmk-key-arn" } },
  { keyLine: "!Ref KeyAlias", doc: KMS_ALIAS_PAGE, expected: { blocks: "workspace-cmk-key-arn" } },
  {
    keyLine: "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:${KeyAlias}'",
    doc: KMS_ALIAS_PAGE,
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  // The key's id in an ARN of another region: KMS keys are regional.
  {
    keyLine: "!Sub 'arn:${AWS::Partition}:kms:eu-west-1:${AWS::AccountId}:key/${Key}'",
    doc: KMS_KEY_PAGE,
    expected: { blocks: "workspace-cmk-region" },
  },
  // The parameter holds the key's ARN, but the guard does not read values through other resources.
  { keyLine: "!GetAtt KeyParameter.Value", doc: GETATT, expected: "not-verified" },
  { keyLine: "!Ref Undeclared", doc: REF, expected: "not-verified" },
  { keyLine: "!Select [0, !Cidr ['10.0.0.0/16', 1, 8]]", doc: CIDR, expected: "not-verified" },
  { keyLine: "!Select [0, !GetAZs '']", doc: GETAZS, expected: "not-verified" },
  { keyLine: "!Transform {Name: KeyMacro, Parameters: {}}", doc: TRANSFORM, expected: "not-verified" },
  { keyLine: "!Base64 key", doc: DOMAIN_PAGE, expected: { blocks: "workspace-cmk-key-arn" } },
  { keyLine: "'{{resolve:ssm-secure:/studio/key-arn:1}}'", doc: DYNAMIC, expected: "not-verified" },
];

/** A Data Automation blueprint, whose KmsKeyId takes any KMS key identifier, beside the fit key. */
const blueprintTemplate = (keyLine: string) =>
  yamlTemplate("!GetAtt Key.Arn").replace(
    / {2}Studio:[\s\S]*$/,
    [
      "  Blueprint:",
      "    Type: AWS::Bedrock::Blueprint",
      "    Properties:",
      "      BlueprintName: invoices",
      "      Type: DOCUMENT",
      "      Schema: {}",
      `      KmsKeyId: ${keyLine}`,
    ].join("\n"),
  );
// AWS::Bedrock::Blueprint KmsKeyId: "KMS key identifier" (key id, key ARN, alias name or alias ARN).
const BLUEPRINT_PAGE =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-bedrock-blueprint.html";

const BLUEPRINT_CASES: readonly { keyLine: string; doc: string; expected: Expected }[] = [
  // Ref of an AWS::KMS::Key returns its key id, which this property accepts.
  { keyLine: "!Ref Key", doc: KMS_KEY_PAGE, expected: "pass" },
  { keyLine: "!GetAtt Key.KeyId", doc: KMS_KEY_PAGE, expected: "pass" },
  { keyLine: "!Ref KeyAlias", doc: KMS_ALIAS_PAGE, expected: "pass" },
  { keyLine: "alias/aws/bedrock", doc: BLUEPRINT_PAGE, expected: { blocks: "data-automation-cmk-key-form" } },
  { keyLine: "'{{resolve:ssm:/bda/key-id}}'", doc: DYNAMIC, expected: "not-verified" },
];

describe("CloudFormation: a domain's key written as the documentation writes it", () => {
  for (const { keyLine, doc, expected } of BLUEPRINT_CASES) {
    it(`Blueprint KmsKeyId: ${keyLine} (${doc})`, () =>
      assertVerdict(blueprintTemplate(keyLine), expected, "data-automation"));
  }

  for (const { keyLine, doc, expected } of YAML_CASES) {
    it(`YAML ${keyLine} (${doc})`, () => assertVerdict(yamlTemplate(keyLine), expected));
  }

  for (const { name, doc, template, expected } of CASES) {
    it(`${name} (${doc})`, () => assertVerdict(template, expected));
  }
});

function assertVerdict(template: unknown, expected: Expected, family = "workspace"): void {
  const final = judge(template, "final");
  const preview = judge(template, "preview");
  if (expected === "pass") {
    assert.deepEqual(final.blocking, [], `final: ${final.blocking.join(", ")}`);
    assert.deepEqual(preview.blocking, [], `preview: ${preview.blocking.join(", ")}`);
  } else if (expected === "not-verified") {
    assert.deepEqual(final.blocking, ["cmk-unverifiable"], "final: NOT VERIFIED, and nothing else");
    assert.deepEqual(preview.blocking, [], "preview: not determinable yet, not a violation");
    assert.ok(
      preview.pending.some((policy) => policy.startsWith(`${family}-cmk-`)),
      "preview: pending, never silent",
    );
  } else {
    assert.ok(final.blocking.includes(expected.blocks), `final: ${final.blocking.join(", ")}`);
    assert.ok(preview.blocking.includes(expected.blocks), `preview: ${preview.blocking.join(", ")}`);
  }
}
