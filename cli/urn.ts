/**
 * Pulumi URNs: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the qualified type
 * is the parent's type chain joined with `$` and the name may itself contain `::`.
 */
const PREFIX = "urn:pulumi:";

export interface ParsedUrn {
  readonly stack: string;
  readonly project: string;
  /** The resource's own type: the last link of the qualified type. */
  readonly type: string;
  readonly name: string;
}

export function parseUrn(urn: string): ParsedUrn | undefined {
  if (!urn.startsWith(PREFIX)) return undefined;
  const parts = urn.slice(PREFIX.length).split("::");
  if (parts.length < 4 || parts.slice(0, 3).some((part) => part === "")) return undefined;
  const [stack, project, qualifiedType, ...name] = parts;
  return { stack, project, type: qualifiedType.split("$").pop()!, name: name.join("::") };
}

/** Splits a provider reference (`<provider URN>::<provider id>`) into its URN. */
export function providerReferenceUrn(reference: string): string | undefined {
  const separator = reference.lastIndexOf("::");
  if (separator < 0) return undefined;
  const urn = reference.slice(0, separator);
  return parseUrn(urn) === undefined ? undefined : urn;
}

export function isProviderType(type: string): boolean {
  return type.startsWith("pulumi:providers:");
}
