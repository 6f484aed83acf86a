/**
 * Writes policy-pack/config.schema.json from the pack's policies (`npm run docs:schema`); the
 * config-schema spec fails when the shipped file differs from what this prints.
 */
import * as fs from "fs";
import * as path from "path";
import { NO_AWS } from "../support/builders";
import { buildGuard } from "../../policy-pack/crossguard/guard";
import { packConfigJsonSchema } from "../../policy-pack/settings/config-schema";
import { createPackState } from "../../policy-pack/settings/pack-state";

export const SCHEMA_FILE = path.resolve(__dirname, "../../policy-pack/config.schema.json");

export function configSchemaText(): string {
  const { policies } = buildGuard(createPackState({}), NO_AWS);
  return `${JSON.stringify(packConfigJsonSchema(policies), null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(SCHEMA_FILE, configSchemaText());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
