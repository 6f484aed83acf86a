/** A calendar date `days` from today (UTC), as exemptions spell it (expiries must stay within maxExemptionDays). */
export function inDays(days: number): string {
  return new Date(Date.now() + days * 24 * 3600 * 1000).toISOString().slice(0, 10);
}
