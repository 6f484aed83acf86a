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

interface TemplateStack {
  readonly templateBody: string;
  readonly parameters?: Record<string, string>;
}

/**
 * A deployment v3 export with one provider and a CloudFormation stack resource per entry; the
 * provider pinned to the account (`allowedAccountIds`) unless `pinned` is false.
 */
function stackExport(stacks: Record<string, TemplateStack>, pinned = true): unknown {
  const providerProps = {
    region: "us-east-1",
    ...(pinned ? { allowedAccountIds: JSON.stringify([ACCOUNT]) } : {}),
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
        ...Object.entries(stacks).map(([name, { templateBody, parameters }]) => {
          const id = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/1`;
          const props = { name, templateBody, parameters: parameters ?? {} };
          return {
            urn: `${PROJECT}::${STACK_TYPE}::${name}`,
            custom: true,
            id,
            type: STACK_TYPE,
            inputs: props,
            outputs: { ...props, id },
            provider: `${PROVIDER_URN}::${PROVIDER_ID}`,
          };
        }),
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

/**
 * A key and a workspace per team, made by Fn::ForEach (AWS::LanguageExtensions), as in the
 * CloudFormation user guide's Fn::ForEach examples; each workspace names its team's key, or none.
 */
function loopTemplate(keyed: boolean): string {
  return [
    "Transform: AWS::LanguageExtensions",
    "Resources:",
    "  Fn::ForEach::Teams:",
    "    - Team",
    "    - [red, blue]",
    "    - Key${Team}:",
    "        Type: AWS::KMS::Key",
    "        Properties:",
    "          EnableKeyRotation: true",
    "          KeyPolicy:",
    "            Version: '2012-10-17'",
    "            Statement:",
    "              - Effect: Allow",
    "                Principal: { AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }",
    "                Action: 'kms:*'",
    "                Resource: '*'",
    "          Tags: [{ Key: EnableBedrock, Value: true }]",
    "      Studio${Team}:",
    "        Type: AWS::DataZone::Domain",
    "        Properties:",
    "          Name: !Sub 'studio-${Team}'",
    `          DomainExecutionRole: arn:aws:iam::${ACCOUNT}:role/studio-execution`,
    ...(keyed ? ["          KmsKeyIdentifier: !GetAtt Key${Team}.Arn"] : []),
    "",
  ].join("\n");
}

/** One export per verdict (each run starts the pack): the stacks of an export are judged apart. */
const EXPORTS: Record<string, Record<string, TemplateStack>> = {
  blocked: {
    ifFalse: { templateBody: template(SECTIONS, IF_CMK) },
    awsManaged: {
      templateBody: template(
        SECTIONS,
        "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/datazone'",
      ),
    },
    rotationOff: {
      templateBody: template(SECTIONS, "!GetAtt StudioKey.Arn", [
        "EnableKeyRotation: !If [Rotate, true, false]",
      ]),
      parameters: { Rotate: "false" },
    },
    // CloudFormation's Ref of an AWS::KMS::Key is its key id; the domain's schema takes only key ARNs.
    keyId: { templateBody: template(SECTIONS, "!Ref StudioKey") },
    publicSid: {
      templateBody: template(SECTIONS, "!GetAtt StudioKey.Arn").replace(
        /Principal: \{ AWS: .* \}/,
        "Principal: '*'",
      ),
    },
  },
  passed: {
    ifTrue: {
      templateBody: template(SECTIONS, IF_CMK, [
        "EnableKeyRotation: !Ref Rotate",
        "PendingWindowInDays: !Ref Window",
      ]),
      parameters: { UseCmk: "true" },
    },
    notCreated: { templateBody: template(SECTIONS, ""), parameters: { CreateStudio: "false" } },
  },
  importValue: { importValue: { templateBody: template(SECTIONS, "!ImportValue shared-studio-key-arn") } },
  loops: {
    loopKeyed: { templateBody: loopTemplate(true) },
    loopUnkeyed: { templateBody: loopTemplate(false) },
  },
  /** The passing template in an account the export does not name (no allowedAccountIds). */
  unpinned: { ifTrue: { templateBody: template(SECTIONS, IF_CMK), parameters: { UseCmk: "true" } } },
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html: the
  // parameter's value is read when CloudFormation deploys the stack.
  dynamicReference: {
    dynamicReference: { templateBody: template(SECTIONS, "'{{resolve:ssm:/studio/key-arn}}'") },
  },
};

describe("bedrock-cmk-guard check: CloudFormation templates evaluated", function () {
  this.timeout(120_000);
  let runs: Record<string, CliRun>;

  before(async () => {
    assertBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-check-cfn-"));
    const commands = Object.entries(EXPORTS).map(([name, stacks]) => {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(stackExport(stacks, name !== "unpinned")));
      return ["check", file, "--format", "json", "--quiet"];
    });
    const results = await runAll(commands);
    runs = Object.fromEntries(Object.keys(EXPORTS).map((name, i) => [name, results[i]]));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The mandatory findings on one CloudFormation stack resource of a run's export. */
  function blocking(run: CliRun, stack: string): string[] {
    const report = JSON.parse(run.stdout) as Report;
    const found = report.resources.find((r) => r.type === STACK_TYPE && r.name === stack);
    assert.ok(found !== undefined, describeRun(run));
    return found.findings.filter((f) => f.level === "mandatory").map((f) => f.policy);
  }

  it("exits 1 on the export whose templates violate, 0 on the one whose templates pass", () => {
    assert.equal(runs.blocked.code, 1, describeRun(runs.blocked));
    assert.equal(runs.passed.code, 0, describeRun(runs.passed));
  });

  it("blocks a domain whose key is Fn::If over a false condition and AWS::NoValue", () => {
    assert.deepEqual(blocking(runs.blocked, "ifFalse"), ["workspace-cmk-required"]);
  });

  it("passes when the stack's parameters choose the template key, with typed parameter values", () => {
    assert.deepEqual(blocking(runs.passed, "ifTrue"), []);
  });

  it("does not judge a key-less domain whose Condition is false", () => {
    assert.deepEqual(blocking(runs.passed, "notCreated"), []);
  });

  it("blocks an AWS-managed key built with Fn::Sub from the provider's pseudo parameters", () => {
    const policies = blocking(runs.blocked, "awsManaged");
    assert.ok(policies.length > 0 && policies.every((p) => p.startsWith("workspace-cmk-")), `${policies}`);
  });

  it("blocks a domain whose key is `!Ref` of the template's key: a key id, which the domain refuses", () => {
    assert.deepEqual(blocking(runs.blocked, "keyId"), ["workspace-cmk-key-arn"]);
  });

  it("blocks rotation turned off through Fn::If", () => {
    assert.deepEqual(blocking(runs.blocked, "rotationOff"), ["cmk-key-rotation"]);
  });

  it("blocks a public key policy statement whose Sid is computed", () => {
    assert.deepEqual(blocking(runs.blocked, "publicSid"), ["cmk-key-policy-public"]);
  });

  it("passes AWS's key policy example (root of ${AWS::AccountId}) when the export does not name the account", () => {
    assert.equal(runs.unpinned.code, 0, describeRun(runs.unpinned));
  });

  it("expands Fn::ForEach: each team's workspace judged with its team's key, a key-less one blocked", () => {
    assert.equal(runs.loops.code, 1, describeRun(runs.loops));
    assert.deepEqual(blocking(runs.loops, "loopKeyed"), []);
    const report = JSON.parse(runs.loops.stdout) as Report;
    const unkeyed = report.resources.find((r) => r.name === "loopUnkeyed")!;
    assert.deepEqual(
      unkeyed.findings
        .filter((f) => f.level === "mandatory")
        .map((f) => [f.policy, /Studio(red|blue)/.exec(f.message)?.[0]]),
      [
        ["workspace-cmk-required", "Studiored"],
        ["workspace-cmk-required", "Studioblue"],
      ],
    );
  });

  it("says NOT VERIFIED (exit 4) for a key from Fn::ImportValue, never PASSED", () => {
    assert.equal(runs.importValue.code, 4, describeRun(runs.importValue));
    assert.deepEqual(blocking(runs.importValue, "importValue"), ["cmk-unverifiable"]);
  });

  it("says NOT VERIFIED (exit 4) for a key from an SSM dynamic reference, not a wrong key form", () => {
    assert.equal(runs.dynamicReference.code, 4, describeRun(runs.dynamicReference));
    assert.deepEqual(blocking(runs.dynamicReference, "dynamicReference"), ["cmk-unverifiable"]);
  });
});
