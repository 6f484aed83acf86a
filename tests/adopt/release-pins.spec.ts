/**
 * A release a team can pin: the CLI package and the pack tarball each ship an npm-shrinkwrap.json
 * (npm's lockfile for published packages, which `npm install` of the package honours), and the
 * pack's pins the very versions the CLI's does, so the pack runs the same code whichever way it is
 * installed. The pack's file is derived from the root's by `npm run shrinkwrap:pack`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../cli/run-cli";

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly dev?: boolean;
  readonly link?: boolean;
}
interface Manifest {
  readonly files: string[];
  readonly dependencies: Record<string, string>;
}

const read = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as T;
const rootLock = read<{ packages: Record<string, LockEntry> }>("npm-shrinkwrap.json");
const packLock = read<{ packages: Record<string, LockEntry> }>("policy-pack/npm-shrinkwrap.json");

describe("release pins: npm-shrinkwrap.json in the CLI package and the pack tarball", () => {
  for (const [folder, lock] of [
    [".", rootLock],
    ["policy-pack", packLock],
  ] as const) {
    it(`${folder}: ships its shrinkwrap, which pins every runtime dependency exactly`, () => {
      const manifest = read<Manifest>(path.join(folder, "package.json"));
      assert.ok(manifest.files.includes("npm-shrinkwrap.json"), "listed in `files`, so npm packs it");
      for (const name of Object.keys(manifest.dependencies)) {
        const entry = lock.packages[`node_modules/${name}`];
        assert.ok(entry?.version && entry.integrity && !entry.dev, `${name} pinned with its integrity`);
      }
    });
  }

  it("the pack's shrinkwrap pins what the CLI's does (regenerate: npm run shrinkwrap:pack)", () => {
    const runtime = Object.entries(packLock.packages).filter(([where, entry]) => where !== "" && !entry.dev);
    assert.ok(runtime.length > 50, `${runtime.length} packages`);
    for (const [where, entry] of runtime) {
      const inRoot = rootLock.packages[where];
      assert.deepEqual(
        [inRoot?.version, inRoot?.integrity],
        [entry.version, entry.integrity],
        `${where} in npm-shrinkwrap.json`,
      );
    }
  });
});
