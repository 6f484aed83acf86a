import { readPath, UNKNOWN } from "../facts/values";
import type { KeyReferenceInput } from "./key-reference-input";

/**
 * Whether the key-reference rules concern this resource at all, from the catalog's data: the
 * type's `appliesWhen` condition (e.g. only a managed knowledge base has a managed store) and its
 * `keyType` switch (the token vault's CustomerManagedKey / ServiceManagedKey).
 */
export type KeyApplicability =
  | { readonly kind: "applies" }
  | { readonly kind: "not-applicable"; readonly reason: string }
  | { readonly kind: "unknown"; readonly reason: string }
  /** The key-type switch selects something other than a customer-managed key. */
  | { readonly kind: "service-managed"; readonly property: string; readonly customerManaged: string };

const APPLIES: KeyApplicability = { kind: "applies" };

export function keyApplicability(input: KeyReferenceInput): KeyApplicability {
  const condition = input.type.appliesWhen;
  if (condition !== undefined) {
    const applies = condition.applies(input.props);
    if (applies === UNKNOWN) {
      return {
        kind: "unknown",
        reason: `the key applies only ${condition.description}, which is not known until the resources it depends on exist.`,
      };
    }
    if (!applies) {
      return {
        kind: "not-applicable",
        reason: `the key applies only ${condition.description}; this resource keeps no data in a store the key would encrypt.`,
      };
    }
  }
  const selector = input.type.keyType;
  if (selector !== undefined) {
    const keyType = readPath(input.props, selector.path);
    const property = selector.path.join(".");
    if (keyType === UNKNOWN) return { kind: "unknown", reason: `\`${property}\` is not known yet.` };
    if (keyType !== selector.customerManaged) {
      return { kind: "service-managed", property, customerManaged: selector.customerManaged };
    }
  }
  return APPLIES;
}
