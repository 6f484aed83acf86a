import type { Report } from "./report";

/** The report as data (see cli/report/report.ts for its fields; `reportVersion` changes when they do). */
export function formatJson(report: Report): string {
  return JSON.stringify(report, null, 2) + "\n";
}
