/**
 * The one patch of @cloud-copilot/iam-policy's internals, written against
 * PATCHED_IAM_POLICY_VERSION (tests/unit/iam-policy-internals.spec.ts pins it and checks that the
 * patched functions answer as the originals did).
 *
 * The library compares condition operators (the `IfExists` suffix, `ForAnyValue:`, ...) without
 * case through `localeCompare(other, undefined, { sensitivity: "accent" })`, which builds an ICU
 * collator on every call (about 20 µs), several times per condition per simulated request: on a
 * stack with a key (and a key policy) per workspace that was a sixth of the pack's AnalyzeStack
 * time. ECMA-402 defines that call as comparing with `new Intl.Collator(undefined, options)`
 * (String.prototype.localeCompare, "Let collator be ? Construct(%Collator%, « locales, options »)"),
 * so one collator built once, with the same options, gives the very same answers.
 */
import * as path from "path";

/** The @cloud-copilot/iam-policy version whose utils.js this patch was checked against. */
export const PATCHED_IAM_POLICY_VERSION = "0.1.109";

interface CaseInsensitiveUtils {
  caseInsensitiveEquals(first: string, second: string): boolean;
  caseInsensitiveEndsWith(value: string, suffix: string): boolean;
}

/** The utils module of every copy of the library that the pack or the simulator loads. */
export function iamPolicyUtilsModules(): CaseInsensitiveUtils[] {
  const fromSimulator = path.dirname(require.resolve("@cloud-copilot/iam-simulate"));
  const entries = new Set([
    require.resolve("@cloud-copilot/iam-policy"),
    require.resolve("@cloud-copilot/iam-policy", { paths: [fromSimulator] }),
  ]);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module the library's own files use
  return [...entries].map((entry) => require(path.join(path.dirname(entry), "utils.js")));
}

let patched = false;

/** Makes the library's case-insensitive comparisons reuse one collator (see the header). */
export function shareCaseInsensitiveCollator(): void {
  if (patched) return;
  patched = true;
  const collator = new Intl.Collator(undefined, { sensitivity: "accent" });
  for (const utils of iamPolicyUtilsModules()) {
    // Another layout: leave it as it is (slower, still correct).
    if (
      typeof utils.caseInsensitiveEquals !== "function" ||
      typeof utils.caseInsensitiveEndsWith !== "function"
    )
      continue;
    utils.caseInsensitiveEquals = (first, second) => collator.compare(first, second) === 0;
    utils.caseInsensitiveEndsWith = (value, suffix) =>
      collator.compare(value.slice(suffix.length * -1), suffix) === 0;
  }
}
