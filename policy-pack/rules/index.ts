import type { ResourceFamily } from "../catalog";
import type { Rule } from "../rule";
import { cmkKeyForm } from "./cmk-key-form";
import { cmkRegion } from "./cmk-region";
import { cmkRequired } from "./cmk-required";
import type { KeyReferenceInput } from "./key-reference-input";

/** The rules every guarded resource's key reference must pass, in reporting order. */
export function keyReferenceRules(family: ResourceFamily): Rule<KeyReferenceInput>[] {
  return [cmkRequired(family), cmkKeyForm(family), cmkRegion(family)];
}
