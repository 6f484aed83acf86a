/**
 * How hard the fuzz and property tests search. `npm test` runs a quick but meaningful sample;
 * `npm run test:deep` (TEST_DEPTH=deep) runs the full counts, as before a release or after
 * changing a rule, the key tracing or the engine adapter.
 */
export const DEEP = process.env.TEST_DEPTH === "deep";

/** The count for this run: `deep` under `npm run test:deep`, else `quick`. */
export function depth(deep: number, quick: number): number {
  return DEEP ? deep : quick;
}
