/**
 * The declarative fix of an audit, as files:
 * - a stack configuration for the sample stack (`Pulumi.<stack>.yaml`) with one workspace
 *   definition per non-compliant workspace (its name, description, version, region and tags, and
 *   its execution and service roles reused), so that `pulumi up` re-creates each one with a
 *   customer-managed key the stack creates;
 * - a `pulumi import --file` document for the compliant workspaces and their keys, so that a team
 *   can adopt them into a stack.
 * A stack deploys into one account (and `pulumi import` into one account and region), so with
 * several accounts (or regions, for imports) one file is written per account (and region), the
 * account (and region) added to the file name.
 *
 * Workspace states (DataZone's domain status), decided here:
 * - AVAILABLE (or no status): re-created when non-compliant, adopted when compliant;
 * - CREATING: re-created when non-compliant (its key was fixed at creation), never adopted (an
 *   import of a domain still being created fails);
 * - CREATION_FAILED: reported, neither re-created (the definition that failed is what to fix)
 *   nor adopted;
 * - DELETING, DELETION_FAILED (and any other state): reported (its data may still exist), never
 *   re-created nor adopted: a workspace being deleted is not emitted for re-creation.
 */
import * as path from "path";
import { writeAtomically } from "../report/output-file";
import type { AuditedResource } from "./inventory";

// js-yaml ships no typings here; its `dump` is all this file needs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { dump(value: unknown, options?: { lineWidth?: number }): string };

/** The sample stack's project name (Pulumi.yaml), the namespace of its config keys. */
const PROJECT = "bedrock-cmk-guard";
/** What the sample stack accepts as a workspace name (sample-stack/config.ts). */
const NAME_LENGTH = 32;
/** The one tag key that cannot go through a Pulumi Node.js program (sample-stack/config.ts, tagMap). */
const UNSENDABLE_TAG = "__proto__";
/** The sample stack's IAM role ARNs (sample-stack/config.ts). */
const IAM_ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export interface JudgedWorkspace {
  readonly resource: AuditedResource;
  /** The KMS key the workspace uses, when AWS KMS confirmed it is fit (for the import file). */
  readonly keyId?: string;
  /**
   * `non-compliant`: a mandatory violation (re-create it); `compliant`: none, and its key verified
   * with AWS KMS (adopt it); `unverified`: no mandatory violation, but its key could not be read.
   */
  readonly verdict: "compliant" | "non-compliant" | "unverified";
}

/** A name the sample stack accepts, unique among `taken`. */
function workspaceName(name: string, taken: Set<string>): string {
  const base =
    name
      .replace(/[^A-Za-z0-9_-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, NAME_LENGTH) || "workspace";
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++)
    candidate = `${base.slice(0, NAME_LENGTH - String(n).length - 1)}-${n}`;
  taken.add(candidate);
  return candidate;
}

/** The file for one account (and region), when a run covers several. */
function fileFor(file: string, parts: readonly string[], several: boolean): string {
  if (!several) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${parts.join("-")}${ext}`;
}

/** States in which a non-compliant workspace is re-created, and a compliant one adopted. */
const RECREATED_STATES = new Set(["AVAILABLE", "CREATING"]);
const ADOPTED_STATES = new Set(["AVAILABLE"]);

function inState(workspace: JudgedWorkspace, states: ReadonlySet<string>): boolean {
  const status = workspace.resource.workspace?.status;
  return status === undefined || states.has(status);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Writes the stack configuration(s); returns the files written (none when nothing needs re-creating). */
export function emitStackConfig(file: string, workspaces: readonly JudgedWorkspace[]): string[] {
  const recreate = workspaces.filter((w) => w.verdict === "non-compliant" && inState(w, RECREATED_STATES));
  const byAccount = groupBy(recreate, (w) => w.resource.account);
  const written: string[] = [];
  for (const [account, group] of byAccount) {
    const taken = new Set<string>();
    const regions = [...new Set(group.map((w) => w.resource.region))].sort();
    const notes: string[] = [];
    const definitions = group.map(({ resource }) => {
      const details = resource.workspace;
      const roles: Record<string, string> = {};
      if (details?.domainExecutionRole !== undefined && IAM_ROLE_ARN.test(details.domainExecutionRole))
        roles.executionRoleArn = details.domainExecutionRole;
      if (details?.serviceRole !== undefined && IAM_ROLE_ARN.test(details.serviceRole))
        roles.serviceRoleArn = details.serviceRole;
      // Tags under aws: are AWS's own: nobody can set them. `__proto__` is a tag Pulumi's Node.js
      // SDK cannot send (sample-stack/config.ts refuses it): left out, and the file says so.
      // Object.fromEntries defines each key as data: `toString` or `constructor` stay tags.
      const tags = Object.fromEntries(
        Object.entries(details?.tags ?? {}).filter(
          ([key]) => !key.toLowerCase().startsWith("aws:") && key !== UNSENDABLE_TAG,
        ),
      );
      const name = workspaceName(resource.name, taken);
      if (details?.tags !== undefined && Object.hasOwn(details.tags, UNSENDABLE_TAG))
        notes.push(
          `# Workspace ${name}: its tag \`${UNSENDABLE_TAG}\` is left out (Pulumi's Node.js SDK drops that key); set it after \`pulumi up\`.`,
        );
      return {
        name,
        description: details?.description ?? `Re-created with a customer-managed key (was ${resource.arn})`,
        version: details?.domainVersion === "V2" ? "V2" : "V1",
        regions: [resource.region],
        tags,
        ...(Object.keys(roles).length === 0 ? {} : { roles }),
      };
    });
    const config = {
      "aws:region": regions[0],
      [`${PROJECT}:regions`]: regions,
      [`${PROJECT}:workspaces`]: definitions,
    };
    const header = [
      `# Written by \`bedrock-cmk-guard audit\` on ${new Date().toISOString().slice(0, 10)} for account ${account}.`,
      `# ${definitions.length} workspace(s) without a fit customer-managed key, re-created by the sample`,
      "# stack with a key it creates. Check with `bedrock-cmk-guard preview --sample --stack-config <this file>`,",
      "# then `pulumi up`; move the data, then delete each old workspace (its ARN is in the audit report).",
      ...notes,
    ];
    const target = fileFor(file, [account], byAccount.size > 1);
    writeAtomically(
      target,
      `${header.join("\n")}\n${yaml.dump({ config }, { lineWidth: 100 })}`,
      "--emit-stack-config",
    );
    written.push(target);
  }
  return written;
}

interface ImportEntry {
  readonly type: string;
  readonly name: string;
  readonly id: string;
}

/** Writes the `pulumi import --file` document(s); returns the files written (none when nothing to adopt). */
export function emitImport(file: string, workspaces: readonly JudgedWorkspace[]): string[] {
  const adopt = workspaces.filter((w) => w.verdict === "compliant" && inState(w, ADOPTED_STATES));
  const groups = groupBy(adopt, (w) => `${w.resource.account}/${w.resource.region}`);
  const written: string[] = [];
  for (const [scope, group] of groups) {
    const taken = new Set<string>();
    const keys = new Map<string, string>();
    const resources: ImportEntry[] = [];
    for (const { resource, keyId } of group) {
      const name = workspaceName(`${resource.name}-${resource.region}`, taken);
      resources.push({ type: resource.type.token, name, id: resource.workspace?.id ?? resource.arn });
      if (keyId !== undefined && !keys.has(keyId)) {
        keys.set(keyId, `${name}-key`);
        resources.push({ type: "aws:kms/key:Key", name: `${name}-key`, id: keyId });
      }
    }
    const target = fileFor(file, scope.split("/"), groups.size > 1);
    writeAtomically(target, JSON.stringify({ resources }, null, 2) + "\n", "--emit-import");
    written.push(target);
  }
  return written;
}
