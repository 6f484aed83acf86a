/**
 * `npm run sync:project`: writes the repository's Pulumi.yaml from the template's
 * (sample-stack/Pulumi.yaml), so that a clone's root runs the sample stack with the same project
 * settings that `pulumi new` and `bedrock-cmk-guard new` give a new project.
 */
import * as fs from "fs";
import * as path from "path";
import { cloneProjectFile, TEMPLATE_FOLDER } from "../../cli/commands/new";

export const ROOT = path.resolve(__dirname, "../..");

/** The root Pulumi.yaml as the template says it must be. */
export function expectedRootProject(): string {
  return cloneProjectFile(fs.readFileSync(path.join(ROOT, TEMPLATE_FOLDER, "Pulumi.yaml"), "utf8"));
}

if (require.main === module) fs.writeFileSync(path.join(ROOT, "Pulumi.yaml"), expectedRootProject());
