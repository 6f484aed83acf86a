/**
 * Issue 12, case 8: Bedrock resources created through CloudFormation (`aws:cloudformation/stack:Stack`,
 * `aws-native:cloudformation:Stack`) or Cloud Control (`aws:cloudcontrol/resource:Resource`) are
 * judged like the stack's own, through the engine protocol, at preview and at up.
 */
import { strict as assert } from "assert";
import {
  PackClient,
  UNKNOWN,
  urnOf,
  type AnalyzeResult,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { suitePack } from "../support/pack";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/studio-execution`;
const CFN_STACK = "aws:cloudformation/stack:Stack";
const NATIVE_STACK = "aws-native:cloudformation:Stack";
const CLOUD_CONTROL = "aws:cloudcontrol/resource:Resource";

/** A key policy that keeps the key to its own account. */
const OWN_ACCOUNT_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Root",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
};

/** A template (as an object) with a key and a domain whose `KmsKeyIdentifier` is `keyReference`. */
function template(keyReference: unknown, key: Record<string, unknown> = {}): Record<string, unknown> {
  const domain: Record<string, unknown> = { Name: "studio", DomainExecutionRole: ROLE };
  if (keyReference !== undefined) domain.KmsKeyIdentifier = keyReference;
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Resources: {
      StudioKey: {
        Type: "AWS::KMS::Key",
        Properties: {
          EnableKeyRotation: true,
          KeyPolicy: OWN_ACCOUNT_POLICY,
          Tags: [{ Key: "EnableBedrock", Value: "true" }],
          ...key,
        },
      },
      Studio: { Type: "AWS::DataZone::Domain", Properties: domain },
    },
  };
}

/** The same template in YAML, with short-form intrinsics (`!GetAtt`, `!Ref`, `!Sub`). */
function yamlTemplate(keyLine: string, rotation = true): string {
  return [
    "AWSTemplateFormatVersion: 2010-09-09",
    "Parameters:",
    "  Stage: { Type: String, Default: dev }",
    "Resources:",
    "  StudioKey:",
    "    Type: AWS::KMS::Key",
    "    Properties:",
    `      EnableKeyRotation: ${rotation}`,
    "      KeyPolicy:",
    "        Version: '2012-10-17'",
    "        Statement:",
    "          - Effect: Allow",
    `            Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:root' }`,
    "            Action: 'kms:*'",
    "            Resource: '*'",
    "      Tags:",
    "        - Key: EnableBedrock",
    "          Value: 'true'",
    "  Studio:",
    "    Type: AWS::DataZone::Domain",
    "    Properties:",
    "      Name: !Sub 'studio-${Stage}'",
    `      DomainExecutionRole: ${ROLE}`,
    ...(keyLine === "" ? [] : [`      KmsKeyIdentifier: ${keyLine}`]),
    "",
  ].join("\n");
}

function cfnStack(name: string, properties: Record<string, unknown>, type = CFN_STACK): ResourceSpec {
  return { type, name, urn: urnOf(type, name), properties };
}

/** Both engine calls for one stack: Analyze per resource, then AnalyzeStack. */
async function analyzeAll(pack: PackClient, resources: ResourceSpec[]): Promise<AnalyzeResult> {
  const diagnostics = [];
  const notApplicable = [];
  for (const resource of resources) {
    const result = await pack.analyze(resource);
    // Analyze's diagnostics are about the analyzed resource (the engine leaves their URN empty).
    diagnostics.push(...result.diagnostics.map((d) => ({ ...d, urn: d.urn || resource.urn! })));
    notApplicable.push(...result.notApplicable);
  }
  const stack = await pack.analyzeStack(resources);
  return {
    diagnostics: [...diagnostics, ...stack.diagnostics],
    notApplicable: [...notApplicable, ...stack.notApplicable],
  };
}

const mandatory = (result: AnalyzeResult) =>
  result.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => [d.policyName, d.urn]);

for (const phase of ["preview", "up"] as const) {
  describe(`policy pack through the engine protocol: CloudFormation and Cloud Control (${phase})`, function () {
    const pack = suitePack(undefined, { dryRun: phase === "preview" });

    const bodies = {
      JSON: (reference: unknown, key?: Record<string, unknown>) => JSON.stringify(template(reference, key)),
      YAML: (reference: unknown, key?: Record<string, unknown>) =>
        yamlTemplate(
          reference === undefined
            ? ""
            : typeof reference === "string"
              ? reference
              : "Fn::GetAtt" in (reference as object)
                ? "!GetAtt StudioKey.Arn"
                : "!Ref StudioKey",
          key?.EnableKeyRotation !== false,
        ),
    };

    for (const [format, body] of Object.entries(bodies)) {
      it(`${format}: blocks a template domain without a key, on the stack resource`, async () => {
        const stack = cfnStack("cfn", { templateBody: body(undefined) });
        const result = await analyzeAll(pack.client, [stack]);
        assert.deepEqual(mandatory(result), [["workspace-cmk-required", stack.urn]]);
        assert.match(
          result.diagnostics[0].message,
          /\(DataZone domain, aws-native\) 'cfn\/Studio': `kmsKeyIdentifier` is not set/,
        );
      });

      it(`${format}: blocks a template domain on an AWS-managed alias`, async () => {
        const stack = cfnStack("cfn", { templateBody: body("alias/aws/datazone") });
        const policies = mandatory(await analyzeAll(pack.client, [stack])).map(([policy]) => policy);
        assert.ok(
          policies.length > 0 && policies.every((p) => p.startsWith("workspace-cmk-")),
          `${policies}`,
        );
      });

      it(`${format}: traces a GetAtt to an unfit key of the template and blocks`, async () => {
        const stack = cfnStack("cfn", {
          templateBody: body({ "Fn::GetAtt": ["StudioKey", "Arn"] }, { EnableKeyRotation: false }),
        });
        const result = await analyzeAll(pack.client, [stack]);
        assert.deepEqual(mandatory(result), [["cmk-key-rotation", stack.urn]]);
        const message = result.diagnostics.find((d) => d.policyName === "cmk-key-rotation")!.message;
        assert.match(message, /'cfn\/Studio': its KMS key 'cfn\/StudioKey'/);
        // The key's own hygiene policy sees it too (advisory).
        assert.ok(result.diagnostics.some((d) => d.policyName === "kms-key-rotation" && d.urn === stack.urn));
      });

      it(`${format}: passes a template domain on a fit key of the template`, async () => {
        const stack = cfnStack("cfn", { templateBody: body({ "Fn::GetAtt": ["StudioKey", "Arn"] }) });
        const result = await analyzeAll(pack.client, [stack]);
        assert.deepEqual(result.diagnostics, []);
      });
    }

    it("aws-native: judges a template given as an object", async () => {
      const stack = cfnStack("native", { templateBody: template(undefined) }, NATIVE_STACK);
      assert.deepEqual(mandatory(await analyzeAll(pack.client, [stack])), [
        ["workspace-cmk-required", stack.urn],
      ]);
    });

    it("resolves parameters from the stack's `parameters`, else their Default", async () => {
      const withParameter = (parameters: Record<string, unknown>) => {
        const body = template({ Ref: "KeyArn" });
        body.Parameters = { KeyArn: { Type: "String", Default: "alias/aws/datazone" } };
        return cfnStack("params", { templateBody: JSON.stringify(body), parameters });
      };
      assert.ok(mandatory(await analyzeAll(pack.client, [withParameter({})])).length > 0, "the Default");
      const given = await analyzeAll(pack.client, [withParameter({ KeyArn: "alias/aws/datazone" })]);
      assert.ok(mandatory(given).length > 0, "the given value");
    });

    it("traces a parameter to a key of the Pulumi stack through the `parameters` dependencies", async () => {
      const keyUrn = urnOf("aws:kms/key:Key", "outer-key");
      const outerKey: ResourceSpec = {
        type: "aws:kms/key:Key",
        name: "outer-key",
        urn: keyUrn,
        properties: {
          arn: UNKNOWN,
          keyId: UNKNOWN,
          enableKeyRotation: false,
          tags: { EnableBedrock: "true" },
        },
      };
      const body = template({ Ref: "KeyArn" });
      body.Parameters = { KeyArn: { Type: "String" } };
      const stack: ResourceSpec = {
        ...cfnStack("params", { templateBody: JSON.stringify(body), parameters: { KeyArn: UNKNOWN } }),
        propertyDependencies: { parameters: [keyUrn] },
      };
      const result = await pack.client.analyzeStack([outerKey, stack]);
      assert.deepEqual(mandatory(result), [["cmk-key-rotation", stack.urn]]);
    });

    it("Cloud Control: blocks a domain whose desiredState has no key", async () => {
      const resource = cfnStack(
        "cc-studio",
        {
          typeName: "AWS::DataZone::Domain",
          desiredState: JSON.stringify({ Name: "studio", DomainExecutionRole: ROLE }),
        },
        CLOUD_CONTROL,
      );
      const result = await analyzeAll(pack.client, [resource]);
      assert.deepEqual(mandatory(result), [["workspace-cmk-required", resource.urn]]);
      assert.match(result.diagnostics[0].message, /'cc-studio': `kmsKeyIdentifier` is not set/);
    });

    it("Cloud Control: traces an unknown desiredState to an unfit key of the stack", async () => {
      const keyUrn = urnOf("aws:kms/key:Key", "cc-key");
      const key: ResourceSpec = {
        type: "aws:kms/key:Key",
        name: "cc-key",
        urn: keyUrn,
        properties: {
          arn: UNKNOWN,
          keyId: UNKNOWN,
          enableKeyRotation: false,
          tags: { EnableBedrock: "true" },
        },
      };
      const resource: ResourceSpec = {
        ...cfnStack("cc-studio", { typeName: "AWS::DataZone::Domain", desiredState: UNKNOWN }, CLOUD_CONTROL),
        propertyDependencies: { desiredState: [keyUrn] },
      };
      const result = await pack.client.analyzeStack([key, resource]);
      assert.deepEqual(mandatory(result), [["cmk-key-rotation", resource.urn]]);
    });

    it("says a template given only by URL cannot be inspected (advisory)", async () => {
      const stack = cfnStack("by-url", { templateUrl: "https://s3.amazonaws.com/bucket/studio.yaml" });
      const result = await analyzeAll(pack.client, [stack]);
      assert.deepEqual(
        result.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.urn]),
        [["cmk-template-inspectable", "advisory", stack.urn]],
      );
      assert.match(result.diagnostics[0].message, /only by URL/);
    });

    it("says a stack set is not inspected (advisory)", async () => {
      const stackSet = cfnStack(
        "set",
        { templateBody: JSON.stringify(template(undefined)) },
        "aws:cloudformation/stackSet:StackSet",
      );
      const result = await analyzeAll(pack.client, [stackSet]);
      assert.deepEqual(
        result.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.urn]),
        [["cmk-template-inspectable", "advisory", stackSet.urn]],
      );
      assert.match(result.diagnostics[0].message, /stack set deploys its template to other accounts/);
    });

    const malformed: [string, Record<string, unknown>, RegExp][] = [
      ["invalid YAML", { templateBody: "Resources:\n  Studio: [\n" }, /not valid JSON or YAML \(line \d+\)/],
      [
        "a duplicate key (the last one would win in JSON.parse)",
        {
          templateBody:
            '{"Resources": {"Studio": {"Type": "AWS::DataZone::Domain", "Properties": {"KmsKeyIdentifier": "alias/aws/datazone"}}, "Studio": {"Type": "AWS::S3::Bucket"}}}',
        },
        /duplicated mapping key/,
      ],
      [
        "a resource type given by a function",
        { templateBody: '{"Resources": {"S": {"Type": {"Ref": "T"}}}}' },
        /no `Type` string/,
      ],
      ["no Resources", { templateBody: '{"Outputs": {}}' }, /no `Resources` mapping/],
    ];
    for (const [label, properties, expected] of malformed) {
      it(`fails closed on a template with ${label}`, async () => {
        const stack = cfnStack("broken", properties);
        const result = await analyzeAll(pack.client, [stack]);
        assert.deepEqual(mandatory(result), [["cmk-template-readable", stack.urn]]);
        const message = result.diagnostics.find((d) => d.policyName === "cmk-template-readable")!.message;
        assert.match(message, expected);
        assert.doesNotMatch(message, /alias\/aws/, "no template text is quoted");
      });
    }

    it("reports a template body unknown at preview as not determinable, and at up as NOT VERIFIED, never a pass", async () => {
      const stack = cfnStack("pending", { templateBody: UNKNOWN });
      const result = await pack.client.analyze(stack);
      if (phase === "preview") {
        assert.deepEqual(result.diagnostics, []);
        const note = result.notApplicable.find((n) => n.policyName === "cmk-template-readable");
        assert.match(note?.reason ?? "", /`templateBody` is not known yet/);
      } else {
        assert.deepEqual(mandatory(result), [["cmk-unverifiable", ""]]);
        assert.match(result.diagnostics[0]!.message, /NOT VERIFIED.*cmk-template-readable/);
      }
    });
  });
}

/**
 * Issue 20: templates evaluated as CloudFormation evaluates them, in a stack whose provider is
 * pinned to one account (`aws:allowedAccountIds`), so that every pseudo parameter is known.
 */
const PINNED_CONFIG = { "aws:region": "us-east-1", "aws:allowedAccountIds": JSON.stringify([ACCOUNT]) };

/** A YAML template whose domain's key is `keyLine`, with the `Parameters`/`Conditions` given. */
function evaluatedTemplate(sections: string[], keyLine: string, keyProperties: string[] = []): string {
  return [
    ...sections,
    "Resources:",
    "  StudioKey:",
    "    Type: AWS::KMS::Key",
    "    Properties:",
    "      EnableKeyRotation: true",
    ...keyProperties.map((line) => `      ${line}`),
    "      KeyPolicy:",
    "        Version: '2012-10-17'",
    "        Statement:",
    "          - Sid: !Sub '${AWS::StackName}-root'",
    "            Effect: Allow",
    "            Principal: { AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }",
    "            Action: 'kms:*'",
    "            Resource: '*'",
    "      Tags: [{ Key: EnableBedrock, Value: 'true' }]",
    "  Studio:",
    "    Type: AWS::DataZone::Domain",
    "    Properties:",
    "      Name: studio",
    `      DomainExecutionRole: ${ROLE}`,
    ...(keyLine === "" ? [] : [`      KmsKeyIdentifier: ${keyLine}`]),
    "",
  ].join("\n");
}

const USE_CMK = [
  "Parameters:",
  "  UseCmk: { Type: String, AllowedValues: ['true', 'false'], Default: 'false' }",
  "  Rotate: { Type: String, Default: 'true' }",
  "  Window: { Type: Number, Default: 30 }",
  "Conditions:",
  "  UseCmk: !Equals [!Ref UseCmk, 'true']",
  "  Rotate: !Equals [!Ref Rotate, 'true']",
];

for (const phase of ["preview", "up"] as const) {
  describe(`policy pack through the engine protocol: CloudFormation evaluated (${phase})`, function () {
    let pack: PackClient;
    before(async () => {
      pack = await PackClient.start({ dryRun: phase === "preview", stackConfig: PINNED_CONFIG });
      await pack.initialise();
    });
    after(async () => pack?.stop());

    const run = async (templateBody: string, parameters?: Record<string, string>) => {
      const stack = cfnStack("evaluated", {
        name: "studio",
        templateBody,
        ...(parameters ? { parameters } : {}),
      });
      return { stack, result: await analyzeAll(pack, [stack]) };
    };

    it("blocks a domain whose key is Fn::If over a false condition and AWS::NoValue", async () => {
      const { stack, result } = await run(
        evaluatedTemplate(USE_CMK, "!If [UseCmk, !GetAtt StudioKey.Arn, !Ref AWS::NoValue]"),
      );
      assert.deepEqual(mandatory(result), [["workspace-cmk-required", stack.urn]]);
    });

    it("passes it once the stack's `parameters` turn the condition true, with typed parameter values", async () => {
      const keyProperties = ["PendingWindowInDays: !Ref Window"];
      const { result } = await run(
        evaluatedTemplate(USE_CMK, "!If [UseCmk, !GetAtt StudioKey.Arn, !Ref AWS::NoValue]", keyProperties),
        { UseCmk: "true" },
      );
      assert.deepEqual(result.diagnostics, []);
    });

    it("blocks rotation turned off through Fn::If", async () => {
      const { stack, result } = await run(
        evaluatedTemplate(USE_CMK, "!GetAtt StudioKey.Arn", [
          "EnableKeyRotation: !If [Rotate, true, false]",
        ]).replace("      EnableKeyRotation: true\n", ""),
        { Rotate: "false" },
      );
      assert.deepEqual(mandatory(result), [["cmk-key-rotation", stack.urn]]);
    });

    it("blocks an AWS-managed key built with Fn::Sub from pseudo parameters", async () => {
      const { stack, result } = await run(
        evaluatedTemplate(
          [],
          "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/datazone'",
        ),
      );
      const policies = mandatory(result);
      assert.ok(policies.length > 0, "blocked");
      assert.ok(
        policies.every(([policy, urn]) => policy.startsWith("workspace-cmk-") && urn === stack.urn),
        `${policies}`,
      );
    });

    it("blocks a public statement whose Sid is computed", async () => {
      const body = evaluatedTemplate([], "!GetAtt StudioKey.Arn").replace(
        "Principal: { AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }",
        "Principal: '*'",
      );
      const { stack, result } = await run(body);
      assert.deepEqual(mandatory(result), [["cmk-key-policy-public", stack.urn]]);
    });

    it("does not judge a key-less domain whose resource Condition is false", async () => {
      const body = evaluatedTemplate(USE_CMK, "").replace(
        "    Type: AWS::DataZone::Domain\n",
        "    Type: AWS::DataZone::Domain\n    Condition: UseCmk\n",
      );
      const { result } = await run(body);
      assert.deepEqual(mandatory(result), []);
    });

    if (phase === "up") {
      it("reports a key from Fn::ImportValue as NOT VERIFIED (cmk-unverifiable) at up, never a pass", async () => {
        const { stack, result } = await run(evaluatedTemplate([], "!ImportValue shared-studio-key-arn"));
        assert.deepEqual(mandatory(result), [["cmk-unverifiable", stack.urn]]);
      });
    }
  });
}
