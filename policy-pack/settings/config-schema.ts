/**
 * The JSON Schema of a whole pack config file: the file `pulumi preview --policy-pack-config`, a
 * Pulumi Cloud policy group and `bedrock-cmk-guard -c` all take. Built from the policies' own
 * `configSchema`s (what `pulumi policy validate-config` checks each policy's settings against), so
 * that an editor, a CI step or a reviewer can validate the file without running anything; shipped
 * as policy-pack/config.schema.json (`npm run docs:schema` writes it).
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
/** The Pulumi CLI's key that sets every policy's level at once. */
const ALL_POLICIES = "all";

export interface SchemaPolicy {
  readonly name: string;
  readonly description: string;
  readonly configSchema?: PolicyConfigSchema;
}

export function packConfigJsonSchema(policies: readonly SchemaPolicy[]): Record<string, unknown> {
  const level = { enum: LEVELS };
  const properties: Record<string, unknown> = {
    [ALL_POLICIES]: { ...level, description: "Sets every policy's enforcement level at once." },
  };
  for (const policy of [...policies].sort((a, b) => a.name.localeCompare(b.name))) {
    const settings = policy.configSchema ?? { properties: {} };
    properties[policy.name] = {
      description: policy.description,
      oneOf: [
        level,
        {
          type: "object",
          properties: { enforcementLevel: level, ...settings.properties },
          ...(settings.required?.length ? { required: settings.required } : {}),
          // The pack refuses a setting it does not know at Configure: so does the schema.
          additionalProperties: false,
        },
      ],
    };
  }
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "bedrock-cmk-guard policy pack config",
    type: "object",
    properties,
    additionalProperties: false,
  };
}
