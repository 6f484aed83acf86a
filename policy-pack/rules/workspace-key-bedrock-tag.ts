import { WORKSPACE_FAMILY } from "../catalog/bedrock-resources";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule } from "./rule";
import { plain, readPath, UNKNOWN } from "../facts/values";
import { KEY_FITNESS_WHY, type KeyFitnessInput } from "./key-fitness-input";

const TAG_KEY = "EnableBedrock";
const TAG_VALUE = "true";

/**
 * Bedrock Studio's (V1) service and provisioning roles, and AWS's
 * AmazonBedrockStudioPermissionsBoundary, only allow keys tagged EnableBedrock=true. Only a V1
 * domain that the stack enables environment blueprints in is taken for a Bedrock Studio workspace
 * (the roles run its environments); a plain DataZone domain is left alone. Advisory: a team may
 * grant the roles the key another way, and a blueprint's id does not say whether it is Bedrock's.
 */
export const workspaceKeyBedrockTag: Rule<KeyFitnessInput> = {
  id: "workspace-key-bedrock-tag",
  title: "Keys of Bedrock Studio (V1) workspaces should carry the tag EnableBedrock=true",
  rationale: `${KEY_FITNESS_WHY} AWS's Bedrock Studio roles and its AmazonBedrockStudioPermissionsBoundary only let the workspace use KMS keys tagged ${TAG_KEY}=${TAG_VALUE} (aws:ResourceTag condition): without the tag, the workspace's environments fail to use the key.`,
  fix: `Add the tag \`${TAG_KEY}: "${TAG_VALUE}"\` to the key's tags (the sample stack's WorkspaceKey component sets it).`,
  compliance: WORKSPACE_FAMILY.compliance,
  severity: "low",
  defaultLevel: "advisory",
  evaluate(input) {
    if (input.consumer === undefined || input.consumer.family !== WORKSPACE_FAMILY) {
      return notApplicable("only Bedrock Studio (V1) workspaces need the tag.");
    }
    const version = readPath(input.consumer.props, ["domainVersion"]);
    if (version === UNKNOWN) return undetermined("the workspace's domainVersion is not known yet.");
    if (version !== undefined && version !== null && version !== "V1") {
      return notApplicable("the tag is required by Bedrock Studio (V1) roles; this is not a V1 workspace.");
    }
    if (input.consumer.blueprintConfigurations === 0) {
      return notApplicable(
        "the stack enables no environment blueprint in this domain: Bedrock Studio's roles, which need the tag, do not use its key.",
      );
    }
    const tags = input.facts.tags;
    if (tags.kind === "unknown") return undetermined("the key's tags are not known yet.");
    if (tags.kind === "malformed")
      return nonCompliant("the key's tags are not a tag map (or a list of {key, value}).");
    const value = plain(tags.tags[TAG_KEY]);
    if (value === UNKNOWN) return undetermined(`the value of the key's ${TAG_KEY} tag is not known yet.`);
    if (value === TAG_VALUE) return compliant;
    if (value === undefined && !tags.complete) {
      return undetermined(
        `the key's own tags lack ${TAG_KEY}; the provider's default tags are not known yet.`,
      );
    }
    return nonCompliant(
      value === undefined
        ? `the key is not tagged ${TAG_KEY}=${TAG_VALUE}.`
        : `the key's ${TAG_KEY} tag is not "${TAG_VALUE}".`,
    );
  },
};
