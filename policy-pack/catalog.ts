/**
 * The one source of truth for "which resource types hold a customer-managed key, and where".
 * Policies, docs and tests read this catalog; the catalog test proves every token and property
 * path against the installed @pulumi/aws and @pulumi/aws-native typings. Type tokens are plain data
 * here: the pack's runtime never imports a provider SDK (it keeps the pack fast to start).
 */
import type { ComplianceId } from "./rule";

export type ProviderPackage = "aws" | "aws-native";

/** Which forms of key reference the resource's API accepts. */
export type AcceptedKeyForms =
  /** Only a full key ARN (e.g. CloudFormation's pattern for AWS::DataZone::Domain.KmsKeyIdentifier). */
  "key-arn";

export interface GuardedResourceType {
  /** Pulumi type token, e.g. `aws:datazone/domain:Domain`. */
  readonly token: string;
  readonly provider: ProviderPackage;
  /** The SDK class and its args type, as a person writes them (used in docs and messages). */
  readonly sdkClass: string;
  readonly argsType: string;
  /** What a person calls this resource. */
  readonly displayName: string;
  readonly compliance: ComplianceId;
  /** Path of the property that holds the key reference. */
  readonly keyProperty: readonly string[];
  readonly acceptedKeyForms: AcceptedKeyForms;
  /**
   * The resource's own region input, when the provider has one (`@pulumi/aws` v7 resources do).
   * Without it the region comes from the resource's provider, then the stack's `aws:region`.
   */
  readonly regionProperty?: string;
  /** Whether the API can change the key in place; false means re-creating the resource. */
  readonly keyUpdatable: boolean;
}

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
    acceptedKeyForms: "key-arn",
    regionProperty: "region",
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
    acceptedKeyForms: "key-arn",
    keyUpdatable: false,
  },
];

/** Properties of a workspace, beyond the key, that the pack reads (checked against the typings). */
export const WORKSPACE_PROPERTIES = {
  "aws:datazone/domain:Domain": ["domainVersion", "domainExecutionRole", "serviceRole", "tags", "region"],
  "aws-native:datazone:Domain": ["domainVersion", "domainExecutionRole", "serviceRole", "tags"],
} as const;

/**
 * A family of guarded resources: one set of CrossGuard policies (`<id>-cmk-required`, ...), one
 * compliance mapping, one switch in the pack config.
 */
export interface ResourceFamily {
  /** Prefix of the family's policy names. */
  readonly id: string;
  /** Plural, as a person says it. */
  readonly title: string;
  readonly compliance: ComplianceId;
  readonly risk: "High" | "Medium" | "Low";
  /** Why the data must be under a customer-managed key: the start of every rationale. */
  readonly why: string;
  readonly types: readonly GuardedResourceType[];
}

export const WORKSPACE_FAMILY: ResourceFamily = {
  id: "workspace",
  title: "Bedrock Studio workspaces",
  compliance: "Bedrock-006",
  risk: "High",
  why:
    "Without a customer-managed key, a Bedrock Studio workspace encrypts its data with an AWS-owned key that " +
    "you cannot audit, rotate, restrict or revoke, and the key cannot be added later: the workspace must be re-created.",
  types: WORKSPACE_TYPES,
};

export const FAMILIES: readonly ResourceFamily[] = [WORKSPACE_FAMILY];

export const GUARDED_TYPES: readonly GuardedResourceType[] = FAMILIES.flatMap((f) => f.types);

const familyByToken = new Map(FAMILIES.flatMap((f) => f.types.map((t) => [t.token, f] as const)));
const typeByToken = new Map(GUARDED_TYPES.map((t) => [t.token, t]));

export function guardedType(token: string): GuardedResourceType | undefined {
  return typeByToken.get(token);
}

export function familyOf(token: string): ResourceFamily | undefined {
  return familyByToken.get(token);
}

/** The stack configuration key that holds the default region of the `aws` and `aws-native` providers. */
export const STACK_REGION_CONFIG_KEYS = ["aws:region", "aws-native:region"] as const;
