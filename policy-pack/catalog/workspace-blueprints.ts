/**
 * Environment blueprint configurations: how a stack enables blueprints in a DataZone domain. A
 * Bedrock Studio (V1) workspace runs its environments from blueprints, through the roles that only
 * use keys tagged EnableBedrock=true; a domain with no blueprint enabled in the stack is a plain
 * DataZone domain as far as the stack shows.
 */
import type { StackResource } from "../facts/key-tracing";
import { readPath, UNKNOWN } from "../facts/values";

/** Each blueprint configuration type, with the properties that name its domain. */
export const BLUEPRINT_CONFIGURATION_TYPES: readonly {
  token: string;
  domainProperties: readonly string[];
}[] = [
  {
    token: "aws:datazone/environmentBlueprintConfiguration:EnvironmentBlueprintConfiguration",
    domainProperties: ["domainId"],
  },
  // aws-native takes `domainIdentifier` and reports `domainId`.
  {
    token: "aws-native:datazone:EnvironmentBlueprintConfiguration",
    domainProperties: ["domainIdentifier", "domainId"],
  },
];

/**
 * How many blueprint configurations of the stack may enable blueprints in `domain`: those whose
 * domain property comes from the domain (property dependencies, at preview) or holds its id, and,
 * to keep the advisory rather than drop it, those whose domain is not known.
 */
export function blueprintConfigurationsOf(
  domain: StackResource,
  resources: readonly StackResource[],
): number {
  const domainId = readPath(domain.props, ["id"]);
  return resources.filter((resource) => {
    const type = BLUEPRINT_CONFIGURATION_TYPES.find((t) => t.token === resource.type);
    if (type === undefined) return false;
    return type.domainProperties.some((property) => {
      if (resource.propertyDependencies[property]?.includes(domain.urn)) return true;
      const value = readPath(resource.props, [property]);
      return value === UNKNOWN || (typeof value === "string" && value !== "" && value === domainId);
    });
  }).length;
}
