/**
 * What the engine answers for a data source that only AWS could answer: a result whose every
 * property is unknown. An empty result would read as "absent" (`getAliasOutput(...).targetKeyArn`
 * undefined, so a workspace key "not set"): a lookup's result is not known offline, it is never
 * missing. The SDK turns each unknown property into an unknown Output in preview, which the engine
 * then sends to the pack as the unknown sentinel.
 *
 * The result's property names come from the provider SDK's own typings, resolved from the
 * program's folder as the program resolves them: `aws:kms/getAlias:getAlias` is declared by
 * `GetAliasResult` in `@pulumi/aws/kms/getAlias.d.ts`.
 */
import * as fs from "fs";
import * as path from "path";
import { UNKNOWN } from "./pack-client";
import { packageOf } from "./simulated-cloud";

/** A result with every property unknown, or an error saying why the result's shape is not known. */
export function unknownResult(token: string, programDir: string): Record<string, unknown> {
  const names = resultPropertyNames(token, programDir);
  return Object.fromEntries(names.map((name) => [name, UNKNOWN]));
}

const cache = new Map<string, string[]>();

function resultPropertyNames(token: string, programDir: string): string[] {
  const key = `${programDir}\0${token}`;
  const known = cache.get(key);
  if (known) return known;
  const [, module = "", fn = ""] = token.split(":");
  const npmPackage = `@pulumi/${packageOf(token)}`;
  const cannot = (why: string) =>
    new Error(
      `the data source ${token} cannot be answered offline, and ${why}, so its result cannot be marked unknown`,
    );
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve(`${npmPackage}/package.json`, { paths: [programDir] }));
  } catch {
    throw cannot(`${npmPackage} is not installed in the program's folder`);
  }
  const folder = module.split("/")[0];
  const typings = path.join(packageDir, folder === "index" ? "" : folder, `${fn}.d.ts`);
  const interfaceName = `${fn.charAt(0).toUpperCase()}${fn.slice(1)}Result`;
  let text: string;
  try {
    text = fs.readFileSync(typings, "utf8");
  } catch {
    throw cannot(`${path.relative(programDir, typings)} does not exist`);
  }
  const body = new RegExp(`export interface ${interfaceName} \\{\\n([\\s\\S]*?)\\n\\}`).exec(text)?.[1];
  // Members of the interface itself are indented once; nested object types deeper.
  const names = [...(body ?? "").matchAll(/^ {4}readonly (\w+)\??:/gm)].map((match) => match[1]);
  if (names.length === 0) throw cannot(`${path.basename(typings)} declares no ${interfaceName}`);
  cache.set(key, names);
  return names;
}
