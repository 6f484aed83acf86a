/**
 * Reads a Pulumi project (Pulumi.yaml: name, main, declared config) and a stack configuration file
 * (Pulumi.<stack>.yaml: a `config:` map) into the flat string map the engine passes to a program and
 * to a policy pack (PULUMI_CONFIG): namespaced keys, structured values as JSON text.
 */
import * as fs from "fs";
import * as path from "path";
import { closest, distance } from "fastest-levenshtein";
import { readInputFile, UnusableInputError } from "../errors";
import { isPlainObject } from "../../policy-pack/facts/values";

// js-yaml ships no typings here; its `load` is all this file needs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string, options?: { filename?: string }): unknown };

export interface PulumiProject {
  readonly name: string;
  /** The folder holding Pulumi.yaml. */
  readonly dir: string;
  /** The program's folder (`main`, relative to Pulumi.yaml; the project folder by default). */
  readonly programDir: string;
  /** What the language host loads: `.` (the folder's package.json `main`) or the file `main` names. */
  readonly entryPoint: string;
  /** `runtime.options` of a Node.js project, as the language host reads them. */
  readonly runtimeOptions: NodeRuntimeOptions;
  /** Config values the project declares with a `default` (or `value`), namespaced. */
  readonly configDefaults: Record<string, string>;
  /** Every key Pulumi.yaml `config:` declares, namespaced. */
  readonly declaredConfig: readonly string[];
}

export interface NodeRuntimeOptions {
  /** Run TypeScript through ts-node (the language host's default: true). */
  readonly typescript: boolean;
  /** Extra arguments to `node`, split as a shell would. */
  readonly nodeargs: string;
  /** The tsconfig.json to use, relative to the program's folder. */
  readonly tsconfig?: string;
}

export interface StackConfig {
  readonly stack: string;
  readonly config: Record<string, string>;
  /** Keys neither the project nor an installed provider declares (see undeclaredKeyWarnings). */
  readonly warnings: readonly string[];
}

export function readProject(dir: string): PulumiProject {
  const file = path.join(dir, "Pulumi.yaml");
  const document = readYaml(file, `${dir} is not a Pulumi project folder (no Pulumi.yaml)`);
  if (!isPlainObject(document) || typeof document.name !== "string" || document.name === "") {
    throw new UnusableInputError(`${file}: expected a \`name:\``);
  }
  const main = typeof document.main === "string" ? document.main : ".";
  const runtimeOptions = nodeRuntimeOptions(document.runtime, file);
  const declared = isPlainObject(document.config) ? document.config : {};
  const configDefaults: Record<string, string> = {};
  const declaredConfig = Object.keys(declared).map((key) => namespaced(key, document.name as string));
  for (const [key, declaration] of Object.entries(declared)) {
    // A declaration is `{type, description, default}`, `{value}`, or a bare value.
    const value = isPlainObject(declaration) ? (declaration.default ?? declaration.value) : declaration;
    if (value !== undefined && value !== null)
      configDefaults[namespaced(key, document.name)] = configText(value);
  }
  // As the engine does: a `main` naming a file is the entry point, run from its folder.
  const mainPath = path.resolve(dir, main);
  const mainIsFile = fs.existsSync(mainPath) && fs.statSync(mainPath).isFile();
  return {
    name: document.name,
    dir,
    programDir: mainIsFile ? path.dirname(mainPath) : mainPath,
    entryPoint: mainIsFile ? path.basename(mainPath) : ".",
    runtimeOptions,
    configDefaults,
    declaredConfig,
  };
}

/** The folder of the nearest Pulumi.yaml at or above `from`, as the Pulumi CLI finds its project. */
export function findProjectDir(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The project's stack config files (Pulumi.<stack>.yaml beside Pulumi.yaml), by stack name. */
export function stackConfigFiles(project: PulumiProject): ReadonlyMap<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(project.dir).sort()) {
    const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(entry)?.[1];
    if (stack !== undefined) files.set(stack, path.join(project.dir, entry));
  }
  return files;
}

/** `runtime: nodejs` or `runtime: {name: nodejs, options: {typescript, nodeargs, tsconfig}}`. */
function nodeRuntimeOptions(runtime: unknown, file: string): NodeRuntimeOptions {
  const name = isPlainObject(runtime) ? runtime.name : runtime;
  if (name !== "nodejs") {
    throw new UnusableInputError(
      `${file}: runtime ${JSON.stringify(name)} is not supported: only Node.js programs (runtime: nodejs) can be run`,
    );
  }
  const options = isPlainObject(runtime) && isPlainObject(runtime.options) ? runtime.options : {};
  const typed = <T>(key: string, type: string, fallback: T): T => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (typeof value !== type)
      throw new UnusableInputError(`${file}: runtime.options.${key} must be a ${type}`);
    return value as T;
  };
  return {
    typescript: typed("typescript", "boolean", true),
    nodeargs: typed("nodeargs", "string", ""),
    tsconfig: typed<string | undefined>("tsconfig", "string", undefined),
  };
}

/**
 * Reads `Pulumi.<stack>.yaml`; the stack is named after the file (`dev` when the name has no stack).
 * A file without a `config:` map is not a stack configuration (e.g. a stack export given by
 * mistake): an error, never an empty config that would quietly run the defaults.
 */
export function readStackConfig(file: string, project: PulumiProject): StackConfig {
  const document = readYaml(file, `--stack-config ${file}: no such file`);
  if (!isPlainObject(document) || !("config" in document)) {
    throw new UnusableInputError(
      `--stack-config ${file}: no \`config:\` key; expected a Pulumi.<stack>.yaml file (a YAML map with a \`config:\` map)`,
    );
  }
  const config = document.config ?? {};
  if (!isPlainObject(config)) throw new UnusableInputError(`--stack-config ${file}: \`config\` is not a map`);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (isPlainObject(value) && "secure" in value) {
      throw new UnusableInputError(
        `--stack-config ${file}: ${key} is an encrypted secret, which only the Pulumi CLI can decrypt; give a plain value for the offline preview`,
      );
    }
    values[namespaced(key, project.name)] = configText(value);
  }
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file));
  return {
    stack: match?.[1] ?? "dev",
    config: values,
    warnings: undeclaredKeyWarnings(file, config, project),
  };
}

/**
 * A key that nothing declares is most often misspelt, and a misspelt key is silently not used.
 * - Project keys (`<project>:x` or bare `x`) are declared by Pulumi.yaml `config:`. Pulumi's project
 *   schema cannot type an object-valued key, so such a key is not warned about.
 * - `pulumi:` keys configure the engine itself and are not checked.
 * - Any other namespace is a provider's: its keys are the config variables its installed Node.js
 *   SDK exports (`@pulumi/<namespace>/config/vars`), resolved from the program's folder, else from
 *   this tool's. A namespace without an installed SDK cannot be checked and is named as such.
 */
function undeclaredKeyWarnings(
  file: string,
  config: Record<string, unknown>,
  project: PulumiProject,
): string[] {
  const warnings: string[] = [];
  const providerVariables = new Map<string, readonly string[] | undefined>();
  for (const [key, value] of Object.entries(config)) {
    const full = namespaced(key, project.name);
    const separator = full.indexOf(":");
    const namespace = full.slice(0, separator);
    const name = full.slice(separator + 1);
    if (namespace === "pulumi") continue;
    if (namespace === project.name) {
      const declared = project.declaredConfig;
      if (declared.includes(full) || isStructured(value)) continue;
      warnings.push(
        `--stack-config ${file}: ${full} is not declared in ${path.join(project.dir, "Pulumi.yaml")} \`config:\`${suggestion(full, declared)}; the program may not read it.`,
      );
      continue;
    }
    if (!providerVariables.has(namespace)) {
      providerVariables.set(namespace, providerConfigVariables(namespace, project.programDir));
    }
    const variables = providerVariables.get(namespace);
    if (variables === undefined) {
      warnings.push(
        `--stack-config ${file}: ${full} cannot be checked: no installed @pulumi/${namespace} package declares the \`${namespace}:\` namespace.`,
      );
    } else if (!variables.includes(name.split(".")[0])) {
      const known = variables.map((variable) => `${namespace}:${variable}`);
      warnings.push(
        `--stack-config ${file}: ${full} is not a config variable of @pulumi/${namespace}${suggestion(full, known)}; the provider ignores it.`,
      );
    }
  }
  return warnings;
}

function isStructured(value: unknown): boolean {
  return isPlainObject(value) || (Array.isArray(value) && value.some((element) => isPlainObject(element)));
}

function suggestion(key: string, candidates: readonly string[]): string {
  const nearest = closest(key, candidates as string[]);
  return nearest !== undefined && distance(key, nearest) <= Math.max(2, key.length / 4)
    ? ` (did you mean ${nearest}?)`
    : "";
}

/** The config variables a provider's Node.js SDK declares (`export declare const <name>` in config/vars.d.ts). */
function providerConfigVariables(namespace: string, programDir: string): readonly string[] | undefined {
  let file: string;
  try {
    file = require.resolve(`@pulumi/${namespace}/config/vars.d.ts`, { paths: [programDir, __dirname] });
  } catch {
    return undefined;
  }
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/^export declare const (\w+)/gm)].map((match) => match[1]);
}

function readYaml(file: string, missing: string): Record<string, unknown> | undefined | null {
  const text = readInputFile(file, file, missing);
  try {
    return yaml.load(text, { filename: file }) as Record<string, unknown> | undefined | null;
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? "syntax error";
    const line = (error as { mark?: { line?: number } }).mark?.line;
    throw new UnusableInputError(
      `${file}: not valid YAML (${reason}${line === undefined ? "" : ` at line ${line + 1}`})`,
    );
  }
}

/** Keys without a namespace belong to the project, as `pulumi config set` writes them. */
function namespaced(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** The engine passes every config value as text; structured values as JSON. */
function configText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
