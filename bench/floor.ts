/**
 * The floor the pack is measured against: an empty @pulumi/policy pack in plain JavaScript, the
 * cheapest pack the engine can run. It is written to a temporary folder that resolves
 * @pulumi/policy from this repository's node_modules (a symlink), so both packs load the very same
 * @pulumi/policy, @pulumi/pulumi and launcher.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";

export const FLOOR_PACK_NAME = "floor";

export interface FloorPack {
  readonly dir: string;
  dispose(): void;
}

/** The node_modules folder this repository's packs resolve @pulumi/policy from. */
function repositoryNodeModules(): string {
  const policyPackage = require.resolve("@pulumi/policy/package.json");
  return path.resolve(path.dirname(policyPackage), "..", "..");
}

export function createFloorPack(): FloorPack {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bedrock-cmk-guard-floor-"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: FLOOR_PACK_NAME, version: "0.0.0", main: "index.js" }, null, 2),
  );
  writeFileSync(
    path.join(dir, "index.js"),
    `const { PolicyPack } = require("@pulumi/policy");\nnew PolicyPack(${JSON.stringify(FLOOR_PACK_NAME)}, { policies: [] });\n`,
  );
  symlinkSync(repositoryNodeModules(), path.join(dir, "node_modules"), "dir");
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
