/**
 * `new DIR`: starts a Pulumi project from the sample stack's template, as `pulumi new
 * <template>` would, from the copy installed with this tool (no clone, no network): the template's
 * Pulumi.yaml (its `template:` section removed and the project named after DIR, as `pulumi new`
 * does) and the sample stack's program files. `npm install` in DIR is the user's next step.
 */
import * as fs from "fs";
import * as path from "path";
import { UnusableInputError } from "../errors";
import { isPlainObject } from "../../policy-pack/facts/values";
import { progressFor } from "./output";
import { packageRoot } from "./tool-package";

export interface NewOptions {
  readonly name?: string;
  readonly quiet: boolean;
}

/** The sample stack's program folder, relative to the template's Pulumi.yaml (its `main:`). */
const PROGRAM_FOLDER = "sample-stack";
/** Never copied from the program folder: installed or built, not part of the template. */
const NOT_COPIED = new Set(["node_modules", "bin"]);
/** The stack whose config file `new` writes, as `pulumi new` suggests. */
const FIRST_STACK = "dev";
/** A Pulumi project name: what the Pulumi CLI accepts (letters, digits, `-`, `_`, `.`). */
const PROJECT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function newProject(dir: string, options: NewOptions): number {
  const target = path.resolve(dir);
  const name = options.name ?? path.basename(target);
  if (!PROJECT_NAME.test(name)) {
    throw new UnusableInputError(
      `${JSON.stringify(name)} is not a Pulumi project name (letters, digits, -, _ and .): pass --name <project>`,
    );
  }
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    // As `pulumi new`: a folder that holds files is not overwritten.
    throw new UnusableInputError(`${dir} is not empty: name a new or empty folder`);
  }
  const root = packageRoot();
  const template = path.join(root, "Pulumi.yaml");
  if (!fs.existsSync(template) || !fs.existsSync(path.join(root, PROGRAM_FOLDER))) {
    throw new UnusableInputError(`the sample stack template is missing from ${root}: reinstall the tool`);
  }
  fs.mkdirSync(target, { recursive: true });
  copyProgram(path.join(root, PROGRAM_FOLDER), target);
  const templateText = fs.readFileSync(template, "utf8");
  fs.writeFileSync(path.join(target, "Pulumi.yaml"), projectFile(templateText, name));
  // As `pulumi new` creates its first stack: the template's config, at its defaults.
  fs.writeFileSync(path.join(target, `Pulumi.${FIRST_STACK}.yaml`), stackFile(templateText, name));
  const packageFile = path.join(target, "package.json");
  const manifest = JSON.parse(fs.readFileSync(packageFile, "utf8")) as Record<string, unknown>;
  fs.writeFileSync(packageFile, `${JSON.stringify({ ...manifest, name }, null, 2)}\n`);
  progressFor(options)(
    `Created the Pulumi project ${name} in ${dir} from the sample stack template. Next:\n` +
      `  cd ${dir} && npm install\n` +
      `  bedrock-cmk-guard preview --stack ${FIRST_STACK}   # offline, through the policy pack\n` +
      `  pulumi stack init ${FIRST_STACK} && pulumi preview --policy-pack <the unpacked pack>`,
  );
  return 0;
}

function copyProgram(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (NOT_COPIED.has(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(target);
      copyProgram(source, target);
    } else if (entry.isFile()) {
      fs.copyFileSync(source, target);
    }
  }
}

/**
 * The template's Pulumi.yaml as the new project's: named `name`, the program in the project folder
 * itself (no `main:`), no `template:` section (what `pulumi new` writes). Line edits keep the
 * file's comments, which document the config.
 */
export function projectFile(template: string, name: string): string {
  const lines = template.split("\n");
  const kept: string[] = [];
  let inTemplate = false;
  for (const line of lines) {
    const topLevelKey = /^([A-Za-z_][\w-]*):/.exec(line)?.[1];
    if (topLevelKey !== undefined) inTemplate = topLevelKey === "template";
    if (inTemplate || topLevelKey === "main") continue;
    kept.push(topLevelKey === "name" ? `name: ${name}` : line);
  }
  return kept.join("\n");
}

/**
 * The first stack's config file: each `template.config` key at its default, project keys in the
 * project's namespace (as `pulumi new` writes them).
 */
export function stackFile(template: string, name: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no typings here
  const yaml = require("js-yaml") as { load(text: string): unknown; dump(value: unknown): string };
  const document = yaml.load(template);
  const section = isPlainObject(document) && isPlainObject(document.template) ? document.template : {};
  const declared = isPlainObject(section.config) ? section.config : {};
  const config: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(declared)) {
    const value = isPlainObject(entry) ? entry.default : undefined;
    if (value !== undefined) config[key.includes(":") ? key : `${name}:${key}`] = value;
  }
  return yaml.dump({ config });
}
