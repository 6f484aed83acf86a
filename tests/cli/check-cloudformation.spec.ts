/**
 * Issue 20 through `check` of a `pulumi stack export`: a CloudFormation stack's template is
 * evaluated as CloudFormation evaluates it, with the pseudo parameters of the stack's provider
 * (its region, and the one account `allowedAccountIds` pins it to).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Report } from "../../cli/report/report";
import { assertBuilt, describeRun, runAll, type CliRun } from "./run-cli";

const ACCOUNT = "123456789012";
const PROJECT = "urn:pulumi:prod::studio";
const PROVIDER_URN = `${PROJECT}::pulumi:providers:aws::pinned`;
const PROVIDER_ID = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
const STACK_TYPE = "aws:cloudformation/stack:Stack";

/** A deployment v3 export with one provider and one CloudFormation stack resource. */
function stackExport(templateBody: string, parameters: Record<string, string> = {}): unknown {
  const stackProps = { name: "studio", templateBody, parameters };
  const providerProps = {
    region: "us-east-1",
    allowedAccountIds: JSON.stringify([ACCOUNT]),
    version: "7.48.0",
  };
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-12-01T10:00:00Z", magic: "", version: "v3.248.0" },
      resources: [
        { urn: `${PROJECT}::pulumi:pulumi:Stack::studio-prod`, custom: false, type: "pulumi:pulumi:Stack" },
        {
          urn: PROVIDER_URN,
          custom: true,
          id: PROVIDER_ID,
          type: "pulumi:providers:aws",
          inputs: providerProps,
          outputs: providerProps,
        },
        {
          urn: `${PROJECT}::${STACK_TYPE}::studio-cfn`,
          custom: true,
          id: "arn:aws:cloudformation:us-east-1:123456789012:stack/studio/1",
          type: STACK_TYPE,
          inputs: stackProps,
          outputs: { ...stackProps, id: "arn:aws:cloudformation:us-east-1:123456789012:stack/studio/1" },
          provider: `${PROVIDER_URN}::${PROVIDER_ID}`,
        },
      ],
    },
  };
}

/** A YAML template: a fit key of the template and a domain whose key is `keyLine`. */
function template(
  sections: string[],
  keyLine: string,
  keyProperties: string[] = ["EnableKeyRotation: true"],
): string {
  return [
    ...sections,
    "Resources:",
    "  StudioKey:",
    "    Type: AWS::KMS::Key",
    "    Properties:",
    ...keyProperties.map((line) => `      ${line}`),
    "      KeyPolicy:",
    "        Version: '2012-10-17'",
    "        Statement:",
    "          - Sid: !Join ['-', [!Ref AWS::StackName, root]]",
    "            Effect: Allow",
    "            Principal: { AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }",
    "            Action: 'kms:*'",
    "            Resource: '*'",
    "      Tags: [{ Key: EnableBedrock, Value: true }]",
    "  Studio:",
    "    Type: AWS::DataZone::Domain",
    "    Condition: CreateStudio",
    "    Properties:",
    "      Name: studio",
    `      DomainExecutionRole: arn:aws:iam::${ACCOUNT}:role/studio-execution`,
    ...(keyLine === "" ? [] : [`      KmsKeyIdentifier: ${keyLine}`]),
    "",
  ].join("\n");
}

const SECTIONS = [
  "Parameters:",
  "  UseCmk: { Type: String, AllowedValues: ['true', 'false'], Default: 'false' }",
  "  CreateStudio: { Type: String, Default: 'true' }",
  "  Rotate: { Type: String, Default: 'true' }",
  "  Window: { Type: Number, Default: 30 }",
  "Conditions:",
  "  UseCmk: !Equals [!Ref UseCmk, 'true']",
  "  CreateStudio: !Equals [!Ref CreateStudio, 'true']",
  "  Rotate: !Equals [!Ref Rotate, 'true']",
];
const IF_CMK = "!If [UseCmk, !GetAtt StudioKey.Arn, !Ref AWS::NoValue]";

const CASES: Record<string, [string, Record<string, string>?]> = {
  ifFalse: [template(SECTIONS, IF_CMK)],
  ifTrue: [
    template(SECTIONS, IF_CMK, ["EnableKeyRotation: !Ref Rotate", "PendingWindowInDays: !Ref Window"]),
    { UseCmk: "true" },
  ],
  notCreated: [template(SECTIONS, ""), { CreateStudio: "false" }],
  awsManaged: [
    template(
      SECTIONS,
      "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/datazone'",
    ),
  ],
  rotationOff: [
    template(SECTIONS, "!GetAtt StudioKey.Arn", ["EnableKeyRotation: !If [Rotate, true, false]"]),
    { Rotate: "false" },
  ],
  publicSid: [
    template(SECTIONS, "!GetAtt StudioKey.Arn").replace(/Principal: \{ AWS: .* \}/, "Principal: '*'"),
  ],
  importValue: [template(SECTIONS, "!ImportValue shared-studio-key-arn")],
};

describe("bedrock-cmk-guard check: CloudFormation templates evaluated", function () {
  this.timeout(120_000);
  let runs: Record<string, CliRun>;

  before(async () => {
    assertBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-check-cfn-"));
    const files = Object.entries(CASES).map(([name, [body, parameters]]) => {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(stackExport(body, parameters)));
      return ["check", file, "--format", "json", "--quiet"];
    });
    const results = await runAll(files);
    runs = Object.fromEntries(Object.keys(CASES).map((name, i) => [name, results[i]]));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The mandatory findings on the CloudFormation stack resource. */
  function blocking(run: CliRun): string[] {
    const report = JSON.parse(run.stdout) as Report;
    const stack = report.resources.find((r) => r.type === STACK_TYPE);
    assert.ok(stack !== undefined, describeRun(run));
    return stack.findings.filter((f) => f.level === "mandatory").map((f) => f.policy);
  }

  it("blocks a domain whose key is Fn::If over a false condition and AWS::NoValue (exit 1)", () => {
    assert.equal(runs.ifFalse.code, 1, describeRun(runs.ifFalse));
    assert.deepEqual(blocking(runs.ifFalse), ["workspace-cmk-required"]);
  });

  it("passes when the stack's parameters choose the template key, with typed parameter values (exit 0)", () => {
    assert.equal(runs.ifTrue.code, 0, describeRun(runs.ifTrue));
    assert.deepEqual(blocking(runs.ifTrue), []);
  });

  it("does not judge a key-less domain whose Condition is false (exit 0)", () => {
    assert.equal(runs.notCreated.code, 0, describeRun(runs.notCreated));
  });

  it("blocks an AWS-managed key built with Fn::Sub from the provider's pseudo parameters", () => {
    assert.equal(runs.awsManaged.code, 1, describeRun(runs.awsManaged));
    const policies = blocking(runs.awsManaged);
    assert.ok(policies.length > 0 && policies.every((p) => p.startsWith("workspace-cmk-")), `${policies}`);
  });

  it("blocks rotation turned off through Fn::If", () => {
    assert.equal(runs.rotationOff.code, 1, describeRun(runs.rotationOff));
    assert.deepEqual(blocking(runs.rotationOff), ["cmk-key-rotation"]);
  });

  it("blocks a public key policy statement whose Sid is computed", () => {
    assert.equal(runs.publicSid.code, 1, describeRun(runs.publicSid));
    assert.deepEqual(blocking(runs.publicSid), ["cmk-key-policy-public"]);
  });

  // needs the judging layer's final-mode invariant
  it.skip("says NOT VERIFIED (exit 4) for a key from Fn::ImportValue, never PASSED", () => {
    assert.equal(runs.importValue.code, 4, describeRun(runs.importValue));
    assert.deepEqual(blocking(runs.importValue), ["cmk-unverifiable"]);
  });
});
