/**
 * Exemptions: a team's documented decision that a policy's finding on a resource is accepted for a
 * while. Each one names the resource (a URN or a name pattern), the policies, the reason and the
 * expiry date. An exempted finding is still reported, as exempted; once the date has passed the
 * exemption no longer applies and the finding says so.
 */
import type { ConfigErrors } from "./config";
import { isPlainObject } from "./values";

export interface Exemption {
  /** As configured: a URN or a resource name, `*` matching any run of characters. */
  readonly resource: string;
  readonly policies: readonly string[];
  readonly reason: string;
  /** As configured: `YYYY-MM-DD`, the last day on which the exemption applies (UTC). */
  readonly expires: string;
  /** The first instant (ms since epoch) at which the exemption no longer applies. */
  readonly endsAt: number;
}

/** A resource a finding is about, as exemptions match it. */
export interface ResourceRef {
  readonly urn: string;
  readonly name: string;
}

export type ExemptionStatus =
  | { readonly kind: "none" }
  | { readonly kind: "active"; readonly exemption: Exemption }
  | { readonly kind: "expired"; readonly exemption: Exemption };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The end of the given calendar day (UTC), or undefined for anything that is not a real date. */
export function endOfDay(text: string): number | undefined {
  const match = DATE.exec(text);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = Date.UTC(year, month - 1, day);
  const date = new Date(start);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return start + 24 * 60 * 60 * 1000;
}

const patternCache = new Map<string, RegExp>();
function pattern(text: string): RegExp {
  let compiled = patternCache.get(text);
  if (compiled === undefined) {
    const source = text
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    compiled = new RegExp(`^${source}$`);
    patternCache.set(text, compiled);
  }
  return compiled;
}

/** A pattern starting with `urn:` matches URNs; any other matches resource names. */
export function matchesResource(exemption: Pick<Exemption, "resource">, resource: ResourceRef): boolean {
  const subject = exemption.resource.startsWith("urn:") ? resource.urn : resource.name;
  return pattern(exemption.resource).test(subject);
}

/**
 * The exemption that covers a finding of `policy` about any of `resources` (a stack finding is
 * about the guarded resource and its key): an active one first, else an expired one.
 */
export function exemptionFor(
  exemptions: readonly Exemption[],
  policy: string,
  resources: readonly ResourceRef[],
  now: number,
): ExemptionStatus {
  let expired: Exemption | undefined;
  for (const exemption of exemptions) {
    if (!exemption.policies.includes(policy)) continue;
    if (!resources.some((r) => matchesResource(exemption, r))) continue;
    if (now < exemption.endsAt) return { kind: "active", exemption };
    expired ??= exemption;
  }
  return expired === undefined ? { kind: "none" } : { kind: "expired", exemption: expired };
}

/** How an exempted finding reads (the reason is the team's own config text, not a property value). */
export function exemptedMessage(exemption: Exemption, policy: string, message: string): string {
  return `EXEMPTED until ${exemption.expires}: ${exemption.reason}\n[${policy}] ${message}`;
}

export function expiredNote(exemption: Exemption): string {
  return `\nThe exemption for this finding expired on ${exemption.expires} and no longer applies (reason given: ${exemption.reason}). Fix the finding, or renew the exemption with a new date.`;
}

export const EXEMPTIONS_SCHEMA = {
  type: "array",
  description:
    "Accepted findings: each names a resource (a URN or a name; `*` matches any characters), the policies, a reason and the last day it applies (YYYY-MM-DD, UTC).",
  items: {
    type: "object",
    properties: {
      resource: { type: "string", minLength: 1 },
      policies: { type: "array", items: { type: "string" }, minItems: 1 },
      reason: { type: "string", minLength: 1 },
      expires: { type: "string", pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" },
    },
    required: ["resource", "policies", "reason", "expires"],
    additionalProperties: false,
  },
} as const;

const EXEMPTION_KEYS = new Set(Object.keys(EXEMPTIONS_SCHEMA.items.properties));

/**
 * Validates the `exemptions` setting. Every problem names the entry and key; `exemptable` is the
 * set of policy names an exemption may name.
 */
export function parseExemptions(
  raw: unknown,
  exemptable: ReadonlySet<string>,
  errors: ConfigErrors,
): Exemption[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    errors.add("exemptions", "a list of { resource, policies, reason, expires }");
    return [];
  }
  const exemptions: Exemption[] = [];
  raw.forEach((entry: unknown, index) => {
    const scoped = errors.scoped(`exemptions[${index}]`);
    if (!isPlainObject(entry)) {
      scoped.add("(entry)", "an object { resource, policies, reason, expires }");
      return;
    }
    const before = errors.messages.length;
    for (const key of Object.keys(entry)) {
      if (!EXEMPTION_KEYS.has(key)) scoped.add(key, "only resource, policies, reason and expires");
    }
    const { resource, policies, reason, expires } = entry;
    if (typeof resource !== "string" || resource.trim() === "") {
      scoped.add("resource", "a resource URN or name pattern (`*` matches any characters)");
    }
    if (!Array.isArray(policies) || policies.length === 0) {
      scoped.add("policies", "a non-empty list of policy names");
    } else {
      for (const policy of policies) {
        if (typeof policy !== "string" || !exemptable.has(policy)) {
          scoped.add("policies", `names of policies in this pack (${[...exemptable].sort().join(", ")})`);
          break;
        }
      }
    }
    if (typeof reason !== "string" || reason.trim() === "") {
      scoped.add("reason", "a non-empty reason: every exemption must say why the finding is accepted");
    }
    const endsAt = typeof expires === "string" ? endOfDay(expires) : undefined;
    if (endsAt === undefined) scoped.add("expires", "a date YYYY-MM-DD (the last day the exemption applies)");
    if (errors.messages.length > before) return;
    exemptions.push({
      resource: resource as string,
      policies: policies as string[],
      reason: (reason as string).trim(),
      expires: expires as string,
      endsAt: endsAt!,
    });
  });
  return exemptions;
}
