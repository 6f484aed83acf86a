/** `--policy-pack DIR`: a policy pack folder, as `pulumi preview --policy-pack` takes it. */
import * as fs from "fs";
import * as path from "path";
import { UnusableInputError } from "../errors";

/** The folder, resolved; undefined (the bundled pack) when none is given. */
export function policyPackFolder(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  const folder = path.resolve(dir);
  if (!fs.existsSync(path.join(folder, "PulumiPolicy.yaml"))) {
    throw new UnusableInputError(`--policy-pack ${dir}: not a policy pack folder (no PulumiPolicy.yaml)`);
  }
  if (!fs.existsSync(path.join(folder, "bin", "index.js"))) {
    throw new UnusableInputError(
      `--policy-pack ${dir}: the pack is not built (no bin/index.js): unpack a release tarball, or run \`npm install\` and \`npm run build\` in it`,
    );
  }
  return folder;
}
