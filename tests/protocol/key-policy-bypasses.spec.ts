/**
 * Issue 12: every bypass the security review found, and the three policies it found wrongly
 * blocked, driven through the engine protocol at preview (unknown outputs, property dependencies)
 * and at up (every value known).
 */
import { strict as assert } from "assert";
import {
  UNKNOWN,
  urnOf,
  type AnalyzeResult,
  type ProviderSpec,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { suitePack } from "../support/pack";
import {
  ACCOUNT,
  ADMIN_STATEMENT as ADMIN,
  DOMAIN,
  engineRun,
  fitKey,
  KEY,
  KEY_ID,
  keyArn,
  PHASES,
  policyDocument as document,
  workspaceUsing,
  type Phase,
} from "../support/builders";

const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";
const MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab";
const keyUrn = urnOf(KEY, "workspace-key");
const OUTSIDE_PRIMARY = keyArn("us-west-2", MRK_ID);
const domainUrn = urnOf(DOMAIN, "studio");
const EU_PROVIDER: ProviderSpec = {
  type: "pulumi:providers:aws",
  name: "eu",
  properties: { region: "eu-west-1" },
};
const EU_NATIVE_PROVIDER: ProviderSpec = {
  type: "pulumi:providers:aws-native",
  name: "eu-native",
  properties: { region: "eu-west-1" },
};

const RESTRICTED = document(ADMIN);
const toEveryone = (principal: unknown, condition?: unknown) => ({
  Effect: "Allow",
  Principal: principal,
  Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
  Resource: "*",
  ...(condition === undefined ? {} : { Condition: condition }),
});
const PUBLIC = document(ADMIN, toEveryone("*"));

function keyPolicy(phase: Phase, name: string, policy: string, key: string, keyId: string): ResourceSpec {
  return {
    type: KEY_POLICY,
    name,
    properties: { keyId: phase === "up" ? keyId : UNKNOWN, policy },
    dependencies: [key],
    propertyDependencies: { keyId: [key] },
  };
}

function findings(result: AnalyzeResult, urn = domainUrn): string[] {
  return result.diagnostics
    .filter((d) => d.urn === urn)
    .map((d) => `${d.policyName}:${d.enforcementLevel}`)
    .sort();
}

describe("policy pack through the engine protocol: issue 12 key policy bypasses", function () {
  const pack = suitePack();
  /** A pack whose config trusts the outside primary key of case 6. */
  const trusting = suitePack({ "guard-settings": { properties: { trustedKeys: [OUTSIDE_PRIMARY] } } });

  const publicPolicies: [string, string][] = [
    [
      "1. kms:CallerAccount compared to ${aws:PrincipalAccount}",
      document(ADMIN, toEveryone("*", { StringEquals: { "kms:CallerAccount": "${aws:PrincipalAccount}" } })),
    ],
    [
      "1. aws:PrincipalAccount compared to ${aws:PrincipalAccount}",
      document(
        ADMIN,
        toEveryone("*", { StringEquals: { "aws:PrincipalAccount": "${aws:PrincipalAccount}" } }),
      ),
    ],
    [
      "1. aws:PrincipalOrgID compared to ${aws:PrincipalOrgID}",
      document(ADMIN, toEveryone("*", { StringEquals: { "aws:PrincipalOrgID": "${aws:PrincipalOrgID}" } })),
    ],
    [
      "1. aws:SourceAccount compared to ${aws:SourceAccount}",
      document(ADMIN, toEveryone("*", { StringEquals: { "aws:SourceAccount": "${aws:SourceAccount}" } })),
    ],
    ['2. {"Service": "*"}', document(ADMIN, toEveryone({ Service: "*" }))],
    ['2. {"Federated": "*"}', document(ADMIN, toEveryone({ Federated: "*" }))],
    ['2. {"CanonicalUser": "*"}', document(ADMIN, toEveryone({ CanonicalUser: "*" }))],
    ['2. {"AWS": "arn:aws:iam::*:root"}', document(ADMIN, toEveryone({ AWS: "arn:aws:iam::*:root" }))],
    [
      '3. two "Statement" keys, the public one first',
      `{"Version":"2012-10-17","Statement":[${JSON.stringify(toEveryone("*"))}],"Statement":[${JSON.stringify(ADMIN)}]}`,
    ],
    [
      "a service bound to an encryption context ARN of any account",
      document(
        ADMIN,
        toEveryone(
          { Service: "bedrock.amazonaws.com" },
          { StringLike: { "kms:EncryptionContext:aws:bedrock:arn": "arn:aws:bedrock:*:*:agent/*" } },
        ),
      ),
    ],
    [
      "every principal bound to an encryption context ARN of the key's account (the caller sets it)",
      document(
        ADMIN,
        toEveryone("*", {
          StringEquals: {
            "kms:EncryptionContext:aws:bedrock:arn": `arn:aws:bedrock:us-east-1:${ACCOUNT}:agent/A1`,
          },
        }),
      ),
    ],
    [
      "a statement without Principal",
      document(ADMIN, { Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }),
    ],
    // Issue 19: values an outsider chooses, confused deputies, principals KMS refuses.
    [
      "19. * narrowed by an account-id pattern an outside account fits",
      document(ADMIN, toEveryone("*", { StringLike: { "aws:PrincipalAccount": "1234567890*" } })),
    ],
    [
      "19. a service narrowed by an S3 source ARN without aws:SourceAccount",
      document(
        ADMIN,
        toEveryone({ Service: "s3.amazonaws.com" }, { ArnLike: { "aws:SourceArn": "arn:aws:s3:::logs-*" } }),
      ),
    ],
    ['19. "Principal": "foo"', document(ADMIN, toEveryone("foo"))],
  ];
  for (const phase of PHASES) {
    for (const [label, policy] of publicPolicies) {
      it(`blocks ${label} at ${phase}, without quoting the policy`, async () => {
        const result = await engineRun(pack.client, [
          fitKey(phase, { policy }),
          workspaceUsing(phase, keyUrn, keyArn("us-east-1", KEY_ID)),
        ]);
        assert.deepEqual(findings(result), ["cmk-key-policy-public:mandatory"]);
        const message = result.diagnostics.find((d) => d.urn === domainUrn)!.message;
        assert.match(message, /Statement\[1\]|\(document\)/);
        assert.match(message, /\nFix: /);
        assert.ok(!message.includes("${aws:") && !message.includes("iam::*"), "never quotes the document");
      });
    }
  }

  for (const phase of PHASES) {
    for (const order of ["public first", "restricted first"] as const) {
      it(`4. blocks a key with two KeyPolicy resources (${order}) at ${phase}`, async () => {
        const policies = [
          keyPolicy(phase, "open", PUBLIC, keyUrn, KEY_ID),
          keyPolicy(phase, "closed", RESTRICTED, keyUrn, KEY_ID),
        ];
        if (order === "restricted first") policies.reverse();
        const result = await engineRun(pack.client, [
          fitKey(phase),
          ...policies,
          workspaceUsing(phase, keyUrn, keyArn("us-east-1", KEY_ID)),
        ]);
        assert.deepEqual(findings(result), ["cmk-key-policy-public:mandatory"]);
        const message = result.diagnostics.find((d) => d.urn === domainUrn)!.message;
        assert.match(message, /2 key policy resources set this key's policy/);
        assert.match(message, /the key policy set by 'open' lets/);
      });
    }
  }

  for (const phase of PHASES) {
    it(`5. judges a replica's own public policy, not the primary's mrk- KeyPolicy, at ${phase}`, async () => {
      const primary = fitKey(phase, { multiRegion: true, keyId: MRK_ID }, "primary");
      const replicaUrn = urnOf("aws:kms/replicaKey:ReplicaKey", "replica");
      const known = phase === "up";
      const replica: ResourceSpec = {
        type: "aws:kms/replicaKey:ReplicaKey",
        name: "replica",
        urn: replicaUrn,
        provider: EU_PROVIDER,
        properties: {
          primaryKeyArn: known ? keyArn("us-east-1", MRK_ID) : UNKNOWN,
          arn: known ? keyArn("eu-west-1", MRK_ID) : UNKNOWN,
          keyId: known ? MRK_ID : UNKNOWN,
          deletionWindowInDays: 30,
          policy: PUBLIC,
          tags: { EnableBedrock: "true" },
        },
        propertyDependencies: { primaryKeyArn: [primary.urn!] },
      };
      const result = await engineRun(pack.client, [
        primary,
        replica,
        keyPolicy(phase, "primary-policy", RESTRICTED, primary.urn!, MRK_ID),
        workspaceUsing(phase, replicaUrn, keyArn("eu-west-1", MRK_ID), { provider: EU_PROVIDER }),
      ]);
      assert.deepEqual(findings(result), ["cmk-key-policy-public:mandatory"]);
      const message = result.diagnostics.find((d) => d.urn === domainUrn)!.message;
      assert.doesNotMatch(message, /primary-policy/, "the primary's KeyPolicy is not the replica's");
    });
  }

  const replicaTypes: [string, Record<string, unknown>][] = [
    [
      "aws-native:kms:ReplicaKey",
      { pendingWindowInDays: 30, tags: [{ key: "EnableBedrock", value: "true" }] },
    ],
    ["aws:kms/replicaKey:ReplicaKey", { deletionWindowInDays: 30, tags: { EnableBedrock: "true" } }],
  ];
  for (const phase of PHASES) {
    for (const [type, own] of replicaTypes) {
      it(`6. reports a ${type} whose primary is outside the stack as an outside key at ${phase}`, async () => {
        const urn = urnOf(type, "replica");
        const known = phase === "up";
        const replica: ResourceSpec = {
          type,
          name: "replica",
          urn,
          properties: {
            ...own,
            primaryKeyArn: OUTSIDE_PRIMARY,
            arn: known ? keyArn("us-east-1", MRK_ID) : UNKNOWN,
            keyId: known ? MRK_ID : UNKNOWN,
          },
        };
        const result = await engineRun(pack.client, [
          replica,
          workspaceUsing(phase, urn, keyArn("us-east-1", MRK_ID)),
        ]);
        assert.deepEqual(findings(result), ["cmk-key-verifiable:mandatory"]);
        const message = result.diagnostics.find((d) => d.urn === domainUrn)!.message;
        assert.match(message, /replica of a multi-Region primary key that is not in this stack/);
        const vouched = await engineRun(trusting.client, [
          replica,
          workspaceUsing(phase, urn, keyArn("us-east-1", MRK_ID)),
        ]);
        assert.deepEqual(findings(vouched), [], "trustedKeys vouches for the primary");
      });
    }
  }

  for (const phase of PHASES) {
    it(`7. does not resolve an alias name in another region's alias at ${phase}`, async () => {
      const aliasUrn = urnOf("aws:kms/alias:Alias", "shared");
      const known = phase === "up";
      const alias: ResourceSpec = {
        type: "aws:kms/alias:Alias",
        name: "shared",
        urn: aliasUrn,
        properties: {
          name: "alias/shared",
          targetKeyId: known ? KEY_ID : UNKNOWN,
          targetKeyArn: known ? keyArn("us-east-1", KEY_ID) : UNKNOWN,
        },
        propertyDependencies: { targetKeyId: [keyUrn] },
      };
      const projectUrn = urnOf("aws-native:bedrock:DataAutomationProject", "project");
      const project: ResourceSpec = {
        type: "aws-native:bedrock:DataAutomationProject",
        name: "project",
        urn: projectUrn,
        provider: EU_NATIVE_PROVIDER,
        properties: { projectName: "project", kmsKeyId: "alias/shared" },
      };
      const result = await engineRun(pack.client, [fitKey(phase), alias, project]);
      assert.deepEqual(findings(result, projectUrn), ["cmk-key-verifiable:mandatory"]);
      // The same alias name in the alias's own region is the stack's key.
      const home = { ...project, provider: { ...EU_NATIVE_PROVIDER, properties: { region: "us-east-1" } } };
      const resolved = await engineRun(pack.client, [fitKey(phase), alias, home]);
      assert.deepEqual(findings(resolved, projectUrn), []);
    });
  }

  const wronglyBlocked: [string, string][] = [
    [
      "19. a grant to * whose time window has passed",
      document(ADMIN, toEveryone("*", { DateLessThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } })),
    ],
    [
      "an Allow to * with a Deny to * outside the key's account",
      document(
        { Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" },
        {
          Effect: "Deny",
          Principal: "*",
          Action: "kms:*",
          Resource: "*",
          Condition: { StringNotEquals: { "kms:CallerAccount": ACCOUNT } },
        },
      ),
    ],
    [
      'kms:CallerAccount in ["<own account>", "*"] under StringEquals',
      document(ADMIN, toEveryone("*", { StringEquals: { "kms:CallerAccount": [ACCOUNT, "*"] } })),
    ],
    [
      '{"AWS": "*"} narrowed by aws:ResourceAccount = ${aws:PrincipalAccount}',
      document(
        ADMIN,
        toEveryone({ AWS: "*" }, { StringEquals: { "aws:ResourceAccount": "${aws:PrincipalAccount}" } }),
      ),
    ],
  ];
  for (const phase of PHASES) {
    for (const [label, policy] of wronglyBlocked) {
      it(`passes ${label} at ${phase}`, async () => {
        const result = await engineRun(pack.client, [
          fitKey(phase, { policy }),
          workspaceUsing(phase, keyUrn, keyArn("us-east-1", KEY_ID)),
        ]);
        assert.deepEqual(result.diagnostics, []);
      });
    }
  }

  /**
   * Key policies as AWS documents them (account 111122223333 replaced by the key's account; our
   * own Sids). Each must pass at preview and at up.
   */
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const documented: [string, string][] = [
    [
      "Bedrock agents (the service bound to the agent's ARN in its encryption context)",
      document(ADMIN, {
        Sid: "Allow Amazon Bedrock to encrypt and decrypt Agent resources on behalf of authorized users",
        Effect: "Allow",
        Principal: { Service: "bedrock.amazonaws.com" },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: keyArn("us-east-1", KEY_ID),
        Condition: {
          StringEquals: {
            "kms:EncryptionContext:aws:bedrock:arn": `arn:aws:bedrock:us-east-1:${ACCOUNT}:agent/AGENT12345`,
          },
        },
      }),
    ],
    [
      "KMS's default key policy (programmatic CreateKey)",
      document({
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: "kms:*",
        Resource: "*",
      }),
    ],
    [
      "KMS's console default key policy (administrators, users, persistent resources)",
      document(
        ADMIN,
        {
          Sid: "Allow access for Key Administrators",
          Effect: "Allow",
          Principal: { AWS: role("KeyAdmin") },
          Action: ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*"],
          Resource: "*",
        },
        {
          Sid: "Allow use of the key",
          Effect: "Allow",
          Principal: { AWS: role("KeyUser") },
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
          Resource: "*",
        },
        {
          Sid: "Allow attachment of persistent resources",
          Effect: "Allow",
          Principal: { AWS: role("KeyUser") },
          Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
          Resource: "*",
          Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
      ),
    ],
    [
      "Bedrock guardrails: creators and users by role",
      document(
        ADMIN,
        {
          Sid: "PermissionsForGuardrailsCreators",
          Effect: "Allow",
          Principal: { AWS: role("guardrail-creator") },
          Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"],
          Resource: "*",
        },
        {
          Sid: "PermissionsForGuardrailsUsers",
          Effect: "Allow",
          Principal: { AWS: role("guardrail-user") },
          Action: "kms:Decrypt",
          Resource: "*",
        },
      ),
    ],
    [
      "Bedrock Flows: a role, through Bedrock, for one flow's encryption context",
      document(ADMIN, {
        Sid: "EncryptFlowKMS",
        Effect: "Allow",
        Principal: { AWS: role("flows") },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "kms:EncryptionContext:aws:bedrock-flows:arn": `arn:aws:bedrock:us-east-1:${ACCOUNT}:flow/FLOW12345`,
            "kms:ViaService": "bedrock.us-east-1.amazonaws.com",
          },
        },
      }),
    ],
    [
      "Bedrock AgentCore Identity: everyone of the key's own account, through the service",
      document(ADMIN, {
        Sid: "BedrockAgentCoreIdentityKMSAccess",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"],
        Resource: "*",
        Condition: {
          StringLike: { "kms:ViaService": "bedrock-agentcore-identity.*.amazonaws.com" },
          StringEquals: { "aws:ResourceAccount": "${aws:PrincipalAccount}" },
          ArnLike: {
            "kms:EncryptionContext:aws-crypto-ec:aws:bedrock-agentcore-identity:token-vault-arn":
              "arn:aws:bedrock-agentcore:*:*:token-vault/default",
          },
        },
      }),
    ],
    [
      "SageMaker Unified Studio catalog export: a service principal for the key's own account",
      document(ADMIN, {
        Sid: "EnableSystemTablesKeyUsage",
        Effect: "Allow",
        Principal: { Service: "systemtables.sagemaker-catalog.amazonaws.com" },
        Action: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
        Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`,
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      }),
    ],
    [
      "a Bedrock Studio workspace key: every principal of the account, through Bedrock",
      document(ADMIN, {
        Sid: "Bedrock",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "bedrock.us-east-1.amazonaws.com" },
        },
      }),
    ],
  ];
  for (const phase of PHASES) {
    for (const [label, policy] of documented) {
      it(`passes AWS's documented key policy: ${label}, at ${phase}`, async () => {
        const result = await engineRun(pack.client, [
          fitKey(phase, { policy }),
          workspaceUsing(phase, keyUrn, keyArn("us-east-1", KEY_ID)),
        ]);
        assert.deepEqual(result.diagnostics, []);
      });
    }
  }
});
