/** This tool's own package: where it is installed (or cloned) and its version. */
import * as fs from "fs";
import * as path from "path";

const PACKAGE_NAME = "bedrock-cmk-guard";

/** This package's root (the folder of its package.json), from the source, dist/ or an installation. */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (packageJson(path.join(dir, "package.json"))?.name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, "../..");
  }
}

export function toolVersion(): string {
  return packageJson(path.join(packageRoot(), "package.json"))?.version ?? "0.0.0";
}

function packageJson(file: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}
