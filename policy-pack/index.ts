/**
 * The policy pack's entry point, as `pulumi preview --policy-pack policy-pack` runs it (built to
 * bin/index.js by `npm run build`). Everything here only wires: rules live in rules/, the
 * translation to CrossGuard in crossguard/.
 */
import { PolicyPack } from "@pulumi/policy";
import { environmentCredentials } from "./aws/credentials";
import { createKmsFactsSource } from "./aws/kms-facts";
import { buildGuard } from "./crossguard/guard";
import { installEngineGate } from "./crossguard/engine-gate";
import { createPackState } from "./settings/pack-state";
import { shareDeserializedProperties } from "./crossguard/policy-internals";

const state = createPackState();
const guard = buildGuard(state, {
  createKmsFacts: createKmsFactsSource,
  detectCredentials: environmentCredentials(state.stackConfig),
});
installEngineGate(guard, state);
shareDeserializedProperties();

new PolicyPack("bedrock-cmk-guard", {
  description:
    "Amazon Bedrock workspaces and data stores must be encrypted with a fit customer-managed KMS key (Bedrock-006).",
  enforcementLevel: guard.enforcementLevel,
  policies: guard.policies,
});
