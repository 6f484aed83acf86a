/**
 * "Did you mean ...?" for a misspelt name in the pack config: the nearest names by edit distance
 * (fastest-levenshtein), so that a message names a few candidates instead of all of them.
 */
import { distance } from "fastest-levenshtein";

const SUGGESTED = 3;

/** Up to three candidates close to `name` (nearest first); none when nothing is close. */
export function nearestNames(name: string, candidates: Iterable<string>): string[] {
  const wanted = name.toLowerCase();
  // Close enough: about one edit in three characters, or a name that contains the typed one.
  const tolerance = Math.max(2, Math.floor(wanted.length / 3));
  return [...candidates]
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const edits = distance(wanted, lower);
      const contains = wanted.length >= 4 && lower.includes(wanted);
      return { candidate, edits, close: edits <= tolerance || contains };
    })
    .filter((scored) => scored.close)
    .sort((a, b) => a.edits - b.edits || a.candidate.localeCompare(b.candidate))
    .slice(0, SUGGESTED)
    .map((scored) => scored.candidate);
}

/** `; did you mean "a" or "b"?`, or "" when no candidate is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const names = nearestNames(name, candidates).map((n) => JSON.stringify(n));
  if (names.length === 0) return "";
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
  return `; did you mean ${listed}?`;
}
