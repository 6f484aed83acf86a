import { classifyKeyReference, partitionOfRegion } from "../facts/key-reference";
import { compliant, nonCompliant, notApplicable, undetermined, type Rule, type RuleOutcome } from "./rule";
import type { ResourceFamily } from "../catalog/bedrock-resources";
import { UNKNOWN } from "../facts/values";
import { familyRuleMetadata, skipUnlessKeyApplies } from "./cmk-common";
import { keyPropertyName, type KeyReferenceInput } from "./key-reference-input";

/** KMS keys are regional: the key must live in the resource's own partition and region. */
export function cmkRegion(family: ResourceFamily): Rule<KeyReferenceInput> {
  return {
    id: `${family.id}-cmk-region`,
    title: `${family.title} must use a key in their own region`,
    rationale: `${family.why} KMS keys are regional; a key from another region or partition cannot encrypt the resource.`,
    fix:
      "Create the key in the resource's region (one key per region; the sample stack's WorkspaceKey component " +
      "makes one), or, for a multi-region key, create a replica in that region (aws.kms.ReplicaKey) and use the " +
      "replica's ARN.",
    ...familyRuleMetadata(family),
    evaluate(input) {
      return skipUnlessKeyApplies(input) ?? judge(input);
    },
  };
}

function judge(input: KeyReferenceInput): RuleOutcome {
  const reference = classifyKeyReference(input.key);
  if (reference.form === "unknown") return undetermined(`\`${keyPropertyName(input)}\` is not known yet.`);
  if (reference.form === "key-id" || (reference.form === "customer-alias" && !reference.asArn)) {
    return notApplicable("A key id or alias name is resolved in the resource's own region.");
  }
  const located =
    reference.form === "key-arn"
      ? { partition: reference.partition, region: reference.region, multiRegion: reference.multiRegion }
      : reference.form === "customer-alias" &&
          reference.region !== undefined &&
          reference.partition !== undefined
        ? { partition: reference.partition, region: reference.region, multiRegion: false }
        : undefined;
  if (located === undefined) {
    return notApplicable("The key is not referenced by an ARN; the key-form policy reports that.");
  }
  if (input.region === UNKNOWN) return undetermined("The resource's region is not known yet.");
  if (input.region === undefined) {
    return undetermined(
      "Nothing names the resource's region (its `region`, its provider's region, the stack's `aws:region`, or AWS_REGION / AWS_DEFAULT_REGION in the environment).",
    );
  }
  const partition = partitionOfRegion(input.region);
  if (partition === undefined)
    return nonCompliant(
      "The resource's region is not a valid AWS region name.",
      "Set a valid AWS region (e.g. `aws:region`).",
    );
  if (located.partition !== partition) {
    return nonCompliant("The key ARN's partition differs from the partition of the resource's region.");
  }
  if (located.region !== input.region) {
    const replicaAdvice = located.multiRegion
      ? " This is a multi-region key: replicate it into the resource's region (aws.kms.ReplicaKey) and use the replica's ARN."
      : "";
    return nonCompliant(`The key ARN names a region other than the resource's region.${replicaAdvice}`);
  }
  return compliant;
}
