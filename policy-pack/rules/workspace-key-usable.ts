import { WORKSPACE_FAMILY } from "../catalog/bedrock-resources";
import type { ConsumerRole } from "../facts/role-policies";
import { isPlainObject, plain, readPath, UNKNOWN } from "../facts/values";
import { analyseKeyPolicy, containsUnknown, plainDeep } from "../key-policy/analysis";
import { evaluateKeyUse, type KeyUseRequest, type KeyUseVerdict } from "../key-policy/usability";
import { KEY_FITNESS_WHY, type KeyFitnessInput } from "./key-fitness-input";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule, type RuleOutcome } from "./rule";

/**
 * The requests AWS documents that a DataZone domain's execution role makes with the domain's key:
 * - "Data encryption at rest for Amazon DataZone"
 *   (https://docs.aws.amazon.com/datazone/latest/userguide/encryption-rest-datazone.html): the
 *   domain execution role calls DescribeKey, GenerateDataKey and Decrypt, invoked by DataZone
 *   (so `kms:ViaService` is `datazone.<region>.amazonaws.com`) with the encryption context
 *   `aws:datazone:domainId`;
 * - the SageMaker Unified Studio Administrator Guide's "KMS permissions for resources provisioned by
 *   Amazon SageMaker Unified Studio" (V2 domains): the key policy statement for the
 *   AmazonSageMakerDomainExecution role
 *   (https://docs.aws.amazon.com/sagemaker-unified-studio/latest/adminguide/AmazonSageMakerDomainExecution.html)
 *   also allows kms:CreateGrant, which the domain uses for the AWS resources it provisions.
 * AWS documents no KMS request of the V2 domain's `serviceRole`: it is not judged.
 */
const DOCUMENTED_ACTIONS: Readonly<Record<"V1" | "V2", readonly string[]>> = {
  V1: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
  V2: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:CreateGrant"],
};

/** The encryption context key DataZone sends with every data key request. */
const DOMAIN_CONTEXT_KEY = "aws:datazone:domainId";
/** Stands for the domain's id until the domain exists (DataZone's ids start with `dzd_`). */
const PENDING_DOMAIN_ID = "dzd_guardprobe";

const DOMAIN_EXECUTION_ROLE = "domainExecutionRole";

/**
 * A workspace's key must be usable by the workspace: the key policy (and, where it lets IAM policies
 * decide, the execution role's identity policies in the stack) allows each request AWS documents.
 * Advisory by default: KMS grants made outside the stack can also allow the requests.
 */
export const workspaceKeyUsable: Rule<KeyFitnessInput> = {
  id: "workspace-key-usable",
  title: "Keys of Bedrock workspaces must let the workspace's roles use them",
  rationale: `${KEY_FITNESS_WHY} A DataZone domain (Bedrock Studio, or Bedrock IDE in SageMaker Unified Studio) uses its key through its domain execution role: DescribeKey, GenerateDataKey and Decrypt through DataZone with the encryption context aws:datazone:domainId, and for V2 domains CreateGrant (AWS's DataZone "Data encryption at rest" and Unified Studio KMS permissions pages). A key policy that does not allow them passes preview and fails at up, or when the first project is created. The key policy is evaluated the way KMS evaluates it; where it lets IAM policies decide (the account root's kms:* statement), the role's identity policies in the stack decide.`,
  fix: "Add a key policy statement that names the domain execution role as principal and allows the documented KMS actions with `kms:ViaService` = `datazone.<region>.amazonaws.com` (the sample stack's WorkspaceKey component does).",
  compliance: WORKSPACE_FAMILY.compliance,
  severity: "high",
  defaultLevel: "advisory",
  evaluate(input) {
    if (input.consumer === undefined || input.consumer.family !== WORKSPACE_FAMILY) {
      return notApplicable("AWS documents the KMS requests of DataZone domains only.");
    }
    const version = readPath(input.consumer.props, ["domainVersion"]);
    if (version === UNKNOWN) return undetermined("the workspace's domainVersion is not known yet.");
    if (version !== undefined && version !== null && version !== "V1" && version !== "V2") {
      return nonCompliant(
        `the workspace's domainVersion is neither V1 nor V2, so the requests its role makes are not known.`,
      );
    }
    const actions = DOCUMENTED_ACTIONS[version === "V2" ? "V2" : "V1"];
    // A key's `arn` is an output, which stack policies do not see at `up`; the domain's
    // kmsKeyIdentifier is the same ARN (DataZone accepts nothing else).
    const ownArn = plain(input.facts.arn);
    const keyArn = ownArn === undefined ? readPath(input.consumer.props, ["kmsKeyIdentifier"]) : ownArn;
    if (keyArn === UNKNOWN || keyArn === undefined)
      return undetermined("the key's ARN (its account and region) is not known until the key exists.");
    if (typeof keyArn !== "string" || !/^arn:[^:]+:kms:[^:]+:[0-9]{12}:key\//.test(keyArn))
      return undetermined("the key's ARN is not a KMS key ARN, so its account and region are not known.");
    const role = executionRole(input);
    if (role.arn === undefined) return notApplicable("the workspace names no domain execution role.");
    if (role.arn === UNKNOWN)
      return undetermined("the domain execution role's ARN is not known until the role exists.");
    const document = keyPolicyDocument(input.facts.policy, keyArn);
    if (document.kind !== "readable") return document.outcome;
    const region = keyArn.split(":")[3]!;
    const domainId = readPath(input.consumer.props, ["id"]);
    const tags = keyTagContext(input);
    const requests = actions.map((action) => {
      const request = documentedRequest(role.arn as string, action, keyArn, region, domainId);
      return { ...request, context: { ...request.context, ...tags } };
    });
    const identity = role.policies.kind === "known" ? role.policies.documents : undefined;
    const verdicts = requests.map((request) => ({
      request,
      verdict: evaluateSafely(request, document.value, identity),
    }));
    return judge(verdicts, role, region, typeof domainId === "string", document.text);
  },
};

function executionRole(input: KeyFitnessInput): ConsumerRole {
  const fromStack = input.consumer?.roles?.find((r) => r.property === DOMAIN_EXECUTION_ROLE);
  if (fromStack !== undefined) return fromStack;
  const value = readPath(input.consumer?.props, [DOMAIN_EXECUTION_ROLE]);
  return {
    property: DOMAIN_EXECUTION_ROLE,
    arn: typeof value === "string" ? value : value === UNKNOWN ? UNKNOWN : undefined,
    policies: { kind: "unknown", reason: "the role's identity policies are not in the input" },
  };
}

/**
 * The key's tags as KMS puts them in every request (`aws:ResourceTag/<key>`): identity policies
 * often allow keys by tag (Bedrock Studio's roles: EnableBedrock=true). Unknown tags add nothing.
 */
function keyTagContext(input: KeyFitnessInput): Record<string, string> {
  const tags = input.facts.tags;
  if (tags.kind !== "map") return {};
  return Object.fromEntries(
    Object.entries(tags.tags).flatMap(([key, value]) => {
      const known = plain(value);
      return typeof known === "string" ? [[`aws:ResourceTag/${key}`, known]] : [];
    }),
  );
}

type PolicyDocumentRead =
  | { readonly kind: "readable"; readonly value: unknown; readonly text: string }
  | { readonly kind: "unreadable"; readonly outcome: RuleOutcome };

/** KMS's default key policy: the account's IAM policies decide. */
function defaultKeyPolicy(keyArn: string): unknown {
  const [, partition, , , account] = keyArn.split(":");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}

function keyPolicyDocument(policy: unknown, keyArn: string): PolicyDocumentRead {
  const verdict = analyseKeyPolicy(policy, { keyArn });
  if (verdict.kind === "unknown")
    return { kind: "unreadable", outcome: undetermined("the key policy is not known yet.") };
  if (verdict.kind === "default") {
    const value = defaultKeyPolicy(keyArn);
    return { kind: "readable", value, text: JSON.stringify(value) };
  }
  if (verdict.kind === "not-json" || verdict.kind === "duplicate-key" || verdict.kind === "invalid") {
    return {
      kind: "unreadable",
      outcome: undetermined("the key policy cannot be read (cmk-key-policy-public reports why)."),
    };
  }
  const value = plain(policy);
  if (typeof value === "string") return { kind: "readable", value: JSON.parse(value), text: value };
  if (containsUnknown(value))
    return { kind: "unreadable", outcome: undetermined("parts of the key policy are not known yet.") };
  const document = plainDeep(value);
  return { kind: "readable", value: document, text: JSON.stringify(document) };
}

/** A request as DataZone makes it for the domain (see DOCUMENTED_ACTIONS). */
function documentedRequest(
  principalArn: string,
  action: string,
  keyArn: string,
  region: string,
  domainId: unknown,
): KeyUseRequest {
  const id = typeof domainId === "string" && domainId !== "" ? domainId : PENDING_DOMAIN_ID;
  const viaDataZone = {
    "kms:ViaService": `datazone.${region}.amazonaws.com`,
    "aws:CalledVia": ["datazone.amazonaws.com"],
    "aws:CalledViaFirst": "datazone.amazonaws.com",
    "aws:CalledViaLast": "datazone.amazonaws.com",
  };
  const withContext = {
    [`kms:EncryptionContext:${DOMAIN_CONTEXT_KEY}`]: id,
    "kms:EncryptionContextKeys": [DOMAIN_CONTEXT_KEY],
  };
  const context =
    action === "kms:DescribeKey"
      ? viaDataZone
      : action === "kms:CreateGrant"
        ? {
            ...viaDataZone,
            ...withContext,
            "kms:GrantIsForAWSResource": "true",
            "kms:GrantConstraintType": "EncryptionContextSubset",
            "kms:GrantOperations": ["Decrypt", "GenerateDataKey", "DescribeKey", "RetireGrant"],
          }
        : { ...viaDataZone, ...withContext };
  return { principalArn, action, keyArn, context };
}

/** A policy the simulator cannot read is not a pass: it is reported as not decidable. */
function evaluateSafely(
  request: KeyUseRequest,
  keyPolicy: unknown,
  identity: readonly unknown[] | undefined,
): KeyUseVerdict | "unreadable" {
  try {
    return evaluateKeyUse(request, keyPolicy, identity);
  } catch {
    return "unreadable";
  }
}

function judge(
  verdicts: readonly { request: KeyUseRequest; verdict: KeyUseVerdict | "unreadable" }[],
  role: ConsumerRole,
  region: string,
  domainIdKnown: boolean,
  keyPolicyText: string,
): RuleOutcome {
  const who = `the domain execution role (${role.arn as string})`;
  const actionsWith = (test: (v: KeyUseVerdict | "unreadable") => boolean) =>
    verdicts.filter((v) => test(v.verdict)).map((v) => v.request.action);
  const byKeyPolicy = actionsWith((v) => v !== "unreadable" && v.kind === "denied" && v.by === "key-policy");
  const byIdentity = actionsWith(
    (v) => v !== "unreadable" && v.kind === "denied" && v.by === "identity-policies",
  );
  if (byKeyPolicy.length > 0) {
    if (!domainIdKnown && keyPolicyText.toLowerCase().includes(DOMAIN_CONTEXT_KEY.toLowerCase())) {
      return undetermined(
        `the key policy compares the encryption context ${DOMAIN_CONTEXT_KEY}, and the domain's id is not known until the domain exists.`,
      );
    }
    return nonCompliant(
      `the key policy does not let ${who} call ${byKeyPolicy.join(", ")} through DataZone with the encryption context ${DOMAIN_CONTEXT_KEY}, as DataZone does for the domain.`,
      `Add to the key policy: ${JSON.stringify(missingStatements(role.arn as string, byKeyPolicy, region))}.`,
    );
  }
  if (byIdentity.length > 0) {
    return nonCompliant(
      `the key policy lets IAM policies decide, and the identity policies of ${who} do not allow ${byIdentity.join(", ")} on this key.`,
      `Name the role in the key policy: ${JSON.stringify(missingStatements(role.arn as string, byIdentity, region))}, or allow the actions on this key in the role's policy.`,
    );
  }
  const unreadable = actionsWith((v) => v === "unreadable");
  if (unreadable.length > 0)
    return undetermined(`the guard could not evaluate ${unreadable.join(", ")} against the key policy.`);
  const pending = actionsWith((v) => v !== "unreadable" && v.kind === "identity-policies-decide");
  if (pending.length > 0) {
    const reason = role.policies.kind === "unknown" ? role.policies.reason : "";
    return undetermined(
      `the key policy lets IAM policies decide whether ${who} may call ${pending.join(", ")}, and ${reason}.`,
    );
  }
  return compliant;
}

/** The statements a key policy needs for `actions` (what the finding tells the reader to add). */
function missingStatements(roleArn: string, actions: readonly string[], region: string): unknown[] {
  const via = { "kms:ViaService": `datazone.${region}.amazonaws.com` };
  const use = actions.filter((a) => a !== "kms:CreateGrant");
  const statements: unknown[] = [];
  if (use.length > 0) {
    statements.push({
      Sid: "DomainExecutionRoleUsesTheKeyThroughDataZone",
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: use,
      Resource: "*",
      Condition: { StringEquals: via },
    });
  }
  if (actions.includes("kms:CreateGrant")) {
    statements.push({
      Sid: "DomainExecutionRoleGrantsToAwsResources",
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { StringEquals: via, Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
  }
  return statements.filter(isPlainObject);
}
