/**
 * The key fitness rules applied to every KMS key (and standalone key policy) of a stack on its own
 * (`kms-key-*`, advisory by default), each with the limits of its own settings: an unfit key is
 * visible before any Bedrock resource uses it.
 */
import { keyFitnessRules } from "../rules";
import { KMS_HYGIENE_SCOPE } from "../rules/key-fitness-input";
import { fitnessLimits } from "./consumed-key-rules";

export const KMS_HYGIENE_RULES = keyFitnessRules(KMS_HYGIENE_SCOPE).map((fitness) => ({
  ...fitness,
  ...fitnessLimits(fitness.rule.id, fitness.limit),
}));
