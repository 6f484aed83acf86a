/**
 * `workspace-key-usable` for every Bedrock family whose user guide documents the key policy its key
 * needs, judged through the judging layer (judgeStack) on a stack of a key and the resource using
 * it. Inputs are AWS's documented key policies (tests/corpus, or the page's text with its
 * placeholders filled in): each passes; each with one documented statement removed gets the
 * finding naming that statement; conditions the service does not send do not count.
 */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { judgeStack, NO_OUTSIDE_KEY_EVIDENCE, traceResources } from "../../policy-pack/judging/stack";
import type { StackResource } from "../../policy-pack/facts/key-tracing";
import { ACCOUNT, ADMIN_STATEMENT, KEY, KEY_ID, policyDocument } from "../support/builders";
import { fitKeyProps, keyArn, packState, REGION, resource } from "./world";

const KEY_ARN = keyArn(KEY_ID);
const ROLE = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const POLICY = "workspace-key-usable";

type Verdict = { kind: "finding"; message: string } | { kind: "pending"; reason: string } | { kind: "pass" };

/** The verdict of workspace-key-usable on the one guarded resource of a stack (values final). */
function usable(keyPolicy: string, guarded: StackResource, others: readonly StackResource[] = []): Verdict {
  const key = resource(KEY, "key", fitKeyProps(KEY_ID, { policy: keyPolicy }));
  const state = packState("final");
  const judgment = judgeStack(
    traceResources([key, guarded, ...others], state),
    state,
    NO_OUTSIDE_KEY_EVIDENCE,
  );
  const finding = judgment.findings.find((f) => f.policy === POLICY);
  if (finding !== undefined) return { kind: "finding", message: finding.message };
  const pending = judgment.pending.find((p) => p.policy === POLICY);
  if (pending !== undefined) return { kind: "pending", reason: pending.reason };
  return { kind: "pass" };
}

function assertFinding(verdict: Verdict, ...names: RegExp[]): void {
  assert.equal(verdict.kind, "finding", JSON.stringify(verdict));
  if (verdict.kind === "finding") for (const name of names) assert.match(verdict.message, name);
}

/** The `policy` of the key in a corpus stack export (AWS's documented policy, as the corpus holds it). */
function corpusKeyPolicy(entry: string): { Version: string; Statement: Record<string, unknown>[] } {
  const stack = JSON.parse(readFileSync(join(__dirname, "..", "corpus", entry, "stack.json"), "utf8")) as {
    deployment: { resources: { type: string; inputs?: { policy?: string } }[] };
  };
  const key = stack.deployment.resources.find((r) => r.type === KEY)!;
  return JSON.parse(key.inputs!.policy!) as { Version: string; Statement: Record<string, unknown>[] };
}

const without = (statements: readonly Record<string, unknown>[], ...sids: string[]) =>
  policyDocument(...statements.filter((s) => !sids.includes(s.Sid as string)));

describe("workspace-key-usable: the key policies AWS documents per Bedrock family", () => {
  describe("agents (both documented recipes)", () => {
    const AGENT_ARN = `arn:aws:bedrock:${REGION}:${ACCOUNT}:agent/AGENT12345`;
    const agent = resource("aws:bedrock/agentAgent:AgentAgent", "agent", {
      agentName: "support",
      agentResourceRoleArn: ROLE("AmazonBedrockExecutionRoleForAgents_support"),
      customerEncryptionKeyArn: KEY_ARN,
      agentArn: AGENT_ARN,
    });
    const bedrockFor = (sid: string, actions: string[], condition: unknown) => ({
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: "bedrock.amazonaws.com" },
      Action: actions,
      Resource: KEY_ARN,
      Condition: condition,
    });
    // encryption-agents.html (before January 22, 2025), as the page publishes it now.
    const BEFORE_2025 = [
      { ...ADMIN_STATEMENT, Sid: "AllowRootModifyKMSKey" },
      bedrockFor("AllowBedrockEncryptAgent", ["kms:GenerateDataKey", "kms:Decrypt"], {
        StringEquals: { "kms:EncryptionContext:aws:bedrock:arn": AGENT_ARN },
      }),
      bedrockFor(
        "AllowAttachmentPersistentResources",
        ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        {
          Bool: { "kms:GrantIsForAWSResource": "true" },
        },
      ),
    ];

    it("passes the documented policy of agents created before January 22, 2025", () => {
      assert.deepEqual(usable(policyDocument(...BEFORE_2025), agent), { kind: "pass" });
    });

    it("names the documented statement that is missing (key policy alone deciding)", () => {
      const noRoot = BEFORE_2025.slice(1);
      assertFinding(
        usable(without(noRoot, "AllowBedrockEncryptAgent"), agent),
        /AllowBedrockEncryptAgent/,
        /agents created before January 22, 2025/,
      );
      assertFinding(
        usable(without(noRoot, "AllowAttachmentPersistentResources"), agent),
        /AllowAttachmentPersistentResources/,
      );
    });

    it("passes a key policy that lets the agent API caller use the key (agents created after January 22, 2025)", () => {
      const caller = {
        Sid: "AllowAgentApiCaller",
        Effect: "Allow",
        Principal: { AWS: ROLE("AgentBuilder") },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "kms:EncryptionContext:aws:bedrock:arn": AGENT_ARN } },
      };
      assert.deepEqual(usable(policyDocument(caller), agent), { kind: "pass" });
      // The encryption context of another agent is not what Bedrock sends for this one.
      const other = {
        ...caller,
        Condition: { StringEquals: { "kms:EncryptionContext:aws:bedrock:arn": `${AGENT_ARN}9` } },
      };
      assertFinding(usable(policyDocument(other), agent), /AllowAgentApiCallerToUseTheKey/);
    });

    it("the corpus's earlier text of the page (no grant statement) is not a finding: the after-2025 recipe is up to IAM", () => {
      const verdict = usable(JSON.stringify(corpusKeyPolicy("aws-doc-bedrock-agent-key-policy")), agent);
      assert.equal(verdict.kind, "pending", JSON.stringify(verdict));
    });

    it("a service statement bound to an encryption context Bedrock does not send for agents fails", () => {
      const wrongKey = bedrockFor("AllowBedrockEncryptAgent", ["kms:GenerateDataKey", "kms:Decrypt"], {
        StringEquals: { "kms:EncryptionContext:aws:bedrock-flows:arn": AGENT_ARN },
      });
      assertFinding(usable(policyDocument(wrongKey, BEFORE_2025[2]!), agent), /AllowBedrockEncryptAgent/);
    });
  });

  describe("flows", () => {
    const documented = corpusKeyPolicy("aws-doc-bedrock-flow-key-policy");
    const flowArn = `arn:aws:bedrock:us-east-1:${ACCOUNT}:flow/FLOW12345`;
    const flow = (executionRoleArn: string, extra: Record<string, unknown> = {}) =>
      resource("aws:bedrock/agentFlow:AgentFlow", "flow", {
        name: "triage",
        executionRoleArn,
        customerEncryptionKeyArn: KEY_ARN,
        arn: flowArn,
        ...extra,
      });

    it("passes the documented policy (the caller and execution role named)", () => {
      assert.deepEqual(usable(JSON.stringify(documented), flow(ROLE("RoleName"))), { kind: "pass" });
    });

    it("without the root statement, removing AllowRoleUseKMSKey names it", () => {
      assertFinding(
        usable(
          without(documented.Statement, "AllowRootModifyKMSId", "AllowRoleUseKMSKey"),
          flow(ROLE("RoleName")),
        ),
        /AllowRoleUseKMSKey/,
      );
    });

    it("a kms:ViaService the service does not send does not count", () => {
      const viaS3 = documented.Statement.map((s) =>
        s.Sid === "AllowRoleUseKMSKey"
          ? { ...s, Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } }
          : s,
      );
      assertFinding(
        usable(without(viaS3, "AllowRootModifyKMSId"), flow(ROLE("RoleName"))),
        /AllowRoleUseKMSKey/,
        /EncryptionFlows/,
      );
    });

    describe("where the key policy delegates to IAM, the execution role's identity policies in the stack decide", () => {
      const role = resource("aws:iam/role:Role", "flow-role", { name: "flow-role", arn: ROLE("flow-role") });
      const rolePolicy = (statement: unknown) =>
        resource("aws:iam/rolePolicy:RolePolicy", "flow-role-kms", {
          role: "flow-role",
          policy: policyDocument(statement),
        });
      // The page's identity policy for flow executions ("EncryptionFlows").
      const ENCRYPTION_FLOWS = {
        Sid: "EncryptionFlows",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: KEY_ARN,
        Condition: {
          StringEquals: {
            "kms:EncryptionContext:aws:bedrock-flows:arn": flowArn,
            "kms:ViaService": "bedrock.us-east-1.amazonaws.com",
          },
        },
      };
      const rootAndCaller = without(documented.Statement);

      it("passes with the documented identity policy", () => {
        assert.deepEqual(
          usable(rootAndCaller, flow(ROLE("flow-role")), [role, rolePolicy(ENCRYPTION_FLOWS)]),
          { kind: "pass" },
        );
      });

      it("finds an identity policy that leaves out an action", () => {
        const decryptOnly = { ...ENCRYPTION_FLOWS, Action: ["kms:Decrypt"] };
        assertFinding(
          usable(rootAndCaller, flow(ROLE("flow-role")), [role, rolePolicy(decryptOnly)]),
          /identity policies/,
          /kms:GenerateDataKey/,
          /EncryptionFlows/,
        );
      });

      it("is undetermined while the role is not in the stack", () => {
        assert.equal(usable(rootAndCaller, flow(ROLE("flow-role"))).kind, "pending");
      });
    });
  });

  describe("guardrails", () => {
    const guardrail = resource("aws:bedrock/guardrail:Guardrail", "guardrail", {
      name: "safety",
      kmsKeyArn: KEY_ARN,
      guardrailArn: `arn:aws:bedrock:${REGION}:${ACCOUNT}:guardrail/abc123`,
    });
    // guardrails-permissions-kms.html, with the page's `{{role}}` filled in.
    const DOCUMENTED = [
      {
        Sid: "PermissionsForGuardrailsCreators",
        Effect: "Allow",
        Principal: { AWS: ROLE("GuardrailCreator") },
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"],
        Resource: "*",
      },
      {
        Sid: "PermissionsForGuardrailsUsers",
        Effect: "Allow",
        Principal: { AWS: ROLE("GuardrailUser") },
        Action: "kms:Decrypt",
        Resource: "*",
      },
    ];

    it("passes the documented policy", () => {
      assert.deepEqual(usable(policyDocument(...DOCUMENTED), guardrail), { kind: "pass" });
    });

    it("names PermissionsForGuardrailsCreators when it is missing", () => {
      assertFinding(
        usable(without(DOCUMENTED, "PermissionsForGuardrailsCreators"), guardrail),
        /PermissionsForGuardrailsCreators/,
        /kms:CreateGrant/,
      );
    });
  });

  describe("fully managed knowledge bases", () => {
    const kb = resource("aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase", "kb", {
      name: "docs",
      roleArn: ROLE("kb-service-role"),
      knowledgeBaseConfiguration: {
        type: "MANAGED",
        managedKnowledgeBaseConfiguration: { serverSideEncryptionConfiguration: { kmsKeyArn: KEY_ARN } },
      },
    });
    const creator = ROLE("KnowledgeBaseCreator");
    // encryption-kb.html#encryption-kb-managed-ingestion, with `{{role-name}}` and `{{region}}` filled in.
    const DOCUMENTED = [
      {
        Sid: "KnowledgeBaseCreatorGrantsToBedrock",
        Effect: "Allow",
        Principal: { AWS: creator },
        Action: ["kms:CreateGrant"],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": "bedrock.us-east-1.amazonaws.com" },
          "ForAllValues:StringEquals": {
            "kms:GrantOperations": [
              "CreateGrant",
              "GenerateDataKey",
              "GenerateDataKeyWithoutPlaintext",
              "DescribeKey",
              "Encrypt",
              "Decrypt",
            ],
          },
        },
      },
      {
        Sid: "KnowledgeBaseCreatorUsesTheKey",
        Effect: "Allow",
        Principal: { AWS: creator },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": "bedrock.us-east-1.amazonaws.com" } },
      },
    ];

    it("passes the documented policy", () => {
      assert.deepEqual(usable(policyDocument(...DOCUMENTED), kb), { kind: "pass" });
    });

    it("names each documented statement when it is missing", () => {
      assertFinding(
        usable(without(DOCUMENTED, "KnowledgeBaseCreatorGrantsToBedrock"), kb),
        /KnowledgeBaseCreatorGrantsToBedrock/,
      );
      assertFinding(
        usable(without(DOCUMENTED, "KnowledgeBaseCreatorUsesTheKey"), kb),
        /KnowledgeBaseCreatorUsesTheKey/,
      );
    });
  });

  describe("AgentCore gateways", () => {
    const serviceRole = ROLE("AgentCoreGatewayServiceRole");
    const gateway = (roleArn: string) =>
      resource("aws:bedrock/agentcoreGateway:AgentcoreGateway", "gateway", {
        name: "tools",
        roleArn,
        kmsKeyArn: KEY_ARN,
        authorizerType: "AWS_IAM",
        protocolType: "MCP",
        gatewayArn: `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/tools-abc123`,
      });
    // gateway-encryption.html's prerequisites: the gateway service role may create grants on,
    // describe, decrypt with and generate data keys from the key, through AgentCore.
    const serviceRoleStatement = (actions: string[], via = `bedrock-agentcore.${REGION}.amazonaws.com`) => ({
      Sid: "AllowGatewayServiceRole",
      Effect: "Allow",
      Principal: { AWS: serviceRole },
      Action: actions,
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": via } },
    });
    const ACTIONS = ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"];

    it("passes a key policy that lets the gateway's service role use the key through AgentCore", () => {
      assert.deepEqual(
        usable(policyDocument(ADMIN_STATEMENT, serviceRoleStatement(ACTIONS)), gateway(serviceRole)),
        {
          kind: "pass",
        },
      );
    });

    it("names the statement and the missing actions when the role may only decrypt", () => {
      const decryptOnly = policyDocument(serviceRoleStatement(["kms:Decrypt", "kms:GenerateDataKey"]));
      assertFinding(
        usable(decryptOnly, gateway(serviceRole)),
        /GatewayServiceRoleUsesTheKey/,
        /kms:CreateGrant/,
      );
    });

    it("a statement for another role, or through another service, does not count", () => {
      const otherRole = ROLE("SomeOtherRole");
      assertFinding(
        usable(policyDocument(serviceRoleStatement(ACTIONS)), gateway(otherRole)),
        /GatewayServiceRoleUsesTheKey/,
      );
      assertFinding(
        usable(
          policyDocument(serviceRoleStatement(ACTIONS, `bedrock.${REGION}.amazonaws.com`)),
          gateway(serviceRole),
        ),
        /GatewayServiceRoleUsesTheKey/,
      );
    });

    it("is undetermined where the key policy delegates to IAM and the role is not in the stack", () => {
      assert.equal(usable(policyDocument(ADMIN_STATEMENT), gateway(serviceRole)).kind, "pending");
    });
  });

  it("AgentCore memories: AWS documents no key policy statement, so no finding and nothing pending", () => {
    const memory = resource("aws:bedrock/agentcoreMemory:AgentcoreMemory", "memory", {
      name: "mem",
      encryptionKeyArn: KEY_ARN,
    });
    assert.deepEqual(usable(policyDocument(), memory), { kind: "pass" });
  });
});
