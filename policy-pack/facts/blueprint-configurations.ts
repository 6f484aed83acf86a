/**
 * How many environment blueprint configurations of a stack enable blueprints in each DataZone
 * domain: those whose domain property comes from the domain (property dependencies, at preview) or
 * holds its id, and, to keep the EnableBedrock advisory rather than drop it, those whose domain is
 * not known. Indexed once per stack, so a stack of many domains costs one pass, not one per domain.
 */
import { BLUEPRINT_CONFIGURATION_TYPES } from "../catalog/workspace-blueprints";
import type { StackResource } from "./key-tracing";
import { readPath, UNKNOWN } from "./values";

export type BlueprintCounter = (domain: StackResource) => number;

export function countBlueprintConfigurations(resources: readonly StackResource[]): BlueprintCounter {
  /** Each configuration once, under every domain URN or id it may name. */
  const byDomain = new Map<string, Set<StackResource>>();
  let ofUnknownDomain = 0;
  for (const resource of resources) {
    const type = BLUEPRINT_CONFIGURATION_TYPES.find((t) => t.token === resource.type);
    if (type === undefined) continue;
    let unknownDomain = false;
    for (const property of type.domainProperties) {
      for (const urn of resource.propertyDependencies[property] ?? []) add(byDomain, `urn:${urn}`, resource);
      const value = readPath(resource.props, [property]);
      if (value === UNKNOWN) unknownDomain = true;
      else if (typeof value === "string" && value !== "") add(byDomain, `id:${value}`, resource);
    }
    if (unknownDomain) ofUnknownDomain++;
  }
  return (domain) => {
    const domainId = readPath(domain.props, ["id"]);
    const named = new Set(byDomain.get(`urn:${domain.urn}`));
    if (typeof domainId === "string" && domainId !== "")
      for (const resource of byDomain.get(`id:${domainId}`) ?? []) named.add(resource);
    // A configuration whose domain is not known is counted once, whether or not it also names one.
    let unknownCounted = ofUnknownDomain;
    for (const resource of named) if (hasUnknownDomain(resource)) unknownCounted--;
    return named.size + unknownCounted;
  };
}

function hasUnknownDomain(resource: StackResource): boolean {
  const type = BLUEPRINT_CONFIGURATION_TYPES.find((t) => t.token === resource.type);
  return type?.domainProperties.some((p) => readPath(resource.props, [p]) === UNKNOWN) ?? false;
}

function add(index: Map<string, Set<StackResource>>, key: string, resource: StackResource): void {
  const set = index.get(key);
  if (set === undefined) index.set(key, new Set([resource]));
  else set.add(resource);
}
