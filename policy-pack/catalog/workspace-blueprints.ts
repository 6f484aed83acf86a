/**
 * Environment blueprint configurations: how a stack enables blueprints in a DataZone domain. A
 * Bedrock Studio (V1) workspace runs its environments from blueprints, through the roles that only
 * use keys tagged EnableBedrock=true; a domain with no blueprint enabled in the stack is a plain
 * DataZone domain as far as the stack shows.
 */

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
