/**
 * The guard as another repository consumes it (docs/adopting.md): both packages packed with
 * `npm pack`, installed into a temporary folder outside this repository from npm's cache, and run
 * from there: the pack tarball unpacked and `npm install`ed, then started through the engine
 * protocol with its own @pulumi/pulumi launcher (what `pulumi preview --policy-pack <folder>`
 * does); the CLI tarball installed as a dependency and run through its `bin` on a stack export and
 * on a small program.
 */
import { strict as assert } from "assert";
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { launcherOf, PackClient } from "../../cli/engine/pack-client";
import { assertBuilt, FIXTURES, ROOT, type CliRun } from "../cli/run-cli";
import { patient } from "../support/patience";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
/** npm's cache first (the CI machine has just run `npm ci`), and no audit or funding requests. */
const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--omit=dev"];

const rootPackage = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  files: string[];
};
const packPackage = JSON.parse(fs.readFileSync(path.join(ROOT, "policy-pack/package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
};

/** `npm pack` of a folder into `destination`; returns the tarball's path. */
async function pack(folder: string, destination: string): Promise<string> {
  // The build is already there (the test suite runs after `npm run build`); `prepack` would redo it.
  const { stdout } = await run(
    NPM,
    ["pack", "--ignore-scripts", "--json", "--pack-destination", destination],
    {
      cwd: folder,
    },
  );
  const [result] = JSON.parse(stdout) as { filename: string }[];
  return path.join(destination, result.filename);
}

/** The CLI installed in the adopting project, run from `cwd` (that project, or a folder in it). */
function runInstalledCli(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliRun> {
  const bin = path.join(installedCli, "node_modules/.bin/bedrock-cmk-guard");
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The adopting project that installed the CLI tarball (set before any test runs the CLI). */
let installedCli: string;

describe("adopting the guard outside this repository: packed pack and CLI", function () {
  // npm pack and two installs from the cache: about 4 minutes on a loaded 2-core machine.
  this.timeout(patient(420_000));
  let work: string;
  let packDir: string;
  let cliDir: string;

  before(async function () {
    assertBuilt();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "bedrock-cmk-guard-adopt-"));
    const started = Date.now();
    const [cliTarball, packTarball] = await Promise.all([
      pack(ROOT, work),
      pack(path.join(ROOT, "policy-pack"), work),
    ]);
    // The pack as `pulumi preview --policy-pack <folder>` takes it: unpacked, then `npm install`.
    const unpacked = path.join(work, "pack");
    fs.mkdirSync(unpacked);
    await run("tar", ["-xzf", packTarball, "-C", unpacked]);
    packDir = path.join(unpacked, "package");
    // The CLI as a dependency of a project that holds nothing else.
    cliDir = path.join(work, "project");
    installedCli = cliDir;
    fs.mkdirSync(cliDir);
    fs.writeFileSync(path.join(cliDir, "package.json"), JSON.stringify({ private: true }));
    await Promise.all([
      run(NPM, ["install", ...NPM_FLAGS], { cwd: packDir }),
      run(NPM, ["install", ...NPM_FLAGS, cliTarball], { cwd: cliDir }),
    ]);
    process.stderr.write(`      (packed and installed both in ${Date.now() - started} ms)\n`);
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("ships the pack's runtime dependencies with the CLI, at the same versions", () => {
    // The CLI's tarball carries the built pack; the pack resolves its modules from the CLI's.
    for (const [name, range] of Object.entries(packPackage.dependencies)) {
      assert.equal(rootPackage.dependencies[name], range, `${name} in the root package.json`);
    }
    assert.ok(rootPackage.files.includes("policy-pack/bin"));
    // Installed as the release's npm-shrinkwrap.json pins it, whatever the Node version: npm
    // otherwise picks a release per Node version (@pulumi/pulumi >= 3.249 only on Node 22+).
    const pinned = JSON.parse(fs.readFileSync(path.join(ROOT, "npm-shrinkwrap.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    const cliPackage = path.join(cliDir, "node_modules/bedrock-cmk-guard");
    for (const name of ["@pulumi/pulumi", "@pulumi/policy", "@grpc/grpc-js"]) {
      const manifest = require.resolve(`${name}/package.json`, { paths: [cliPackage] });
      const { version } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string };
      assert.equal(
        version.replace(/^v/, ""),
        pinned.packages[`node_modules/${name}`]!.version.replace(/^v/, ""),
        name,
      );
    }
  });

  it("runs the unpacked pack tarball with its own launcher, through the engine protocol", async () => {
    const launcher = launcherOf(packDir);
    assert.ok(launcher.startsWith(packDir + path.sep), `launcher ${launcher} inside ${packDir}`);
    const client = await PackClient.start({ packDir });
    try {
      const info = await client.initialise();
      assert.equal(info.getName(), "bedrock-cmk-guard");
      assert.equal(info.getVersion(), packPackage.version);
      const result = await client.analyze({
        type: "aws:datazone/domain:Domain",
        name: "studio",
        properties: { domainExecutionRole: "arn:aws:iam::123456789012:role/studio" },
      });
      const mandatory = result.diagnostics.filter((d) => d.enforcementLevel === "mandatory");
      assert.deepEqual(
        mandatory.map((d) => d.policyName),
        ["workspace-cmk-required"],
      );
    } finally {
      await client.stop();
    }
  });

  it("runs the installed CLI's `check` on a stack export", async () => {
    fs.copyFileSync(path.join(FIXTURES, "stack-export.json"), path.join(cliDir, "stack.json"));
    const result = await runInstalledCli(cliDir, ["check", "stack.json", "--format", "json", "-q"]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { pack: { version: string }; summary: { verdict: string } };
    assert.equal(report.summary.verdict, "blocked");
    assert.equal(report.pack.version, packPackage.version);
    const version = await runInstalledCli(cliDir, ["--version"]);
    assert.equal(version.stdout.trim(), rootPackage.version);
    // The config is checked by the shipped pack's own validation before the pack starts.
    fs.writeFileSync(path.join(cliDir, "typo.json"), JSON.stringify({ "kms-key-rotaton": "advisory" }));
    const typo = await runInstalledCli(cliDir, ["check", "stack.json", "--config", "typo.json"]);
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /did you mean "kms-key-rotation"/);
  });

  it("runs the installed CLI's `preview` on a program of the project", async () => {
    const program = path.join(cliDir, "infra");
    fs.mkdirSync(program);
    fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: adopter\nruntime: nodejs\n");
    fs.writeFileSync(
      path.join(program, "index.js"),
      [
        'const pulumi = require("@pulumi/pulumi");',
        'new pulumi.CustomResource("aws:datazone/domain:Domain", "studio", {',
        '  domainExecutionRole: "arn:aws:iam::123456789012:role/studio",',
        "});",
      ].join("\n"),
    );
    const result = await runInstalledCli(cliDir, ["preview", "--program", "infra", "--format", "json", "-q"]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      resources: { name: string; findings: { policy: string; level: string }[] }[];
    };
    const studio = report.resources.find((r) => r.name === "studio");
    assert.ok(studio?.findings.some((f) => f.policy === "workspace-cmk-required" && f.level === "mandatory"));
    // Without --program, outside any Pulumi project: it says what to pass.
    const bare = await runInstalledCli(cliDir, ["preview"]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /no Pulumi\.yaml in .* --program <folder>.*--sample.*bedrock-cmk-guard new/);
  });

  it("starts a project with the installed CLI's `new` and previews it from its folder, with --stack", async () => {
    const created = await runInstalledCli(cliDir, ["new", "workspaces", "-q"]);
    assert.equal(created.code, 0, created.stderr);
    const project = path.join(cliDir, "workspaces");
    const projectFile = fs.readFileSync(path.join(project, "Pulumi.yaml"), "utf8");
    assert.match(projectFile, /^name: workspaces$/m);
    assert.doesNotMatch(projectFile, /^(main|template):/m, "no main: or template: in the new project");
    assert.match(fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8"), /aws:region: us-east-1/);
    assert.ok(fs.existsSync(path.join(project, "index.ts")));
    // The program's packages (@pulumi/aws) from this clone: nothing is installed from the network.
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    const result = await runInstalledCli(project, ["preview", "--stack", "dev", "--format", "json", "-q"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      project: string;
      stack: string;
      resources: { type: string }[];
      summary: { verdict: string };
    };
    assert.deepEqual([report.project, report.stack, report.summary.verdict], ["workspaces", "dev", "passed"]);
    assert.ok(report.resources.some((r) => r.type === "aws:datazone/domain:Domain"));
    // A folder that holds files is not overwritten.
    const again = await runInstalledCli(cliDir, ["new", "workspaces"]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /workspaces is not empty/);
  });

  it("runs the pack a team ships (--policy-pack) with Pulumi's --policy-pack-config, and ships the config schema", async () => {
    assert.ok(fs.existsSync(path.join(packDir, "config.schema.json")));
    fs.writeFileSync(path.join(cliDir, "all-advisory.json"), JSON.stringify({ all: "advisory" }));
    const args = [
      "check",
      "stack.json",
      "--policy-pack",
      packDir,
      "--policy-pack-config",
      "all-advisory.json",
    ];
    const result = await runInstalledCli(cliDir, [...args, "--format", "json", "-q"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { summary: { advisory: number; verdict: string } };
    assert.equal(report.summary.verdict, "passed");
    assert.ok(report.summary.advisory > 0, "the findings are there, at the configured level");
    const notAPack = await runInstalledCli(cliDir, ["check", "stack.json", "--policy-pack", cliDir]);
    assert.equal(notAPack.code, 2);
    assert.match(notAPack.stderr, /not a policy pack folder/);
  });
});
