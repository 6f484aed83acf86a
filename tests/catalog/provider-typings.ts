/**
 * Reads the installed @pulumi/aws and @pulumi/aws-native typings without loading either provider's
 * index: one resource module per type (for its static `__pulumiType`), and the `.d.ts` files parsed
 * with the TypeScript compiler API (for its Args interface and the nested input types it names).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import type { ProviderPackage } from "../../policy-pack/catalog/bedrock-resources";

export interface TypedResource {
  readonly token: string;
  readonly provider: ProviderPackage;
  readonly argsType: string;
}

const packageDir = (provider: ProviderPackage): string =>
  path.dirname(require.resolve(`@pulumi/${provider}/package.json`));

/** `aws:bedrock/agentAgent:AgentAgent` -> `bedrock/agentAgent`; `aws-native:bedrock:Agent` -> `bedrock/agent`. */
export function moduleOf(resource: TypedResource): string {
  const [, module, className] = resource.token.split(":");
  if (resource.provider === "aws") return module;
  return `${module}/${className.charAt(0).toLowerCase()}${className.slice(1)}`;
}

/** The class's static `__pulumiType`, read from its own module file. */
export function pulumiTypeOf(resource: TypedResource): unknown {
  const className = resource.token.split(":")[2];
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- one module, not the provider's index
  const exports = require(`@pulumi/${resource.provider}/${moduleOf(resource)}`) as Record<string, unknown>;
  const ctor = exports[className] as { __pulumiType?: unknown } | undefined;
  return ctor?.__pulumiType;
}

const sourceCache = new Map<string, ts.SourceFile>();

function parse(file: string, text: string): ts.SourceFile {
  const cached = sourceCache.get(file);
  if (cached) return cached;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  sourceCache.set(file, source);
  return source;
}

function interfaceIn(
  statements: ts.NodeArray<ts.Statement>,
  name: string,
): ts.InterfaceDeclaration | undefined {
  return statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
  );
}

/** One namespace of types/input.d.ts, cut out before parsing (the whole file is ~6 MB). */
function inputInterface(
  provider: ProviderPackage,
  namespace: string,
  name: string,
): ts.InterfaceDeclaration | undefined {
  const file = path.join(packageDir(provider), "types", "input.d.ts");
  const key = `${file}#${namespace}`;
  let source = sourceCache.get(key);
  if (!source) {
    const text = fs.readFileSync(file, "utf8");
    const start = text.indexOf(`\nexport declare namespace ${namespace} {`);
    if (start < 0) return undefined;
    const end = text.indexOf("\nexport declare namespace ", start + 1);
    source = parse(key, text.slice(start, end < 0 ? undefined : end));
  }
  const module = source.statements.find(ts.isModuleDeclaration);
  const body = module?.body;
  return body && ts.isModuleBlock(body) ? interfaceIn(body.statements, name) : undefined;
}

function argsInterface(resource: TypedResource): ts.InterfaceDeclaration | undefined {
  const file = path.join(packageDir(resource.provider), `${moduleOf(resource)}.d.ts`);
  if (!fs.existsSync(file)) return undefined;
  return interfaceIn(parse(file, fs.readFileSync(file, "utf8")).statements, resource.argsType);
}

/**
 * Follows `path` through the Args interface and the nested input types it references; returns
 * undefined when the path exists, else a description of where it breaks.
 */
export function brokenPath(resource: TypedResource, propertyPath: readonly string[]): string | undefined {
  let current = argsInterface(resource);
  if (!current) return `${resource.argsType} not found in ${moduleOf(resource)}.d.ts`;
  for (const [index, segment] of propertyPath.entries()) {
    const member = current.members.find(
      (m): m is ts.PropertySignature =>
        ts.isPropertySignature(m) &&
        (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) &&
        m.name.text === segment,
    );
    if (!member) return `${current.name.text} has no property \`${segment}\``;
    if (index === propertyPath.length - 1) return undefined;
    const typeText = member.type?.getText(member.getSourceFile()) ?? "";
    // A nested object input: `pulumi.Input<inputs.<namespace>.<Name> | undefined>` (not a list of them).
    const nested = /^pulumi\.Input<inputs\.(\w+)\.(\w+)(?: \| undefined)?>$/.exec(typeText);
    if (!nested) return `\`${segment}\` of ${current.name.text} is not a nested object input (${typeText})`;
    current = inputInterface(resource.provider, nested[1], nested[2]);
    if (!current) return `input type ${nested[1]}.${nested[2]} not found`;
  }
  return undefined;
}
