/** How many times slower than idle this machine runs now (1 when idle). */
export function loadFactor(): number;
/** `idleMs` (a budget that fits an idle machine) stretched by the current load. */
export function patient(idleMs: number): number;
