/**
 * Who must be able to use a Bedrock resource's key, as AWS documents it: per family, the key policy
 * statements of its user guide's encryption page, each one a request the guard evaluates against
 * the key policy (`workspace-key-usable`). Data, not code paths: a family AWS documents is one
 * entry here; a family AWS documents nothing for has none, and gets no finding.
 *
 * Left out on purpose (see docs/catalog.md, "Keys the resource can use"):
 * - AgentCore memories: no documented key policy statement was found. The token vault's published
 *   statement has no `Principal`. AgentCore policy engines document statements that are not an
 *   entry here yet (docs/catalog.md says so).
 * - Bedrock agents' long-term memory (ltm-permissions): the published key policy is not valid
 *   JSON (tests/corpus/aws-doc-bedrock-agent-memory-key-policy).
 * - Guardrails' "PermissionsForGuardrailsUsers" (kms:Decrypt for the identities that invoke the
 *   guardrail): those identities are not resources of the stack, and the creators' statement
 *   already allows kms:Decrypt to the identity the guard can reason about.
 * - The "before January 22, 2025" agent page's AllowRoleEncryptAgent statement: it names a role
 *   without saying which one.
 */
import { readPath, UNKNOWN } from "../facts/values";
import { FAMILIES, WORKSPACE_FAMILY, type ResourceFamily } from "./bedrock-resources";

/** An AWS page a requirement follows. */
export interface DocumentedSource {
  readonly document: string;
  readonly url: string;
}

/** Who makes a documented request with the key. */
export type KeyUser =
  /** An IAM role the resource names in `property` (its identity policies count where the key policy delegates to IAM). */
  | { readonly kind: "role"; readonly property: string; readonly title: string }
  /** An AWS service principal acting for the resource (`aws:SourceAccount`, `aws:SourceArn`). */
  | { readonly kind: "service"; readonly service: string; readonly title: string }
  /**
   * The IAM identity that calls the service's API for the resource (the one that runs `pulumi up`,
   * or that invokes it): not a resource of the stack. `title` says which call.
   */
  | { readonly kind: "caller"; readonly title: string };

/** One documented key policy statement, as the request it lets the service make. */
export interface KeyUseRequirement {
  /** The statement's Sid on the AWS page (or the guard's name for it, where the page gives none). */
  readonly sid: string;
  readonly user: KeyUser;
  /** KMS actions, e.g. `kms:GenerateDataKey`. */
  readonly actions: readonly string[];
  /** The service the request goes through (`kms:ViaService` = `<via>.<region>.amazonaws.com`). */
  readonly via: string;
  /** The encryption context the service sends, keyed by the resource's identity (see KeyUseFamily). */
  readonly encryptionContextKey?: string;
  /** For kms:CreateGrant: the grant's operations, for an AWS resource (`kms:GrantIsForAWSResource`). */
  readonly grantOperations?: readonly string[];
  readonly source: DocumentedSource;
}

/** A documented way to let a resource use its key: every requirement of it must hold. */
export interface KeyUseRecipe {
  /** What a person calls this recipe, e.g. "agents created after January 22, 2025". */
  readonly name: string;
  readonly requirements: readonly KeyUseRequirement[];
}

/** Which recipes apply to one resource: alternatives (any one suffices), or why none can be chosen. */
export type RecipeChoice =
  | { readonly kind: "recipes"; readonly recipes: readonly KeyUseRecipe[] }
  | { readonly kind: "unknown"; readonly reason: string }
  | { readonly kind: "invalid"; readonly problem: string };

/** The value a service puts in the encryption context and `aws:SourceArn`: the resource's id or ARN. */
export interface ResourceIdentity {
  /** Property paths that hold it (inputs or outputs), first found wins. */
  readonly paths: readonly (readonly string[])[];
  /** What stands for it until the resource exists: the guard's probe value. */
  pending(region: string, account: string, partition: string): string;
}

export interface KeyUseFamily {
  readonly family: ResourceFamily;
  readonly identity: ResourceIdentity;
  /** Every documented recipe. */
  readonly recipes: readonly KeyUseRecipe[];
  /** Which recipes apply to one resource; absent: any one of them suffices. */
  choose?(props: unknown): RecipeChoice;
}

// ---------------------------------------------------------------------------------------------
// Sources

const DATAZONE_ENCRYPTION: DocumentedSource = {
  document: "Amazon DataZone User Guide: Data encryption at rest for Amazon DataZone",
  url: "https://docs.aws.amazon.com/datazone/latest/userguide/encryption-rest-datazone.html",
};
const UNIFIED_STUDIO_EXECUTION_ROLE: DocumentedSource = {
  document: "SageMaker Unified Studio Administrator Guide: AmazonSageMakerDomainExecution (KMS permissions)",
  url: "https://docs.aws.amazon.com/sagemaker-unified-studio/latest/adminguide/AmazonSageMakerDomainExecution.html",
};
const AGENTS_SINCE_2025: DocumentedSource = {
  document: "Amazon Bedrock User Guide: Encryption of agent resources with customer managed keys (CMK)",
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/cmk-agent-resources.html",
};
const AGENTS_BEFORE_2025: DocumentedSource = {
  document:
    "Amazon Bedrock User Guide: Encryption of agent resources for agents created before January 22, 2025",
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/encryption-agents.html",
};
const FLOWS: DocumentedSource = {
  document: "Amazon Bedrock User Guide: Encryption of Amazon Bedrock Flows resources",
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/encryption-flows.html",
};
const GUARDRAILS: DocumentedSource = {
  document: "Amazon Bedrock User Guide: Create a customer managed key for your guardrail",
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-kms.html",
};
const KNOWLEDGE_BASES: DocumentedSource = {
  document:
    "Amazon Bedrock User Guide: Encryption of knowledge base resources (data storage in fully managed knowledge base)",
  url: "https://docs.aws.amazon.com/bedrock/latest/userguide/encryption-kb.html#encryption-kb-managed-ingestion",
};

const AGENTCORE_GATEWAYS: DocumentedSource = {
  document:
    "Amazon Bedrock AgentCore Developer Guide: Encrypt your AgentCore gateway with a customer-managed KMS key",
  url: "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-encryption.html",
};

// ---------------------------------------------------------------------------------------------
// Workspaces (DataZone domains, V1 Bedrock Studio and V2 Unified Studio)

const DOMAIN_EXECUTION_ROLE: KeyUser = {
  kind: "role",
  property: "domainExecutionRole",
  title: "the domain execution role",
};

/** DataZone's data key requests for the domain: DescribeKey, GenerateDataKey, Decrypt. */
const DOMAIN_EXECUTION_ROLE_USES_KEY: KeyUseRequirement = {
  sid: "DomainExecutionRoleUsesTheKeyThroughDataZone",
  user: DOMAIN_EXECUTION_ROLE,
  actions: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
  via: "datazone",
  encryptionContextKey: "aws:datazone:domainId",
  source: DATAZONE_ENCRYPTION,
};

/** V2 domains also grant the key to the AWS resources they provision (Unified Studio's page). */
const DOMAIN_EXECUTION_ROLE_GRANTS: KeyUseRequirement = {
  sid: "DomainExecutionRoleGrantsToAwsResources",
  user: DOMAIN_EXECUTION_ROLE,
  actions: ["kms:CreateGrant"],
  via: "datazone",
  encryptionContextKey: "aws:datazone:domainId",
  grantOperations: ["Decrypt", "GenerateDataKey", "DescribeKey", "RetireGrant"],
  source: UNIFIED_STUDIO_EXECUTION_ROLE,
};

const WORKSPACE_V1: KeyUseRecipe = {
  name: "Bedrock Studio (V1) domains",
  requirements: [DOMAIN_EXECUTION_ROLE_USES_KEY],
};
const WORKSPACE_V2: KeyUseRecipe = {
  name: "SageMaker Unified Studio (V2) domains",
  requirements: [DOMAIN_EXECUTION_ROLE_USES_KEY, DOMAIN_EXECUTION_ROLE_GRANTS],
};

const WORKSPACE_KEY_USE: KeyUseFamily = {
  family: WORKSPACE_FAMILY,
  // DataZone's ids start with `dzd_`.
  identity: { paths: [["id"]], pending: () => "dzd_guardprobe" },
  recipes: [WORKSPACE_V1, WORKSPACE_V2],
  choose(props) {
    const version = readPath(props, ["domainVersion"]);
    if (version === UNKNOWN)
      return { kind: "unknown", reason: "the workspace's domainVersion is not known yet." };
    if (version === "V2") return { kind: "recipes", recipes: [WORKSPACE_V2] };
    if (version === undefined || version === null || version === "V1")
      return { kind: "recipes", recipes: [WORKSPACE_V1] };
    return {
      kind: "invalid",
      problem:
        "the workspace's domainVersion is neither V1 nor V2, so the requests its role makes are not known.",
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Amazon Bedrock families

/** An ARN of a Bedrock resource type, standing for the resource until it exists. */
function pendingBedrockArn(resourceType: string): ResourceIdentity["pending"] {
  return (region, account, partition) =>
    `arn:${partition}:bedrock:${region}:${account}:${resourceType}/GUARDPROBE`;
}

const AGENT_CONTEXT = "aws:bedrock:arn";

const AGENT_KEY_USE: KeyUseFamily = {
  family: familyById("agent"),
  identity: { paths: [["agentArn"]], pending: pendingBedrockArn("agent") },
  // Either recipe: the provider does not say when an agent was created.
  recipes: [
    {
      name: "agents created after January 22, 2025",
      requirements: [
        {
          sid: "AllowAgentApiCallerToUseTheKey",
          user: { kind: "caller", title: "the identity that calls the agent API operations" },
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          via: "bedrock",
          encryptionContextKey: AGENT_CONTEXT,
          source: AGENTS_SINCE_2025,
        },
      ],
    },
    {
      name: "agents created before January 22, 2025",
      requirements: [
        {
          sid: "AllowBedrockEncryptAgent",
          user: { kind: "service", service: "bedrock.amazonaws.com", title: "Amazon Bedrock" },
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          via: "bedrock",
          encryptionContextKey: AGENT_CONTEXT,
          source: AGENTS_BEFORE_2025,
        },
        {
          sid: "AllowAttachmentPersistentResources",
          user: { kind: "service", service: "bedrock.amazonaws.com", title: "Amazon Bedrock" },
          actions: ["kms:CreateGrant"],
          via: "bedrock",
          grantOperations: ["Decrypt", "GenerateDataKey"],
          source: AGENTS_BEFORE_2025,
        },
      ],
    },
  ],
};

const FLOW_CONTEXT = "aws:bedrock-flows:arn";

const FLOW_KEY_USE: KeyUseFamily = {
  family: familyById("flow"),
  identity: { paths: [["arn"]], pending: pendingBedrockArn("flow") },
  recipes: [
    {
      name: "flows",
      requirements: [
        {
          sid: "AllowRoleUseKMSKey",
          user: { kind: "caller", title: "the identity that calls the Flows API" },
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          via: "bedrock",
          encryptionContextKey: FLOW_CONTEXT,
          source: FLOWS,
        },
        {
          // The page documents it as the service role's identity policy ("EncryptionFlows"); in a key
          // policy that does not delegate to IAM it is the same statement with the role as principal.
          sid: "EncryptionFlows",
          user: { kind: "role", property: "executionRoleArn", title: "the flow's execution role" },
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          via: "bedrock",
          encryptionContextKey: FLOW_CONTEXT,
          source: FLOWS,
        },
      ],
    },
  ],
};

const GUARDRAIL_KEY_USE: KeyUseFamily = {
  family: familyById("guardrail"),
  identity: { paths: [["guardrailArn"]], pending: pendingBedrockArn("guardrail") },
  recipes: [
    {
      name: "guardrails",
      requirements: [
        {
          sid: "PermissionsForGuardrailsCreators",
          user: { kind: "caller", title: "the identity that creates the guardrail" },
          actions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"],
          via: "bedrock",
          source: GUARDRAILS,
        },
      ],
    },
  ],
};

const KNOWLEDGE_BASE_CREATOR: KeyUser = {
  kind: "caller",
  title: "the identity that creates the knowledge base",
};

const KNOWLEDGE_BASE_KEY_USE: KeyUseFamily = {
  family: familyById("knowledge-base"),
  identity: { paths: [["arn"], ["knowledgeBaseArn"]], pending: pendingBedrockArn("knowledge-base") },
  recipes: [
    {
      name: "fully managed knowledge bases",
      requirements: [
        {
          // The page's statements have no Sid; these name them after what they allow.
          sid: "KnowledgeBaseCreatorGrantsToBedrock",
          user: KNOWLEDGE_BASE_CREATOR,
          actions: ["kms:CreateGrant"],
          via: "bedrock",
          // The grant in the page's CloudTrail example: operations Decrypt and GenerateDataKey.
          grantOperations: ["Decrypt", "GenerateDataKey"],
          source: KNOWLEDGE_BASES,
        },
        {
          sid: "KnowledgeBaseCreatorUsesTheKey",
          user: KNOWLEDGE_BASE_CREATOR,
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          via: "bedrock",
          source: KNOWLEDGE_BASES,
        },
      ],
    },
  ],
};

const GATEWAY_KEY_USE: KeyUseFamily = {
  family: familyById("agentcore-gateway"),
  identity: {
    paths: [["gatewayArn"]],
    pending: (region, account, partition) =>
      `arn:${partition}:bedrock-agentcore:${region}:${account}:gateway/GUARDPROBE`,
  },
  recipes: [
    {
      name: "gateways",
      requirements: [
        {
          // The page lists the actions the gateway service role needs (its example names no Sid):
          // the guard's name for the statement. The CloudWatch Logs statement applies only where
          // the gateway's logs are delivered encrypted, which its properties do not say.
          sid: "GatewayServiceRoleUsesTheKey",
          user: { kind: "role", property: "roleArn", title: "the gateway's service role" },
          actions: ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"],
          via: "bedrock-agentcore",
          source: AGENTCORE_GATEWAYS,
        },
      ],
    },
  ],
};

function familyById(id: string): ResourceFamily {
  const family = FAMILIES.find((f) => f.id === id);
  if (family === undefined) throw new Error(`key-users: no resource family '${id}' in the catalog`);
  return family;
}

/** Every family whose key users AWS documents, in catalog order. */
export const KEY_USE_FAMILIES: readonly KeyUseFamily[] = [
  WORKSPACE_KEY_USE,
  AGENT_KEY_USE,
  FLOW_KEY_USE,
  GUARDRAIL_KEY_USE,
  KNOWLEDGE_BASE_KEY_USE,
  GATEWAY_KEY_USE,
];

const byFamily = new Map(KEY_USE_FAMILIES.map((entry) => [entry.family, entry]));

export function keyUseOf(family: ResourceFamily): KeyUseFamily | undefined {
  return byFamily.get(family);
}

/** Which recipes apply to one resource of the family. */
export function recipesFor(entry: KeyUseFamily, props: unknown): RecipeChoice {
  return entry.choose?.(props) ?? { kind: "recipes", recipes: entry.recipes };
}

/** Every requirement a family has, whichever recipe applies (for docs and role lookups). */
export function allRequirements(entry: KeyUseFamily): KeyUseRequirement[] {
  return [...new Set(entry.recipes.flatMap((recipe) => recipe.requirements))];
}

/** The resource properties that name roles using a key (what the stack's role index looks up). */
export const KEY_USER_ROLE_PROPERTIES: readonly string[] = [
  ...new Set(
    KEY_USE_FAMILIES.flatMap((entry) =>
      allRequirements(entry).flatMap((r) => (r.user.kind === "role" ? [r.user.property] : [])),
    ),
  ),
];
