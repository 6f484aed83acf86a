/**
 * Reads the two files a team already has for a stack, and turns them into what the engine would
 * send the pack, the way `pulumi policy analyze` does over a stack's state:
 * - `pulumi stack export`: an apitype.UntypedDeployment ({version, features?, deployment: {manifest,
 *   secrets_providers, resources: ResourceV3[]}}), or the file backend's checkpoint ({version,
 *   features?, checkpoint: {stack, config, latest: DeploymentV3}}). Version 3 is what Pulumi CLI v3
 *   writes; version 4 is the same DeploymentV3 with a `features` list, written as soon as a stack
 *   uses a feature that adds fields to its resources (taint, resource hooks, refreshBeforeUpdate,
 *   views...). The fields those features add say how Pulumi treats a resource at the next update,
 *   not what it is, so the pack reads a v4 resource's inputs and outputs as a v3 one's.
 * - `pulumi preview --json`: a display.PreviewDigest ({config, steps: [{op, urn, provider, oldState,
 *   newState: ResourceV3}], diagnostics, changeSummary}).
 * Analyze gets each resource's inputs and its provider (with the provider's inputs, e.g. `region`);
 * AnalyzeStack gets outputs, dependencies and propertyDependencies. Providers and resources pending
 * deletion are not analysed, as in the engine.
 */
import * as fs from "fs";
import { secret, UNKNOWN, type ProviderSpec, type ResourceSpec } from "../engine/pack-client";
import { readInputFile, UnusableInputError } from "../errors";
import type { PackInput, SourceKind, UnreadableKeyReference } from "./pack-input";
import { isProviderType, parseUrn, providerReferenceUrn } from "../urn";
import { unverifiedKeyReferences } from "./unverified-keys";
import { isPlainObject, isSecretWrapper } from "../../policy-pack/facts/values";

type Json = Record<string, unknown>;

/** apitype.ResourceV3, with the fields the pack needs. */
interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Json;
  readonly outputs: Json;
  readonly parent?: string;
  /** A provider reference: `<provider URN>::<provider id>`. */
  readonly provider?: string;
  readonly dependencies: string[];
  readonly propertyDependencies: Record<string, string[]>;
  /** Marked for deletion at the next update (a replaced resource not yet deleted). */
  readonly delete: boolean;
}

/** How `pulumi preview --json` writes every secret input and output (display.MassageSecrets). */
const BLINDED_SECRET = "[secret]";
/** Steps after which the resource no longer exists. */
const REMOVING_OPS = new Set([
  "delete",
  "delete-replaced",
  "discard",
  "discard-replaced",
  "read-discard",
  "remove-pending-replace",
]);

/**
 * Deployment schema versions this reader understands: 3 and 4 as written (apitype
 * DeploymentSchemaVersionCurrent/Latest), 1 and 2 as the Pulumi CLI reads them, migrated up to 3
 * (sdk/go/common/apitype/migrate): a version 1 resource has no provider and its `defaults` are
 * dropped; before version 3 no resource has property dependencies, so each input property depends
 * on all of the resource's dependencies.
 */
export const SUPPORTED_DEPLOYMENT_VERSIONS: readonly number[] = [1, 2, 3, 4];
/** The first version whose resources record property dependencies (ResourceV3). */
const PROPERTY_DEPENDENCIES_VERSION = 3;
/**
 * The v4 features whose fields are known not to change what the pack reads (inputs, outputs,
 * provider, dependencies): they record how Pulumi handles the resource at the next update. A
 * feature outside this list is still read, with a warning naming it.
 */
const UNDERSTOOD_FEATURES = new Set([
  "refreshBeforeUpdate",
  "hooks",
  "taint",
  "views",
  "replaceWith",
  "replacementTrigger",
  "snippets-prototype",
  "outputDependencies",
]);
/** The argument that makes `check` read standard input, as many commands do. */
export const STDIN = "-";

export function readStateFile(file: string): PackInput {
  const source = file === STDIN ? "<stdin>" : file;
  const text = file === STDIN ? readStandardInput() : readInputFile(file);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const yamlHint = /\.ya?ml$/i.test(source)
      ? "; `check` expects a stack export in JSON, made by `pulumi stack export --file stack.json` " +
        "(or a `pulumi preview --json` file); a Pulumi.<stack>.yaml is a stack config: preview it with " +
        "`bedrock-cmk-guard preview --stack-config FILE`"
      : "";
    throw new UnusableInputError(`${source}: not valid JSON (${(error as Error).message})${yamlHint}`);
  }
  return parseStateDocument(document, source, text);
}

export function parseStateDocument(document: unknown, file: string, text: string): PackInput {
  if (!isPlainObject(document)) throw unknownFormat(file);
  if ("deployment" in document || "checkpoint" in document) {
    const unknownFeatures = deploymentFeatures(document, file);
    const version = document.version as number;
    const input = fromState(
      "stack-export",
      deploymentResources(document, file, version),
      checkpointConfig(document),
      file,
      text,
    );
    const warnings: string[] = [];
    if (version < PROPERTY_DEPENDENCIES_VERSION)
      warnings.push(
        `deployment version ${version} (written by a Pulumi CLI of 2018 or before) was read as Pulumi migrates it to version 3: ` +
          "each input depends on all of a resource's dependencies" +
          (version === 1
            ? ", and no resource names its provider (the region comes from the stack's config)."
            : "."),
      );
    if (unknownFeatures.length > 0)
      warnings.push(
        `deployment feature(s) ${unknownFeatures.join(", ")} are unknown to this tool: resources were read by their inputs and outputs as in deployment version 3.`,
      );
    return warnings.length === 0 ? input : { ...input, warnings: [...warnings, ...input.warnings] };
  }
  if ("steps" in document || "changeSummary" in document) {
    return fromState("preview-json", previewResources(document, file), previewConfig(document), file, text);
  }
  throw unknownFormat(file);
}

function readStandardInput(): string {
  try {
    return fs.readFileSync(0, "utf8");
  } catch (error) {
    throw new UnusableInputError(
      `<stdin>: cannot read standard input (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

function unknownFormat(file: string): UnusableInputError {
  return new UnusableInputError(
    `${file}: not a \`pulumi stack export\` (deployment version ${SUPPORTED_DEPLOYMENT_VERSIONS.join(", ")}) or \`pulumi preview --json\` file`,
  );
}

/** Checks the deployment's schema version; returns the v4 features this tool does not know. */
function deploymentFeatures(document: Json, file: string): string[] {
  if (typeof document.version !== "number" || !SUPPORTED_DEPLOYMENT_VERSIONS.includes(document.version)) {
    throw new UnusableInputError(
      `${file}: deployment version ${JSON.stringify(document.version)} is not supported (supported: ${SUPPORTED_DEPLOYMENT_VERSIONS.join(", ")}; re-export the stack with a current Pulumi CLI)`,
    );
  }
  const features = document.features ?? [];
  if (!Array.isArray(features) || features.some((feature) => typeof feature !== "string")) {
    throw new UnusableInputError(`${file}: \`features\` is not a list of feature names`);
  }
  return (features as string[]).filter((feature) => !UNDERSTOOD_FEATURES.has(feature));
}

function deploymentResources(document: Json, file: string, version: number): StateResource[] {
  const deployment = "checkpoint" in document ? field(document.checkpoint, "latest") : document.deployment;
  if (deployment === undefined && "checkpoint" in document) return []; // a stack that was never deployed
  if (!isPlainObject(deployment)) throw new UnusableInputError(`${file}: \`deployment\` is not an object`);
  const resources = deployment.resources ?? [];
  if (!Array.isArray(resources))
    throw new UnusableInputError(`${file}: \`deployment.resources\` is not a list`);
  const read = (entry: unknown, where: string) => {
    const resource = stateResource(entry, where);
    return version >= PROPERTY_DEPENDENCIES_VERSION ? resource : migratedToV3(resource, version);
  };
  const live = resources
    .map((entry, index) => read(entry, `${file}: deployment.resources[${index}]`))
    .filter((resource) => !resource.delete);
  // An interrupted `pulumi up` leaves its operations in `pending_operations` (apitype.OperationV2):
  // a resource being created or imported may exist in AWS though `resources` lacks it, so it is judged.
  const pending = deployment.pending_operations ?? [];
  if (!Array.isArray(pending))
    throw new UnusableInputError(`${file}: \`deployment.pending_operations\` is not a list`);
  const known = new Set(live.map((resource) => resource.urn));
  pending.forEach((operation, index) => {
    if (!isPlainObject(operation) || !["creating", "importing"].includes(String(operation.type))) return;
    const state = read(operation.resource, `${file}: deployment.pending_operations[${index}].resource`);
    if (!known.has(state.urn)) live.push(state);
    known.add(state.urn);
  });
  return live;
}

/** A resource of deployment version 1 or 2 as Pulumi's migration to version 3 makes it (migrate.UpToResourceV3). */
function migratedToV3(resource: StateResource, version: number): StateResource {
  return {
    ...resource,
    // ResourceV1 had no first-class providers: UpToResourceV2 sets none.
    provider: version === 1 ? undefined : resource.provider,
    propertyDependencies: Object.fromEntries(
      Object.keys(resource.inputs).map((property) => [property, [...resource.dependencies]]),
    ),
  };
}

function previewResources(document: Json, file: string): StateResource[] {
  const steps = document.steps ?? [];
  if (!Array.isArray(steps)) throw new UnusableInputError(`${file}: \`steps\` is not a list`);
  const byUrn = new Map<string, StateResource>();
  steps.forEach((step, index) => {
    const where = `${file}: steps[${index}]`;
    if (!isPlainObject(step)) throw new UnusableInputError(`${where} is not an object`);
    if (typeof step.op !== "string") throw new UnusableInputError(`${where}.op is not a string`);
    if (REMOVING_OPS.has(step.op) || step.newState === undefined || step.newState === null) return;
    const state = stateResource(step.newState, `${where}.newState`);
    // The step's own provider reference stands in for a state that omits it.
    const provider = state.provider ?? (typeof step.provider === "string" ? step.provider : undefined);
    // A replacement appears as several steps with the same new state: keep one.
    if (!byUrn.has(state.urn)) byUrn.set(state.urn, { ...state, provider });
  });
  return [...byUrn.values()];
}

/**
 * A file backend's checkpoint keeps the stack's config (CheckpointV3.config); an encrypted value
 * (`{secure: ...}`) is left out, as the pack could not read it either.
 */
function checkpointConfig(document: Json): Record<string, string> {
  const config = field(document.checkpoint, "config");
  if (!isPlainObject(config)) return {};
  return Object.fromEntries(
    Object.entries(config).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

function previewConfig(document: Json): Record<string, string> {
  const config = isPlainObject(document.config) ? document.config : {};
  return Object.fromEntries(
    Object.entries(config).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

function stateResource(entry: unknown, where: string): StateResource {
  if (!isPlainObject(entry)) throw new UnusableInputError(`${where} is not an object`);
  if (typeof entry.urn !== "string") throw new UnusableInputError(`${where}.urn is not a string`);
  const urn = parseUrn(entry.urn);
  if (urn === undefined) throw new UnusableInputError(`${where}.urn is not a Pulumi URN`);
  return {
    urn: entry.urn,
    type: typeof entry.type === "string" ? entry.type : urn.type,
    name: urn.name,
    inputs: objectField(entry, "inputs", where),
    outputs: objectField(entry, "outputs", where),
    parent: typeof entry.parent === "string" && entry.parent !== "" ? entry.parent : undefined,
    provider: typeof entry.provider === "string" && entry.provider !== "" ? entry.provider : undefined,
    dependencies: urnList(entry.dependencies, `${where}.dependencies`),
    propertyDependencies: Object.fromEntries(
      Object.entries(objectField(entry, "propertyDependencies", where)).map(([property, urns]) => [
        property,
        urnList(urns, `${where}.propertyDependencies.${property}`),
      ]),
    ),
    delete: entry.delete === true,
  };
}

function objectField(entry: Json, key: string, where: string): Json {
  const value = entry[key];
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new UnusableInputError(`${where}.${key} is not an object`);
  return value;
}

function urnList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((urn) => typeof urn !== "string")) {
    throw new UnusableInputError(`${where} is not a list of URNs`);
  }
  return value as string[];
}

function field(value: unknown, key: string): unknown {
  return isPlainObject(value) ? value[key] : undefined;
}

function fromState(
  sourceKind: SourceKind,
  state: StateResource[],
  stackConfig: Record<string, string>,
  file: string,
  text: string,
): PackInput {
  const byUrn = new Map(state.map((resource) => [resource.urn, resource]));
  const secrets = new SecretCounter(sourceKind);
  const missingProviders = new Set<string>();
  const missingDependencies = new Set<string>();

  const providers = new Map<string, ProviderSpec>();
  const providerOf = (resource: StateResource): ProviderSpec | undefined => {
    if (resource.provider === undefined) return undefined;
    const urn = providerReferenceUrn(resource.provider);
    const provider = urn === undefined ? undefined : byUrn.get(urn);
    if (provider === undefined) {
      missingProviders.add(urn ?? resource.provider);
      return undefined;
    }
    // The engine hands the pack the provider's inputs (its configuration, e.g. `region`).
    if (!providers.has(provider.urn)) {
      providers.set(provider.urn, {
        type: provider.type,
        name: provider.name,
        urn: provider.urn,
        properties: secrets.translate(provider.inputs, provider.urn),
      });
    }
    return providers.get(provider.urn);
  };

  const analysed = state.filter((resource) => !isProviderType(resource.type));
  for (const resource of analysed) {
    for (const urn of [...resource.dependencies, ...Object.values(resource.propertyDependencies).flat()]) {
      if (!byUrn.has(urn)) missingDependencies.add(urn);
    }
  }
  const spec = (resource: StateResource, properties: Json): ResourceSpec => ({
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    properties: secrets.translate(properties, resource.urn),
    provider: providerOf(resource),
    parent: resource.parent,
    dependencies: resource.dependencies,
    propertyDependencies: resource.propertyDependencies,
  });
  const resources = analysed.map((resource) => spec(resource, resource.inputs));
  // AnalyzeStack sees final outputs; a preview step without outputs only has its inputs.
  const stackResources = analysed.map((resource) =>
    spec(resource, Object.keys(resource.outputs).length > 0 ? resource.outputs : resource.inputs),
  );

  // A deployed stack's state holds final values: the pack judges it as at `pulumi up`.
  const valuesFinal = sourceKind !== "preview-json";
  const unreadable = valuesFinal ? [] : unreadableKeyReferences(stackResources, secrets);
  const warnings: string[] = [...secrets.warnings()];
  const showSames =
    sourceKind === "preview-json"
      ? " Run `pulumi preview --json --show-sames` to include unchanged resources."
      : "";
  if (missingProviders.size > 0) {
    warnings.push(
      `${missingProviders.size} provider(s) referenced by resources are not in the file; those resources are judged with the region in the stack's config only.${showSames}`,
    );
  }
  if (missingDependencies.size > 0) {
    warnings.push(
      `${missingDependencies.size} resource(s) that others depend on are not in the file; keys among them cannot be traced.${showSames}`,
    );
  }
  const first = parseUrn(state[0]?.urn ?? "");
  return {
    sourceKind,
    source: file,
    project: first?.project ?? "unknown",
    stack: first?.stack ?? "unknown",
    stackConfig,
    resources,
    stackResources,
    valuesFinal,
    warnings,
    unreadableKeyReferences: unreadable,
    lineOf: (urn) => lineOf(text, urn),
  };
}

/**
 * Turns the state's secret forms into the engine's wire form. A secret whose value the file does
 * not hold (a stack export's `ciphertext`, a preview's blinded `[secret]`) reaches the pack as a
 * secret whose value is unknown: it cannot be judged, and must not look absent or like a value.
 */
class SecretCounter {
  /** Per resource, the property paths whose secret the file does not hold. */
  private readonly unreadable = new Map<string, string[][]>();
  constructor(private readonly sourceKind: SourceKind) {}

  translate(properties: Json, urn: string): Json {
    return this.value(properties, urn, []) as Json;
  }

  /** Whether the value at `path` of the resource sits inside a secret the file does not hold. */
  hides(urn: string, path: readonly string[]): boolean {
    return (this.unreadable.get(urn) ?? []).some(
      (hidden) => hidden.length <= path.length && hidden.every((segment, i) => segment === path[i]),
    );
  }

  private value(value: unknown, urn: string, path: string[]): unknown {
    if (this.sourceKind === "preview-json" && value === BLINDED_SECRET) return this.unknownSecret(urn, path);
    if (Array.isArray(value)) return value.map((element, i) => this.value(element, urn, [...path, `${i}`]));
    if (!isPlainObject(value)) return value;
    if (isSecretWrapper(value)) {
      if ("value" in value) return secret(this.value(value.value, urn, path));
      if (typeof value.plaintext === "string") {
        try {
          return secret(this.value(JSON.parse(value.plaintext), urn, path));
        } catch {
          return this.unknownSecret(urn, path);
        }
      }
      return this.unknownSecret(urn, path);
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, element]) => [key, this.value(element, urn, [...path, key])]),
    );
  }

  private unknownSecret(urn: string, path: string[]): unknown {
    this.unreadable.set(urn, [...(this.unreadable.get(urn) ?? []), path]);
    return secret(UNKNOWN);
  }

  warnings(): string[] {
    if (this.unreadable.size === 0) return [];
    const how =
      this.sourceKind === "preview-json"
        ? "`pulumi preview --json` blinds every secret as [secret]"
        : "export with `pulumi stack export --show-secrets` to let the pack read them";
    return [
      `Secret values of ${this.unreadable.size} resource(s) cannot be read and are treated as unknown (${how}); a key reference among them is traced through the stack, not read.`,
    ];
  }
}

/** Guarded resources of a preview whose key reference is a secret the file does not hold (see unverified-keys.ts). */
function unreadableKeyReferences(
  stackResources: readonly ResourceSpec[],
  secrets: SecretCounter,
): UnreadableKeyReference[] {
  return unverifiedKeyReferences(stackResources, {
    hides: (urn, path) => secrets.hides(urn, path),
    why: "a secret this file does not hold",
    remedy:
      "`pulumi preview --json` blinds every secret: check a `pulumi stack export --show-secrets` file instead",
  });
}

/** The 1-based line of the file that declares the resource (`"urn": "<urn>"`), for SARIF locations. */
function lineOf(text: string, urn: string): number {
  const quoted = JSON.stringify(urn).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const at = new RegExp(`"urn"\\s*:\\s*${quoted}`).exec(text)?.index ?? text.indexOf(JSON.stringify(urn));
  return at < 0 ? 1 : text.slice(0, at).split("\n").length;
}
