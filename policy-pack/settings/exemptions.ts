/**
 * Exemptions: a team's documented decision that a policy's finding on a resource is accepted for a
 * while. Each one names the resource (its exact name, or a URN pattern with an exact name), the
 * policies, a reason and an expiry date at most `maxExemptionDays` ahead. An exempted finding is
 * still reported, as exempted; once the date has passed the exemption no longer applies and the
 * finding says so. Patterns are matched against the resource's URN or name only, never against
 * property values, in time linear in their length.
 */
import type { ConfigErrors } from "./pack-config";
import { isPlainObject } from "../facts/values";

export interface Exemption {
  /** As configured: an exact resource name, or a URN whose stack, project and type parts may use `*`. */
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

/**
 * Matches `text` against a glob whose only wildcard is `*` (any run of characters), in time linear
 * in the lengths of both: the first and last literal parts anchor the ends, and each middle part
 * is found by a Knuth-Morris-Pratt scan from where the previous one ended (the leftmost match is
 * always safe for `*`-only globs). `counter.steps` counts character comparisons, so that a test
 * can bound the work without timing it.
 */
export function globMatches(glob: string, text: string, counter: { steps: number } = { steps: 0 }): boolean {
  const parts = glob.split("*");
  if (parts.length === 1) {
    counter.steps += Math.min(glob.length, text.length) + 1;
    return glob === text;
  }
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (first.length + last.length > text.length) return false;
  counter.steps += first.length + last.length;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let position = first.length;
  const end = text.length - last.length;
  for (const part of parts.slice(1, -1)) {
    if (part === "") continue;
    const found = kmpIndexOf(text, part, position, end, counter);
    if (found < 0) return false;
    position = found + part.length;
  }
  return true;
}

/** The first index >= from at which `part` occurs wholly before `end`, or -1. */
function kmpIndexOf(
  text: string,
  part: string,
  from: number,
  end: number,
  counter: { steps: number },
): number {
  const failure = new Array<number>(part.length).fill(0);
  for (let i = 1, k = 0; i < part.length; i++) {
    while (k > 0 && part[i] !== part[k]) {
      k = failure[k - 1];
      counter.steps++;
    }
    counter.steps++;
    if (part[i] === part[k]) k++;
    failure[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && text[i] !== part[k]) {
      k = failure[k - 1];
      counter.steps++;
    }
    counter.steps++;
    if (text[i] === part[k]) k++;
    if (k === part.length) return i - part.length + 1;
  }
  return -1;
}

/**
 * A Pulumi URN's parts: `urn:pulumi:<stack>`, project, type, and the resource name (everything
 * after the third `::`, since a name may itself contain `::`). Undefined when it has fewer parts.
 */
function urnParts(urn: string): [string, string, string, string] | undefined {
  const parts: string[] = [];
  let rest = urn;
  for (let i = 0; i < 3; i++) {
    const separator = rest.indexOf("::");
    if (separator < 0) return undefined;
    parts.push(rest.slice(0, separator));
    rest = rest.slice(separator + 2);
  }
  return [parts[0], parts[1], parts[2], rest];
}

const URN_PREFIX = "urn:pulumi:";

/**
 * Why a `resource` pattern is refused, or undefined when it is accepted. A pattern names exactly
 * one resource name, so that no pattern can cover every resource or a name not written yet: an
 * exact resource name (no `*`), or a URN whose stack, project and type parts may use `*` (each
 * within its own part) and whose name part is exact.
 */
export function patternProblem(pattern: string): string | undefined {
  if (!pattern.startsWith("urn:")) {
    return pattern.includes("*")
      ? "an exact resource name: `*` is allowed only in the stack, project or type part of a URN"
      : undefined;
  }
  const parts = urnParts(pattern);
  if (!pattern.startsWith(URN_PREFIX) || parts === undefined) {
    return "a URN urn:pulumi:<stack>::<project>::<type>::<name>, `*` allowed in all but the name";
  }
  if (parts[3] === "" || parts[3].includes("*")) {
    return "a URN whose name part (after the third `::`) is an exact resource name, without `*`";
  }
  return undefined;
}

/**
 * Whether an exemption names the resource: a pattern starting with `urn:` is matched against the
 * resource's URN, part by part; any other pattern is the resource's exact name.
 */
export function matchesResource(exemption: Pick<Exemption, "resource">, resource: ResourceRef): boolean {
  const pattern = exemption.resource;
  if (!pattern.startsWith("urn:")) return pattern === resource.name;
  const wanted = urnParts(pattern);
  const actual = urnParts(resource.urn);
  if (wanted === undefined || actual === undefined || wanted[3] !== actual[3]) return false;
  return wanted.slice(0, 3).every((glob, i) => globMatches(glob, actual[i]));
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
    "Accepted findings: each names a resource (its exact name, or a URN whose stack, project and type parts may use `*`), the policies, a reason and the last day it applies (YYYY-MM-DD, UTC, at most maxExemptionDays ahead).",
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

const DAY_MS = 24 * 60 * 60 * 1000;

/** A letter, digit, punctuation mark or symbol: zero-width and other invisible characters are not. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** How far ahead an exemption may run, and from when (Configure time). */
export interface ExemptionLimits {
  readonly maxDays: number;
  readonly now: number;
}

/**
 * Validates the `exemptions` setting. Every problem names the entry and key; `exemptable` is the
 * set of policy names an exemption may name.
 */
export function parseExemptions(
  raw: unknown,
  exemptable: ReadonlySet<string>,
  errors: ConfigErrors,
  limits: ExemptionLimits,
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
      scoped.add("resource", "a resource name, or a URN pattern with an exact name");
    } else {
      const problem = patternProblem(resource);
      if (problem !== undefined) scoped.add("resource", problem);
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
    if (typeof reason !== "string" || !VISIBLE.test(reason)) {
      scoped.add(
        "reason",
        "a non-empty reason with visible text: every exemption must say why the finding is accepted",
      );
    }
    const endsAt = typeof expires === "string" ? endOfDay(expires) : undefined;
    if (endsAt === undefined) {
      scoped.add("expires", "a date YYYY-MM-DD (the last day the exemption applies)");
    } else {
      const latest = Math.floor(limits.now / DAY_MS) * DAY_MS + (limits.maxDays + 1) * DAY_MS;
      if (endsAt > latest) {
        const lastDay = new Date(latest - DAY_MS).toISOString().slice(0, 10);
        scoped.add(
          "expires",
          `a date at most maxExemptionDays (${limits.maxDays}) days from today, i.e. ${lastDay} or earlier`,
        );
      }
    }
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
