import type { ResourceSpec } from "../engine/pack-client";

/** Where the resources came from, as the report names it. */
export type SourceKind = "program" | "stack-export" | "preview-json" | "aws-accounts";

/**
 * What one run sends to the pack, whatever the front end: the engine calls Analyze once per
 * resource (with its inputs) and AnalyzeStack once with every resource (with its outputs).
 */
export interface PackInput {
  readonly sourceKind: SourceKind;
  /** The file or folder the resources came from, as the user named it. */
  readonly source: string;
  readonly project: string;
  readonly stack: string;
  /** Stack configuration, as the engine hands it to the pack in PULUMI_CONFIG. */
  readonly stackConfig: Record<string, string>;
  /** Analyze requests, one per resource (providers excluded, as the engine does). */
  readonly resources: readonly ResourceSpec[];
  /** The AnalyzeStack request's resources. */
  readonly stackResources: readonly ResourceSpec[];
  /**
   * Whether the values are final (a deployed stack's state: the pack judges as at `pulumi up`,
   * and a value it cannot read is NOT VERIFIED) or may still change (a preview).
   */
  readonly valuesFinal: boolean;
  /** Things the user should know about the input (shown on stderr and in the report). */
  readonly warnings: readonly string[];
  /**
   * At preview only: guarded key references the input hides (a secret the file does not hold, a
   * lookup the offline preview cannot answer) and that the stack does not explain: the run cannot
   * say the stack passed (see Summary.verdict "unverified"). With final values the pack itself
   * reports them (`cmk-unverifiable`).
   */
  readonly unreadableKeyReferences?: readonly UnreadableKeyReference[];
  /** Finds the line of a resource in the source file (for SARIF locations); 1 when unknown. */
  lineOf(urn: string): number;
}

export interface UnreadableKeyReference {
  readonly urn: string;
  /** The key property, dotted (e.g. `kmsKeyIdentifier`). */
  readonly property: string;
  /** What could not be read and the remedy, ending with a `Fix:` line like the pack's messages. */
  readonly message: string;
}
