import { strict as assert } from "assert";
import { FAMILIES, WORKSPACE_FAMILY } from "../../policy-pack/catalog/bedrock-resources";
import { keyUseOf } from "../../policy-pack/catalog/key-users";
import { kmsKeyType } from "../../policy-pack/catalog/kms-types";
import type { StackResource } from "../../policy-pack/facts/key-tracing";
import { indexRoles } from "../../policy-pack/facts/role-policies";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";
import { DEFAULT_LIMITS, type KeyFitnessInput } from "../../policy-pack/rules/key-fitness-input";
import type { RuleOutcome } from "../../policy-pack/rules/rule";
import { workspaceKeyUsable } from "../../policy-pack/rules/workspace-key-usable";

const ACCOUNT = "111122223333";
const KEY_ARN = `arn:aws:kms:us-east-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/service-role/AmazonSageMakerDomainExecution`;
const ROOT = {
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: "kms:*",
  Resource: "*",
};
const policy = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const roleUses = (actions: string[], condition?: unknown) => ({
  Effect: "Allow",
  Principal: { AWS: ROLE_ARN },
  Action: actions,
  Resource: "*",
  ...(condition === undefined ? {} : { Condition: condition }),
});
const VIA_DATAZONE = { StringEquals: { "kms:ViaService": "datazone.us-east-2.amazonaws.com" } };
const ALL_V2 = ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:CreateGrant"];

/**
 * AWS's example key policy statements for a DataZone domain ("Data encryption at rest for Amazon
 * DataZone", https://docs.aws.amazon.com/datazone/latest/userguide/encryption-rest-datazone.html),
 * with the example role as the domain execution role.
 */
const DATAZONE_DOCUMENTED = policy(
  ROOT,
  {
    Sid: "Enable DescribeKey",
    Effect: "Allow",
    Principal: { AWS: ROLE_ARN },
    Action: "kms:DescribeKey",
    Resource: KEY_ARN,
  },
  {
    Sid: "Allow access to principal to manage an Amazon DataZone domain with the given domain id",
    Effect: "Allow",
    Principal: { AWS: ROLE_ARN },
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: KEY_ARN,
    Condition: { StringEquals: { "kms:EncryptionContext:aws:datazone:domainId": "dzd_sampleid" } },
  },
  {
    Sid: "Allow creating grants when creating an Amazon DataZone domain to principal",
    Effect: "Allow",
    Principal: { AWS: ROLE_ARN },
    Action: "kms:CreateGrant",
    Resource: KEY_ARN,
    Condition: {
      StringLike: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "datazone.us-east-2.amazonaws.com" },
      Bool: { "kms:GrantIsForAWSResource": "true" },
      "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "aws:datazone:domainId" },
    },
  },
);

interface Case {
  readonly keyPolicy?: unknown;
  readonly keyArn?: unknown;
  readonly domain?: Record<string, unknown>;
  readonly identity?: { kind: "known"; documents: unknown[] } | { kind: "unknown"; reason: string };
  readonly family?: typeof WORKSPACE_FAMILY;
}

function input(c: Case): KeyFitnessInput {
  const keyType = kmsKeyType("aws:kms/key:Key")!;
  const facts = keyType.normalise({ policy: c.keyPolicy, arn: "keyArn" in c ? c.keyArn : KEY_ARN });
  const props = { domainVersion: "V2", domainExecutionRole: ROLE_ARN, ...c.domain };
  return {
    facts,
    keyType,
    limits: DEFAULT_LIMITS,
    consumer: {
      family: c.family ?? WORKSPACE_FAMILY,
      props,
      ...(c.identity === undefined
        ? {}
        : { roles: [{ property: "domainExecutionRole", arn: ROLE_ARN, policies: c.identity }] }),
    },
  };
}

const judged = (c: Case): RuleOutcome => workspaceKeyUsable.evaluate(input(c));

describe("workspace-key-usable", () => {
  it("passes a key policy that names the execution role for every documented action (V2)", () => {
    assert.equal(judged({ keyPolicy: policy(ROOT, roleUses(ALL_V2, VIA_DATAZONE)) }).kind, "compliant");
  });

  it("passes AWS's documented DataZone key policy statements for a V1 domain with the documented id", () => {
    const outcome = judged({
      keyPolicy: DATAZONE_DOCUMENTED,
      domain: { domainVersion: "V1", id: "dzd_sampleid" },
    });
    assert.equal(outcome.kind, "compliant", JSON.stringify(outcome));
  });

  it("waits for the domain's id when the key policy pins the encryption context to one", () => {
    const outcome = judged({ keyPolicy: DATAZONE_DOCUMENTED, domain: { domainVersion: "V1" } });
    assert.equal(outcome.kind, "undetermined");
  });

  it("names the missing action and the statement to add when CreateGrant is left out (V2)", () => {
    // Without the root statement the key policy alone decides (with it, the role's IAM policies could).
    const outcome = judged({ keyPolicy: policy(roleUses(ALL_V2.slice(0, 3), VIA_DATAZONE)) });
    assert.equal(outcome.kind, "non-compliant");
    if (outcome.kind !== "non-compliant") return;
    assert.match(outcome.problem, /kms:CreateGrant/);
    assert.doesNotMatch(outcome.problem, /kms:Decrypt/);
    assert.match(outcome.fix ?? "", /DomainExecutionRoleGrantsToAwsResources/);
    assert.match(outcome.fix ?? "", /kms:GrantIsForAWSResource/);
  });

  it("V1 domains need no CreateGrant from the execution role", () => {
    const outcome = judged({
      keyPolicy: policy(ROOT, roleUses(ALL_V2.slice(0, 3))),
      domain: { domainVersion: "V1" },
    });
    assert.equal(outcome.kind, "compliant");
  });

  it("finds a key policy whose condition DataZone's requests do not meet", () => {
    const elsewhere = { StringEquals: { "kms:ViaService": "s3.us-east-2.amazonaws.com" } };
    const outcome = judged({ keyPolicy: policy(roleUses(ALL_V2, elsewhere)) });
    assert.equal(outcome.kind, "non-compliant");
  });

  it("finds a Deny that blocks the role even where the key policy allows it", () => {
    const deny = { Effect: "Deny", Principal: { AWS: ROLE_ARN }, Action: "kms:Decrypt", Resource: "*" };
    const outcome = judged({ keyPolicy: policy(ROOT, roleUses(ALL_V2), deny) });
    assert.equal(outcome.kind, "non-compliant");
    if (outcome.kind === "non-compliant") assert.match(outcome.problem, /kms:Decrypt/);
  });

  describe("statements naming only services (left out of the role's simulated requests)", () => {
    const services = (effect: "Allow" | "Deny", principal: unknown) => ({
      Effect: effect,
      Principal: principal,
      Action: "kms:*",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });

    it("do not change what the role may do, allowed or denied", () => {
      const serviceOnly = { Service: ["datazone.amazonaws.com", "bedrock.amazonaws.com"] };
      const allowed = policy(roleUses(ALL_V2, VIA_DATAZONE), services("Deny", serviceOnly));
      assert.equal(judged({ keyPolicy: allowed }).kind, "compliant");
      const notGranted = policy(services("Allow", serviceOnly));
      assert.equal(judged({ keyPolicy: notGranted }).kind, "non-compliant");
    });

    it("keep a Deny that names the role besides services", () => {
      const both = { Service: "datazone.amazonaws.com", AWS: ROLE_ARN };
      const deny = { Effect: "Deny", Principal: both, Action: "kms:Decrypt", Resource: "*" };
      const outcome = judged({ keyPolicy: policy(roleUses(ALL_V2, VIA_DATAZONE), deny) });
      assert.equal(outcome.kind, "non-compliant");
    });
  });

  describe("a key policy that lets IAM policies decide (root kms:*)", () => {
    const allow = (actions: string[]) => ({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: actions, Resource: KEY_ARN }],
    });
    it("passes when the role's identity policies in the stack allow every action", () => {
      const outcome = judged({
        keyPolicy: policy(ROOT),
        identity: { kind: "known", documents: [allow(ALL_V2)] },
      });
      assert.equal(outcome.kind, "compliant");
    });
    it("finds the actions the identity policies leave out", () => {
      const outcome = judged({
        keyPolicy: policy(ROOT),
        identity: { kind: "known", documents: [allow(["kms:Decrypt", "kms:GenerateDataKey"])] },
      });
      assert.equal(outcome.kind, "non-compliant");
      if (outcome.kind === "non-compliant") {
        assert.match(outcome.problem, /identity policies/);
        assert.match(outcome.problem, /do not allow kms:DescribeKey on this key/);
        assert.match(outcome.problem, /do not allow kms:CreateGrant on this key/);
        assert.doesNotMatch(outcome.problem, /kms:Decrypt/);
      }
    });
    // IAM's policy evaluation logic: an explicit Deny in any applicable policy overrides any Allow,
    // the key policy's own included (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    it("finds an explicit Deny in the role's identity policies even where the key policy allows the role", () => {
      const deny = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "kms:Decrypt", Resource: "*" }],
      };
      const outcome = judged({
        keyPolicy: policy(ROOT, roleUses(ALL_V2, VIA_DATAZONE)),
        identity: { kind: "known", documents: [allow(ALL_V2), deny] },
      });
      assert.equal(outcome.kind, "non-compliant");
      if (outcome.kind === "non-compliant") {
        assert.match(outcome.problem, /identity policies/);
        assert.match(outcome.problem, /kms:Decrypt/);
      }
    });
    it("reads the key's tags into the request, as Bedrock Studio's tag-scoped role policies need", () => {
      const tagged = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
            Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`,
            Condition: { StringEquals: { "aws:ResourceTag/EnableBedrock": "true" } },
          },
        ],
      };
      const v1 = { domainVersion: "V1" };
      const identity = { kind: "known" as const, documents: [tagged] };
      const withTag = input({ keyPolicy: policy(ROOT), domain: v1, identity });
      const keyType = kmsKeyType("aws:kms/key:Key")!;
      const taggedFacts = keyType.normalise({
        policy: policy(ROOT),
        arn: KEY_ARN,
        tags: { EnableBedrock: "true" },
      });
      assert.equal(workspaceKeyUsable.evaluate({ ...withTag, facts: taggedFacts }).kind, "compliant");
      assert.equal(workspaceKeyUsable.evaluate(withTag).kind, "non-compliant");
    });
    it("is undetermined, with the reason, when the role's policies are not all in the stack", () => {
      const reason = "the managed policy SageMakerStudioDomainExecutionRolePolicy is not in this stack";
      const outcome = judged({ keyPolicy: undefined, identity: { kind: "unknown", reason } });
      assert.equal(outcome.kind, "undetermined");
      if (outcome.kind === "undetermined") assert.ok(outcome.reason.includes(reason));
    });
  });

  it("takes the key's ARN from the domain's kmsKeyIdentifier when the key's own ARN is not given (up)", () => {
    const outcome = judged({
      keyPolicy: policy(ROOT, roleUses(ALL_V2, VIA_DATAZONE)),
      keyArn: undefined,
      domain: { kmsKeyIdentifier: KEY_ARN },
    });
    assert.equal(outcome.kind, "compliant");
  });

  it("is undetermined while the key policy or the key's ARN is unknown", () => {
    assert.equal(judged({ keyPolicy: UNKNOWN_SENTINEL }).kind, "undetermined");
    assert.equal(judged({ keyPolicy: policy(ROOT), keyArn: UNKNOWN_SENTINEL }).kind, "undetermined");
    assert.equal(
      judged({ keyPolicy: policy(ROOT), domain: { domainExecutionRole: UNKNOWN_SENTINEL } }).kind,
      "undetermined",
    );
  });

  it("does not crash on a key policy that is not JSON, and leaves it to cmk-key-policy-public", () => {
    assert.equal(judged({ keyPolicy: "{not json" }).kind, "undetermined");
  });

  it("fails closed on a domain version it does not know", () => {
    assert.equal(judged({ keyPolicy: policy(ROOT), domain: { domainVersion: "V9" } }).kind, "non-compliant");
  });

  it("says nothing about families whose key policy AWS does not document here", () => {
    const other = FAMILIES.find((f) => keyUseOf(f) === undefined)!;
    assert.equal(judged({ keyPolicy: policy(ROOT), family: other }).kind, "not-applicable");
  });
});

describe("indexRoles: a domain's roles and their identity policies in the stack", () => {
  const resource = (
    type: string,
    name: string,
    props: unknown,
    deps: Record<string, string[]> = {},
  ): StackResource => ({
    type,
    urn: `urn:pulumi:dev::p::${type}::${name}`,
    name,
    props,
    propertyDependencies: deps,
  });
  const role = resource("aws:iam/role:Role", "exec", { name: "exec", arn: UNKNOWN_SENTINEL });
  const domain = resource(
    "aws:datazone/domain:Domain",
    "d",
    { domainExecutionRole: UNKNOWN_SENTINEL },
    { domainExecutionRole: [role.urn] },
  );
  const inline = resource("aws:iam/rolePolicy:RolePolicy", "p", {
    role: "exec",
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }],
    }),
  });

  it("finds the role by property dependency and reads its inline policies", () => {
    const [found] = indexRoles([domain, role, inline])(domain, ["domainExecutionRole"]);
    assert.equal(found!.policies.kind, "known");
    if (found!.policies.kind === "known") assert.equal(found!.policies.documents.length, 1);
  });

  it("an AWS-managed policy attached to the role makes its policies unknown, with the policy's name", () => {
    const attachment = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", {
      role: "exec",
      policyArn: "arn:aws:iam::aws:policy/service-role/SageMakerStudioDomainExecutionRolePolicy",
    });
    const [found] = indexRoles([domain, role, inline, attachment])(domain, ["domainExecutionRole"]);
    assert.equal(found!.policies.kind, "unknown");
    if (found!.policies.kind === "unknown")
      assert.match(found!.policies.reason, /SageMakerStudioDomainExecutionRolePolicy/);
  });

  it("a policy that is not an IAM document is not read as allowing nothing", () => {
    const broken = resource("aws:iam/rolePolicy:RolePolicy", "b", { role: "exec", policy: "{nope" });
    const [found] = indexRoles([domain, role, broken])(domain, ["domainExecutionRole"]);
    assert.equal(found!.policies.kind, "unknown");
  });
});
