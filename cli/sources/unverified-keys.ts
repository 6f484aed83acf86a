/**
 * Guarded resources whose key this run could not judge: the key reference is a value the input
 * does not hold (a secret the stack file does not carry, or a data source lookup that the offline
 * `preview` answers with an unknown), and no key of the stack explains it (the pack's own key
 * tracing finds none). A gate must not call such a run PASSED: each becomes a finding, and the
 * verdict is "not verified" (see Summary.verdict).
 */
import type { ResourceSpec } from "../engine/pack-client";
import type { UnreadableKeyReference } from "./pack-input";
import { traceStack } from "../../policy-pack/facts/key-tracing";

export interface UnverifiedKeyOptions {
  /** Whether the input hid the value at this path of this resource (true: any unknown counts). */
  readonly hides: (urn: string, path: readonly string[]) => boolean;
  /** Why the value could not be read, completing "`<property>` is ..." (e.g. "a secret this file does not hold"). */
  readonly why: string;
  /** The remedy, shown as the finding's fix. */
  readonly remedy: string;
}

export function unverifiedKeyReferences(
  stackResources: readonly ResourceSpec[],
  options: UnverifiedKeyOptions,
): UnreadableKeyReference[] {
  const traces = traceStack(
    stackResources.map((resource) => ({
      type: resource.type,
      urn: resource.urn!,
      name: resource.name,
      props: resource.properties,
      propertyDependencies: resource.propertyDependencies ?? {},
    })),
  );
  return traces
    .filter(
      ({ resource, type, trace }) =>
        trace.kind === "unresolved" && options.hides(resource.urn, type.keyProperty),
    )
    .map(({ resource, type }) => {
      const property = type.keyProperty.join(".");
      return {
        urn: resource.urn,
        property,
        message:
          `${type.displayName} '${resource.name}': \`${property}\` is ${options.why}, and no key of the stack explains it, so its key was not judged.\n` +
          `Fix: ${options.remedy}.`,
      };
    });
}
