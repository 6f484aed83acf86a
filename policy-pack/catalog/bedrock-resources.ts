/**
 * The one source of truth for "which resource types hold a customer-managed key, and where".
 * Policies, docs and tests read this catalog; the catalog test proves every token and property
 * path against the installed @pulumi/aws and @pulumi/aws-native typings. Type tokens are plain data
 * here: the pack's runtime never imports a provider SDK (it keeps the pack fast to start).
 *
 * Where a fact comes from is said next to it: "CFN" is the CloudFormation resource schema (as
 * shipped in cfn-lint's `providers/us_east_1/*.json`), "API" the service's API reference, "SDK" the
 * provider's own typings and doc comments in node_modules/@pulumi/aws[-native].
 */
import type { ComplianceId, EnforcementLevel } from "./compliance";
import { readPath, UNKNOWN, type Unknown } from "../facts/values";

export type ProviderPackage = "aws" | "aws-native";

/** One way of naming a KMS key. */
export type KeyForm =
  /** `arn:<partition>:kms:<region>:<account>:key/<key-id>` */
  | "key-arn"
  /** `1234abcd-...` or `mrk-...`, resolved in the caller's account and region. */
  | "key-id"
  /** `alias/<name>`, resolved in the caller's account and region. */
  | "alias-name"
  /** `arn:<partition>:kms:<region>:<account>:alias/<name>` */
  | "alias-arn";

/** Which forms of key reference the resource's API accepts. */
export type AcceptedKeyForms = readonly KeyForm[];

/** Only a full key ARN: the field's pattern (or its documented contract) rejects everything else. */
export const KEY_ARN_ONLY: AcceptedKeyForms = ["key-arn"];
/** Any KMS key identifier, as KMS itself resolves them (the field takes a "key identifier"). */
export const ANY_KEY_IDENTIFIER: AcceptedKeyForms = ["key-arn", "key-id", "alias-name", "alias-arn"];

/**
 * When the key property applies at all (e.g. only a managed knowledge base has a managed store to
 * encrypt). Data, not code in a rule: the description reaches docs and "not applicable" reasons,
 * and the paths it reads are proven against the typings like the key path.
 */
export interface KeyCondition {
  /** Completes "The key applies only ...", e.g. "when `type` is `MANAGED`". */
  readonly description: string;
  /** The property paths the condition reads. */
  readonly reads: readonly (readonly string[])[];
  /** true: the key applies; false: it does not; UNKNOWN: not known yet (preview). */
  applies(props: unknown): boolean | Unknown;
}

/**
 * A resource that states the kind of key in a separate property (the AgentCore token vault's
 * `keyType`): anything but the customer-managed value is a violation, whatever the key says.
 */
export interface KeyTypeSelector {
  readonly path: readonly string[];
  readonly customerManaged: string;
}

export interface GuardedResourceType {
  /** Pulumi type token, e.g. `aws:datazone/domain:Domain`. */
  readonly token: string;
  readonly provider: ProviderPackage;
  /** The SDK class and its args type, as a person writes them (used in docs and messages). */
  readonly sdkClass: string;
  readonly argsType: string;
  /** What a person calls this resource. */
  readonly displayName: string;
  /** The family's compliance mapping, repeated per type for docs; undefined where none exists. */
  readonly compliance?: ComplianceId;
  /** Path of the property that holds the key reference. */
  readonly keyProperty: readonly string[];
  readonly acceptedKeyForms: AcceptedKeyForms;
  /** When the key applies; absent means always. */
  readonly appliesWhen?: KeyCondition;
  /** A separate key-type switch that must select the customer-managed key. */
  readonly keyType?: KeyTypeSelector;
  /**
   * The resource's own region input, when the provider has one (`@pulumi/aws` v7 resources do).
   * Without it the region comes from the resource's provider, then the stack's `aws:region`.
   */
  readonly regionProperty?: string;
  /**
   * Whether the API can change the key in place; false means re-creating the resource. Undefined
   * where the guard has not verified it (messages then make no claim either way).
   */
  readonly keyUpdatable?: boolean;
}

/**
 * A family of guarded resources: one set of CrossGuard policies (`<id>-cmk-required`, ...), one
 * compliance mapping, one switch in the pack config (the policies' enforcement levels).
 */
export interface ResourceFamily {
  /** Prefix of the family's policy names. */
  readonly id: string;
  /** Plural, as a person says it. */
  readonly title: string;
  /** Trend Micro Conformity rule this family implements; undefined where the catalogue has none. */
  readonly compliance?: ComplianceId;
  /** The mapping's risk level as the catalogue states it; undefined where not verified. */
  readonly risk?: "High" | "Medium" | "Low";
  /**
   * Mandatory where the store holds customer data (prompts, documents, conversations, credentials,
   * model weights); advisory where it holds only configuration the customer wrote.
   */
  readonly defaultLevel: Exclude<EnforcementLevel, "disabled">;
  /** Why the data must be under a customer-managed key: the start of every rationale. */
  readonly why: string;
  readonly types: readonly GuardedResourceType[];
}

// ---------------------------------------------------------------------------------------------
// Condition builders (pure; read plain properties through values.ts)

/** The key applies when the property at `path` equals `value`. */
function whenEquals(path: readonly string[], value: string): KeyCondition {
  return {
    description: `when \`${path.join(".")}\` is \`${value}\``,
    reads: [path],
    applies(props) {
      const actual = readPath(props, path);
      return actual === UNKNOWN ? UNKNOWN : actual === value;
    },
  };
}

/** The key applies unless one of `paths` is set (an explicit opt-out of the managed store). */
function unlessAnySet(paths: readonly (readonly string[])[]): KeyCondition {
  return {
    description: `unless ${paths.map((p) => `\`${p.join(".")}\``).join(" or ")} is set`,
    reads: paths,
    applies(props) {
      let unknown = false;
      for (const path of paths) {
        const value = readPath(props, path);
        if (value === UNKNOWN) unknown = true;
        else if (value !== undefined && value !== null) return false;
      }
      return unknown ? UNKNOWN : true;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bedrock Studio workspaces (Bedrock-006)

/** Amazon Bedrock Studio workspaces: DataZone domains (V1), and Bedrock IDE in Unified Studio (V2). */
export const WORKSPACE_TYPES: readonly GuardedResourceType[] = [
  {
    token: "aws:datazone/domain:Domain",
    provider: "aws",
    sdkClass: "aws.datazone.Domain",
    argsType: "DomainArgs",
    displayName: "Bedrock Studio workspace (DataZone domain)",
    compliance: "Bedrock-006",
    keyProperty: ["kmsKeyIdentifier"],
    // CFN AWS::DataZone::Domain.KmsKeyIdentifier: ^arn:aws(|-cn|-us-gov):kms:...:key/[a-zA-Z0-9-]{36}$
    acceptedKeyForms: KEY_ARN_ONLY,
    regionProperty: "region",
    // CFN: KmsKeyIdentifier is createOnly; API UpdateDomain has no key field.
    keyUpdatable: false,
  },
  {
    token: "aws-native:datazone:Domain",
    provider: "aws-native",
    sdkClass: "awsnative.datazone.Domain",
    argsType: "DomainArgs",
    displayName: "Bedrock Studio workspace (DataZone domain, aws-native)",
    compliance: "Bedrock-006",
    keyProperty: ["kmsKeyIdentifier"],
    acceptedKeyForms: KEY_ARN_ONLY,
    keyUpdatable: false,
  },
];

/** Properties of a workspace, beyond the key, that the pack reads (checked against the typings). */
export const WORKSPACE_PROPERTIES = {
  "aws:datazone/domain:Domain": ["domainVersion", "domainExecutionRole", "serviceRole", "tags", "region"],
  "aws-native:datazone:Domain": ["domainVersion", "domainExecutionRole", "serviceRole", "tags"],
} as const;

export const WORKSPACE_FAMILY: ResourceFamily = {
  id: "workspace",
  title: "Bedrock Studio workspaces",
  compliance: "Bedrock-006",
  risk: "High",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a Bedrock Studio workspace encrypts its data with an AWS-owned key that " +
    "you cannot audit, rotate, restrict or revoke, and the key cannot be added later: the workspace must be re-created.",
  types: WORKSPACE_TYPES,
};

// ---------------------------------------------------------------------------------------------
// Amazon Bedrock and Bedrock AgentCore data stores
//
// Risk levels: Conformity's pages for Bedrock-001 (agent-session-data-encrypted), Bedrock-003
// (guardrails-encrypted) and Bedrock-004 (model-custom-jobs-artifacts-encrypted) each state
// "Risk Level: High". Families without a Conformity rule carry no mapping and no risk.

/** Shorthand for the fields every @pulumi/aws v7 type shares. */
function awsType(
  token: string,
  sdkClass: string,
  displayName: string,
  rest: Omit<
    GuardedResourceType,
    "token" | "provider" | "sdkClass" | "argsType" | "displayName" | "regionProperty"
  >,
): GuardedResourceType {
  const className = token.slice(token.lastIndexOf(":") + 1);
  return {
    token,
    provider: "aws",
    sdkClass,
    argsType: `${className}Args`,
    displayName,
    regionProperty: "region",
    ...rest,
  };
}

function nativeType(
  token: string,
  sdkClass: string,
  displayName: string,
  rest: Omit<
    GuardedResourceType,
    "token" | "provider" | "sdkClass" | "argsType" | "displayName" | "regionProperty"
  >,
): GuardedResourceType {
  const className = token.slice(token.lastIndexOf(":") + 1);
  return { token, provider: "aws-native", sdkClass, argsType: `${className}Args`, displayName, ...rest };
}

const AGENT_FAMILY: ResourceFamily = {
  id: "agent",
  title: "Bedrock agents",
  compliance: "Bedrock-001",
  risk: "High",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a Bedrock agent's session data (the conversation and what the agent " +
    "retrieved and did in it) is encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    // CFN AWS::Bedrock::Agent.CustomerEncryptionKeyArn: ^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$,
    // not createOnly (API UpdateAgent takes customerEncryptionKeyArn).
    awsType("aws:bedrock/agentAgent:AgentAgent", "aws.bedrock.AgentAgent", "Bedrock agent", {
      compliance: "Bedrock-001",
      keyProperty: ["customerEncryptionKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
      keyUpdatable: true,
    }),
    nativeType("aws-native:bedrock:Agent", "awsnative.bedrock.Agent", "Bedrock agent (aws-native)", {
      compliance: "Bedrock-001",
      keyProperty: ["customerEncryptionKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
      keyUpdatable: true,
    }),
  ],
};

const SESSION_FAMILY: ResourceFamily = {
  id: "session",
  title: "Bedrock sessions",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a Bedrock session (state that agent frameworks persist between " +
    "conversation turns) is encrypted with an AWS-managed key whose use you cannot restrict or revoke.",
  types: [
    // API CreateSession.encryptionKeyArn ("the ARN of the KMS key"); the AWS guide (sessions-encryption)
    // says to pass the key's ARN. No @pulumi/aws equivalent in 7.48.0.
    nativeType("aws-native:bedrock:Session", "awsnative.bedrock.Session", "Bedrock session (aws-native)", {
      keyProperty: ["encryptionKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
    }),
  ],
};

const FLOW_FAMILY: ResourceFamily = {
  id: "flow",
  title: "Bedrock flows",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a Bedrock flow's definition and execution data are encrypted with an " +
    "AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    // SDK doc: "The Amazon Resource Name (ARN) of the customer managed KMS key"; CFN AWS::Bedrock::Flow
    // uses the same key-ARN pattern as the agent.
    awsType("aws:bedrock/agentFlow:AgentFlow", "aws.bedrock.AgentFlow", "Bedrock flow", {
      keyProperty: ["customerEncryptionKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
    }),
    nativeType("aws-native:bedrock:Flow", "awsnative.bedrock.Flow", "Bedrock flow (aws-native)", {
      keyProperty: ["customerEncryptionKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
    }),
  ],
};

const PROMPT_FAMILY: ResourceFamily = {
  id: "prompt",
  title: "Bedrock prompts",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a Bedrock prompt (templates that often embed business context and " +
    "examples) is encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    // SDK doc: "ARN of the KMS key"; CFN AWS::Bedrock::Prompt uses the key-ARN pattern.
    awsType("aws:bedrock/agentPrompt:AgentPrompt", "aws.bedrock.AgentPrompt", "Bedrock prompt", {
      keyProperty: ["customerEncryptionKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
    }),
    nativeType("aws-native:bedrock:Prompt", "awsnative.bedrock.Prompt", "Bedrock prompt (aws-native)", {
      keyProperty: ["customerEncryptionKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
    }),
  ],
};

const GUARDRAIL_FAMILY: ResourceFamily = {
  id: "guardrail",
  title: "Bedrock guardrails",
  compliance: "Bedrock-003",
  risk: "High",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a Bedrock guardrail (denied topics, word lists, PII and regex filters: the " +
    "organisation's safety rules) is encrypted with an AWS-managed key whose use you cannot restrict or revoke.",
  types: [
    // CFN AWS::Bedrock::Guardrail.KmsKeyArn: ^arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$,
    // not createOnly. The @pulumi/aws field is also named (and documented as) an ARN.
    awsType("aws:bedrock/guardrail:Guardrail", "aws.bedrock.Guardrail", "Bedrock guardrail", {
      compliance: "Bedrock-003",
      keyProperty: ["kmsKeyArn"],
      acceptedKeyForms: KEY_ARN_ONLY,
      keyUpdatable: true,
    }),
    nativeType(
      "aws-native:bedrock:Guardrail",
      "awsnative.bedrock.Guardrail",
      "Bedrock guardrail (aws-native)",
      {
        compliance: "Bedrock-003",
        keyProperty: ["kmsKeyArn"],
        acceptedKeyForms: KEY_ARN_ONLY,
        keyUpdatable: true,
      },
    ),
  ],
};

const CUSTOM_MODEL_FAMILY: ResourceFamily = {
  id: "custom-model",
  title: "Bedrock custom models",
  compliance: "Bedrock-004",
  risk: "High",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a custom model (weights fine-tuned on your data, which can replay it) is " +
    "encrypted with an AWS-managed key whose use you cannot restrict or revoke.",
  types: [
    // SDK doc: "The custom model is encrypted at rest using this key. Specify the key ARN." A customization
    // job cannot be changed once submitted (API has no update call): a new key means a new job.
    awsType("aws:bedrock/customModel:CustomModel", "aws.bedrock.CustomModel", "Bedrock custom model", {
      compliance: "Bedrock-004",
      keyProperty: ["customModelKmsKeyId"],
      acceptedKeyForms: KEY_ARN_ONLY,
      keyUpdatable: false,
    }),
  ],
};

const EVALUATION_JOB_FAMILY: ResourceFamily = {
  id: "evaluation-job",
  title: "Bedrock evaluation jobs",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, a Bedrock evaluation job (prompts, model answers and ratings) is encrypted " +
    "with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    // API CreateEvaluationJob.customerEncryptionKeyId: "Specify your customer managed encryption key Amazon
    // Resource Name (ARN)"; SDK doc: "ARN of the customer managed KMS key". Jobs cannot be updated.
    awsType(
      "aws:bedrock/evaluationJob:EvaluationJob",
      "aws.bedrock.EvaluationJob",
      "Bedrock evaluation job",
      {
        keyProperty: ["customerEncryptionKeyId"],
        acceptedKeyForms: KEY_ARN_ONLY,
        keyUpdatable: false,
      },
    ),
  ],
};

const BATCH_INFERENCE_FAMILY: ResourceFamily = {
  id: "batch-inference-job",
  title: "Bedrock batch inference jobs",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, the output of a Bedrock batch inference job (every model answer) is written " +
    "to S3 without a key you control, so the bucket's default encryption decides who can read it.",
  types: [
    // SDK doc: "ARN of the KMS key that encrypts the S3 location of the output data". Jobs cannot be updated.
    awsType(
      "aws:bedrockmodel/invocationJob:InvocationJob",
      "aws.bedrockmodel.InvocationJob",
      "Bedrock batch inference job",
      {
        keyProperty: ["outputDataConfig", "s3OutputDataConfig", "s3EncryptionKeyId"],
        acceptedKeyForms: KEY_ARN_ONLY,
        keyUpdatable: false,
      },
    ),
  ],
};

/** Only a managed knowledge base has a store Bedrock manages; the other types use your own store. */
const MANAGED_KNOWLEDGE_BASE = whenEquals(["knowledgeBaseConfiguration", "type"], "MANAGED");
const MANAGED_KB_KEY = [
  "knowledgeBaseConfiguration",
  "managedKnowledgeBaseConfiguration",
  "serverSideEncryptionConfiguration",
  "kmsKeyArn",
];

const KNOWLEDGE_BASE_FAMILY: ResourceFamily = {
  id: "knowledge-base",
  title: "Bedrock managed knowledge bases",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, the vector store Bedrock manages for a managed knowledge base (your " +
    "documents, chunked and embedded) is encrypted with a key you cannot audit, restrict or revoke.",
  types: [
    // SDK doc (kmsKeyArn): "ARN of the KMS key used to encrypt the managed knowledge base"; `type` valid
    // values VECTOR, KENDRA, SQL, MANAGED. VECTOR/KENDRA/SQL keep the data in a store you configure
    // (its own encryption settings apply), so the key is not applicable there.
    awsType(
      "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
      "aws.bedrock.AgentKnowledgeBase",
      "Bedrock knowledge base",
      { keyProperty: MANAGED_KB_KEY, acceptedKeyForms: KEY_ARN_ONLY, appliesWhen: MANAGED_KNOWLEDGE_BASE },
    ),
    // SDK enum KnowledgeBaseType: VECTOR, KENDRA, SQL, MANAGED.
    nativeType(
      "aws-native:bedrock:KnowledgeBase",
      "awsnative.bedrock.KnowledgeBase",
      "Bedrock knowledge base (aws-native)",
      { keyProperty: MANAGED_KB_KEY, acceptedKeyForms: KEY_ARN_ONLY, appliesWhen: MANAGED_KNOWLEDGE_BASE },
    ),
  ],
};

const DATA_SOURCE_FAMILY: ResourceFamily = {
  id: "data-source",
  title: "Bedrock knowledge base data sources",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, the transient copies Bedrock keeps of your documents while ingesting a " +
    "data source are encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    // CFN AWS::Bedrock::DataSource ServerSideEncryptionConfiguration.KmsKeyArn: key-ARN pattern
    // ^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$.
    awsType(
      "aws:bedrock/agentDataSource:AgentDataSource",
      "aws.bedrock.AgentDataSource",
      "Bedrock data source",
      {
        keyProperty: ["serverSideEncryptionConfiguration", "kmsKeyArn"],
        acceptedKeyForms: KEY_ARN_ONLY,
      },
    ),
    nativeType(
      "aws-native:bedrock:DataSource",
      "awsnative.bedrock.DataSource",
      "Bedrock data source (aws-native)",
      { keyProperty: ["serverSideEncryptionConfiguration", "kmsKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
  ],
};

const AUTOMATED_REASONING_FAMILY: ResourceFamily = {
  id: "automated-reasoning-policy",
  title: "Bedrock Automated Reasoning policies",
  defaultLevel: "advisory",
  why:
    "Without a customer-managed key, an Automated Reasoning policy (rules and variables extracted from your " +
    "source documents) is encrypted with a key you cannot audit, restrict or revoke.",
  types: [
    // API CreateAutomatedReasoningPolicy.kmsKeyId: "The identifier of the KMS key" (key id, key ARN, alias
    // name or alias ARN, as KMS resolves identifiers). No @pulumi/aws equivalent in 7.48.0.
    nativeType(
      "aws-native:bedrock:AutomatedReasoningPolicy",
      "awsnative.bedrock.AutomatedReasoningPolicy",
      "Bedrock Automated Reasoning policy (aws-native)",
      { keyProperty: ["kmsKeyId"], acceptedKeyForms: ANY_KEY_IDENTIFIER },
    ),
  ],
};

const DATA_AUTOMATION_FAMILY: ResourceFamily = {
  id: "data-automation",
  title: "Bedrock Data Automation projects, blueprints and libraries",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, Bedrock Data Automation encrypts what it extracts from your documents, " +
    "images, audio and video (and the blueprints and libraries that steer it) with an AWS-owned key.",
  types: [
    // CFN AWS::Bedrock::Blueprint / DataAutomationProject.KmsKeyId: a string of 1-2048 characters with no
    // pattern ("KMS key identifier"); not createOnly.
    nativeType(
      "aws-native:bedrock:Blueprint",
      "awsnative.bedrock.Blueprint",
      "Bedrock Data Automation blueprint",
      {
        keyProperty: ["kmsKeyId"],
        acceptedKeyForms: ANY_KEY_IDENTIFIER,
        keyUpdatable: true,
      },
    ),
    nativeType(
      "aws-native:bedrock:DataAutomationProject",
      "awsnative.bedrock.DataAutomationProject",
      "Bedrock Data Automation project",
      { keyProperty: ["kmsKeyId"], acceptedKeyForms: ANY_KEY_IDENTIFIER, keyUpdatable: true },
    ),
    // SDK doc: "KMS Key Identifier".
    nativeType(
      "aws-native:bedrock:DataAutomationLibrary",
      "awsnative.bedrock.DataAutomationLibrary",
      "Bedrock Data Automation library",
      { keyProperty: ["encryptionConfiguration", "kmsKeyId"], acceptedKeyForms: ANY_KEY_IDENTIFIER },
    ),
  ],
};

// AgentCore: every key field below is named and documented as a key ARN in both SDKs.

const AGENTCORE_MEMORY_FAMILY: ResourceFamily = {
  id: "agentcore-memory",
  title: "Bedrock AgentCore memories",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, an AgentCore memory (conversation events and the long-term facts extracted " +
    "from them) is encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    awsType(
      "aws:bedrock/agentcoreMemory:AgentcoreMemory",
      "aws.bedrock.AgentcoreMemory",
      "AgentCore memory",
      {
        keyProperty: ["encryptionKeyArn"],
        acceptedKeyForms: KEY_ARN_ONLY,
      },
    ),
    nativeType(
      "aws-native:bedrockagentcore:Memory",
      "awsnative.bedrockagentcore.Memory",
      "AgentCore memory (aws-native)",
      { keyProperty: ["encryptionKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
  ],
};

const HARNESS_MEMORY_KEY = ["memory", "managedMemoryConfiguration", "encryptionKeyArn"];

const AGENTCORE_HARNESS_FAMILY: ResourceFamily = {
  id: "agentcore-harness",
  title: "Bedrock AgentCore harness managed memories",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, the memory an AgentCore harness creates and manages for itself " +
    "(conversation context) is encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    // SDK doc: managed memory is the harness's own memory ("Creates and manages a memory resource
    // automatically"); `disabled` explicitly opts out and `agentcoreMemoryConfiguration` connects an existing
    // memory, which is guarded as an AgentCore memory. Without a `memory` block the harness falls back to its
    // default memory, so the key is asked for then too (fail closed).
    awsType(
      "aws:bedrock/agentcoreHarness:AgentcoreHarness",
      "aws.bedrock.AgentcoreHarness",
      "AgentCore harness",
      {
        keyProperty: HARNESS_MEMORY_KEY,
        acceptedKeyForms: KEY_ARN_ONLY,
        appliesWhen: unlessAnySet([
          ["memory", "disabled"],
          ["memory", "agentcoreMemoryConfiguration"],
        ]),
      },
    ),
    // aws-native spells the existing-memory block `agentCoreMemoryConfiguration`.
    nativeType(
      "aws-native:bedrockagentcore:Harness",
      "awsnative.bedrockagentcore.Harness",
      "AgentCore harness (aws-native)",
      {
        keyProperty: HARNESS_MEMORY_KEY,
        acceptedKeyForms: KEY_ARN_ONLY,
        appliesWhen: unlessAnySet([
          ["memory", "disabled"],
          ["memory", "agentCoreMemoryConfiguration"],
        ]),
      },
    ),
  ],
};

const AGENTCORE_TOKEN_VAULT_FAMILY: ResourceFamily = {
  id: "agentcore-token-vault",
  title: "Bedrock AgentCore token vaults",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, the AgentCore token vault (OAuth tokens and API keys your agents use to act " +
    "on users' behalf) is encrypted with a service-managed key that you cannot audit, restrict or revoke.",
  types: [
    // SDK doc: keyType "Valid values: CustomerManagedKey, ServiceManagedKey"; kmsKeyArn "ARN of the KMS key".
    awsType(
      "aws:bedrock/agentcoreTokenVaultCmk:AgentcoreTokenVaultCmk",
      "aws.bedrock.AgentcoreTokenVaultCmk",
      "AgentCore token vault key",
      {
        keyProperty: ["kmsConfiguration", "kmsKeyArn"],
        acceptedKeyForms: KEY_ARN_ONLY,
        keyType: { path: ["kmsConfiguration", "keyType"], customerManaged: "CustomerManagedKey" },
      },
    ),
  ],
};

const AGENTCORE_DATASET_FAMILY: ResourceFamily = {
  id: "agentcore-dataset",
  title: "Bedrock AgentCore evaluation datasets",
  defaultLevel: "mandatory",
  why:
    "Without a customer-managed key, an AgentCore dataset (example conversations used to evaluate agents) is " +
    "written to S3 by the service without a key you control.",
  types: [
    // SDK doc: "Optional AWS KMS key ARN for SSE-KMS on service S3 writes."
    nativeType(
      "aws-native:bedrockagentcore:Dataset",
      "awsnative.bedrockagentcore.Dataset",
      "AgentCore dataset (aws-native)",
      { keyProperty: ["kmsKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
  ],
};

// Configuration-only stores: advisory by default (see ResourceFamily.defaultLevel).

const AGENTCORE_GATEWAY_FAMILY: ResourceFamily = {
  id: "agentcore-gateway",
  title: "Bedrock AgentCore gateways",
  defaultLevel: "advisory",
  why:
    "Without a customer-managed key, an AgentCore gateway's configuration (its targets, tool schemas and " +
    "authorizer settings) is encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    awsType(
      "aws:bedrock/agentcoreGateway:AgentcoreGateway",
      "aws.bedrock.AgentcoreGateway",
      "AgentCore gateway",
      {
        keyProperty: ["kmsKeyArn"],
        acceptedKeyForms: KEY_ARN_ONLY,
      },
    ),
    nativeType(
      "aws-native:bedrockagentcore:Gateway",
      "awsnative.bedrockagentcore.Gateway",
      "AgentCore gateway (aws-native)",
      { keyProperty: ["kmsKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
  ],
};

const AGENTCORE_EVALUATOR_FAMILY: ResourceFamily = {
  id: "agentcore-evaluator",
  title: "Bedrock AgentCore evaluators",
  defaultLevel: "advisory",
  why:
    "Without a customer-managed key, an AgentCore evaluator's definition (judging instructions and rating " +
    "scales) is encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    awsType(
      "aws:bedrock/agentcoreEvaluator:AgentcoreEvaluator",
      "aws.bedrock.AgentcoreEvaluator",
      "AgentCore evaluator",
      { keyProperty: ["kmsKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
    nativeType(
      "aws-native:bedrockagentcore:Evaluator",
      "awsnative.bedrockagentcore.Evaluator",
      "AgentCore evaluator (aws-native)",
      { keyProperty: ["kmsKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
  ],
};

const AGENTCORE_POLICY_ENGINE_FAMILY: ResourceFamily = {
  id: "agentcore-policy-engine",
  title: "Bedrock AgentCore policy engines",
  defaultLevel: "advisory",
  why:
    "Without a customer-managed key, an AgentCore policy engine's policies (what your agents may do with which " +
    "tools) are encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    awsType(
      "aws:bedrock/agentcorePolicyEngine:AgentcorePolicyEngine",
      "aws.bedrock.AgentcorePolicyEngine",
      "AgentCore policy engine",
      { keyProperty: ["encryptionKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
    nativeType(
      "aws-native:bedrockagentcore:PolicyEngine",
      "awsnative.bedrockagentcore.PolicyEngine",
      "AgentCore policy engine (aws-native)",
      { keyProperty: ["encryptionKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
  ],
};

const AGENTCORE_CONFIGURATION_BUNDLE_FAMILY: ResourceFamily = {
  id: "agentcore-configuration-bundle",
  title: "Bedrock AgentCore configuration bundles",
  defaultLevel: "advisory",
  why:
    "Without a customer-managed key, an AgentCore configuration bundle (versioned component configurations of " +
    "your agents) is encrypted with an AWS-owned key that you cannot audit, restrict or revoke.",
  types: [
    // SDK doc: "The ARN of the KMS key used to encrypt component configurations."
    nativeType(
      "aws-native:bedrockagentcore:ConfigurationBundle",
      "awsnative.bedrockagentcore.ConfigurationBundle",
      "AgentCore configuration bundle (aws-native)",
      { keyProperty: ["kmsKeyArn"], acceptedKeyForms: KEY_ARN_ONLY },
    ),
  ],
};

/**
 * Every family, in reporting order. Left out on purpose (see docs/catalog.md): output-only
 * keys (FlowVersion, PromptVersion, GuardrailVersion inherit their parent's key), the AgentCore
 * capacity provider's EBS volumes (compute, lists of volumes: an EBS policy's job), and the OAuth2
 * credential provider's `kmsKeySource` (an asymmetric signing key, not data encryption).
 */
export const FAMILIES: readonly ResourceFamily[] = [
  WORKSPACE_FAMILY,
  AGENT_FAMILY,
  SESSION_FAMILY,
  FLOW_FAMILY,
  PROMPT_FAMILY,
  GUARDRAIL_FAMILY,
  CUSTOM_MODEL_FAMILY,
  EVALUATION_JOB_FAMILY,
  BATCH_INFERENCE_FAMILY,
  KNOWLEDGE_BASE_FAMILY,
  DATA_SOURCE_FAMILY,
  AUTOMATED_REASONING_FAMILY,
  DATA_AUTOMATION_FAMILY,
  AGENTCORE_MEMORY_FAMILY,
  AGENTCORE_HARNESS_FAMILY,
  AGENTCORE_TOKEN_VAULT_FAMILY,
  AGENTCORE_DATASET_FAMILY,
  AGENTCORE_GATEWAY_FAMILY,
  AGENTCORE_EVALUATOR_FAMILY,
  AGENTCORE_POLICY_ENGINE_FAMILY,
  AGENTCORE_CONFIGURATION_BUNDLE_FAMILY,
];

export const GUARDED_TYPES: readonly GuardedResourceType[] = FAMILIES.flatMap((f) => f.types);

const familyByToken = new Map(FAMILIES.flatMap((f) => f.types.map((t) => [t.token, f] as const)));
const typeByToken = new Map(GUARDED_TYPES.map((t) => [t.token, t]));

export function guardedType(token: string): GuardedResourceType | undefined {
  return typeByToken.get(token);
}

export function familyOf(token: string): ResourceFamily | undefined {
  return familyByToken.get(token);
}

/** Every property path the pack reads on a guarded type (key, condition, key type, region, extras). */
export function propertyPathsOf(type: GuardedResourceType): (readonly string[])[] {
  const extras: readonly string[] =
    (WORKSPACE_PROPERTIES as Readonly<Record<string, readonly string[]>>)[type.token] ?? [];
  return [
    type.keyProperty,
    ...(type.appliesWhen?.reads ?? []),
    ...(type.keyType === undefined ? [] : [type.keyType.path]),
    ...(type.regionProperty === undefined ? [] : [[type.regionProperty]]),
    ...extras.map((p) => [p]),
  ];
}

/** The stack configuration key that holds the default region of the `aws` and `aws-native` providers. */
export const STACK_REGION_CONFIG_KEYS = ["aws:region", "aws-native:region"] as const;
