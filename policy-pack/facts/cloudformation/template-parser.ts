/**
 * Reads a CloudFormation template (or a Cloud Control `desiredState`) as CloudFormation does:
 * JSON or YAML, with YAML's short-form intrinsic tags (`!Ref`, `!GetAtt`, `!Sub`, ...) turned into
 * their long form (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`). Duplicate keys are refused rather than
 * resolved (JSON.parse would keep the last one: a second key could hide the first from the guard).
 * YAML's core schema only: no timestamps or other implicit types CloudFormation does not have.
 */
import * as yaml from "js-yaml";
import { isPlainObject } from "../values";

/** Longer than any template CloudFormation accepts inline (51,200 bytes) or a sane body (1 MB). */
export const MAX_TEMPLATE_CHARACTERS = 1_000_000;

/** The intrinsic functions CloudFormation's YAML short form has a tag for. */
const FUNCTIONS = [
  "And",
  "Base64",
  "Cidr",
  "Equals",
  "FindInMap",
  "ForEach",
  "GetAZs",
  "GetAtt",
  "If",
  "ImportValue",
  "Join",
  "Length",
  "Not",
  "Or",
  "Select",
  "Split",
  "Sub",
  "ToJsonString",
  "Transform",
] as const;

/** `!GetAtt Resource.Attribute`: the attribute may itself contain dots (`Endpoint.Address`). */
function getAttOf(data: unknown): unknown {
  if (typeof data !== "string") return data;
  const dot = data.indexOf(".");
  return dot < 0 ? [data] : [data.slice(0, dot), data.slice(dot + 1)];
}

function intrinsicTypes(): yaml.Type[] {
  const kinds = ["scalar", "sequence", "mapping"] as const;
  const types: yaml.Type[] = [];
  for (const kind of kinds) {
    types.push(new yaml.Type("!Ref", { kind, construct: (data: unknown) => ({ Ref: data }) }));
    types.push(new yaml.Type("!Condition", { kind, construct: (data: unknown) => ({ Condition: data }) }));
    for (const name of FUNCTIONS) {
      const construct =
        name === "GetAtt"
          ? (data: unknown) => ({ "Fn::GetAtt": getAttOf(data) })
          : (data: unknown) => ({ [`Fn::${name}`]: data });
      types.push(new yaml.Type(`!${name}`, { kind, construct }));
    }
  }
  return types;
}

const SCHEMA = yaml.CORE_SCHEMA.extend(intrinsicTypes());

export type ParsedTemplate =
  | { readonly ok: true; readonly document: Record<string, unknown> }
  /** Why it cannot be read; never quotes the text (it may hold secrets). */
  | { readonly ok: false; readonly problem: string };

/** Parses a template body or desiredState: a JSON or YAML text, or an already parsed object. */
export function parseTemplate(body: unknown): ParsedTemplate {
  if (isPlainObject(body)) return { ok: true, document: body };
  if (typeof body !== "string") return { ok: false, problem: "is neither a JSON/YAML text nor an object" };
  if (body.length > MAX_TEMPLATE_CHARACTERS)
    return { ok: false, problem: `is longer than ${MAX_TEMPLATE_CHARACTERS} characters` };
  let document: unknown;
  try {
    document = yaml.load(body, { schema: SCHEMA });
  } catch (error) {
    const line = error instanceof yaml.YAMLException ? ` (line ${error.mark.line + 1})` : "";
    const reason = error instanceof yaml.YAMLException ? error.reason : "unreadable";
    // The reason is js-yaml's own wording ("duplicated mapping key", ...), never a template excerpt.
    return { ok: false, problem: `is not valid JSON or YAML${line}: ${reason}` };
  }
  if (!isPlainObject(document)) return { ok: false, problem: "is not a JSON object or YAML mapping" };
  return { ok: true, document };
}
