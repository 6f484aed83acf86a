/** The levels a policy can be set to in the pack config (Pulumi's own, less `remediate`). */
export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

/** Compliance mapping of the Trend Micro Cloud One Conformity catalogue a rule implements. */
export type ComplianceId = "Bedrock-001" | "Bedrock-003" | "Bedrock-004" | "Bedrock-006";
