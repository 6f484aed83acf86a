/**
 * Every command shown in README.md and docs/*.md works, and every sample output is what the
 * command prints today (convention: docs/development.md, "Documentation that cannot drift").
 * Commands run through bash in the environment their block declares; identical ones run once,
 * two at a time. Commands this test cannot run are checked another way, listed in CHECKED_OTHERWISE.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  commandsOf,
  docFiles,
  isShellBlock,
  outputCommand,
  readBlocks,
  ROOT,
  simpleCommands,
  type DocBlock,
  type DocCommand,
} from "./doc-blocks";
import {
  CHECKED_ENVIRONMENTS,
  isKnownEnvironment,
  REAL_RESOLUTION_CHECKS,
  runBounded,
  runInRepoEnvironment,
  runWithRealNpm,
  runDocCommand,
  runDocSession,
  type CommandRun,
} from "./doc-environments";
import { blockText, CONCURRENCY, unexpectedExit } from "./docs-outputs";
import { PackClient, type PolicyConfigSpec } from "../../cli/engine/pack-client";
import { readPackConfig } from "../../cli/sources/pack-config-file";
import { patient } from "../support/patience";

/** README's length budget: it is the first screen, the references live in docs/. */
const README_MAX_LINES = 250;
/** A table cell longer than this does not fit a terminal beside its neighbours. */
const MAX_CELL_CHARS = 110;

const SCRIPTS = (
  JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts;

/**
 * The npm scripts a script runs: `npm run NAME`, and the names given to scripts/run-scripts-together.js
 * and scripts/run-if-changed.js.
 */
function scriptsRunBy(script: string): string[] {
  const byNpm = [...script.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1]);
  const byRunner = [
    ...script.matchAll(/(?:run-scripts-together|run-if-changed)\.js((?:\s+[\w:-]+)+)/g),
  ].flatMap((match) => match[1].trim().split(/\s+/));
  return [...byNpm, ...byRunner];
}

/**
 * The npm scripts that `npm ci` (through `prepare`) and `npm test` run, directly or through other
 * scripts, and the scripts made only of those (`lint` is `lint:code` then `lint:format`): CI runs them.
 */
const RUN_BY_CI = (() => {
  const reached = new Set<string>();
  const visit = (name: string) => {
    if (reached.has(name) || SCRIPTS[name] === undefined) return;
    reached.add(name);
    scriptsRunBy(SCRIPTS[name]).forEach(visit);
  };
  scriptsRunBy(`npm run prepare && npm run test`).forEach(visit);
  const madeOfReached = Object.keys(SCRIPTS).filter((name) =>
    SCRIPTS[name]
      .split("&&")
      .every(
        (part) => /^\s*npm run [\w:-]+\s*$/.test(part) && scriptsRunBy(part).every((n) => reached.has(n)),
      ),
  );
  return new Set([...reached, ...madeOfReached].map((name) => `npm run ${name}`));
})();

/**
 * Commands the test does not run, and what it checks instead:
 * - `ci`: `npm ci`, `npm test` (minutes each, and `npm test` runs this test) and the scripts they
 *   run: `.ci/run` must run `npm ci` and then exactly the README's test command.
 * - `self`: `npm run docs:outputs` rewrites the docs; this test makes the comparison it would make.
 * - `long`: `npm run bench`, `npm run bench:<name>` and `npm run test:deep` take minutes; the script
 *   must exist (tests/bench tests the measuring code; `test:deep` runs this suite, deeper).
 * - `pulumi`: needs the Pulumi CLI; the pack and config it is given are started and configured
 *   through the engine protocol instead.
 * - `suite`: `npx mocha <spec file>` (with `NAME=value` settings before it) runs one file of the
 *   suite that `npm test` runs anyway: the file must exist and be one the test command runs, and
 *   each setting must be read by that file (a second run of it would add minutes, not checks).
 */
type Handling = "run" | "ci" | "self" | "long" | "pulumi" | "suite";

/** `[NAME=value ...] npx mocha <file>`: the file and the settings' names. */
const SUITE_COMMAND = /^((?:[A-Z_]+=\S+\s+)*)npx mocha (\S+\.spec\.ts)$/;

function handlingOf(simple: string): Handling {
  // Settings before a command (`NAME=value npm run bench`) do not change what the command is.
  const command = simple.replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, "");
  if (/^npm ci(\s|$)/.test(command) || command === "npm test" || RUN_BY_CI.has(command)) return "ci";
  if (command === "npm run docs:outputs") return "self";
  if (/^npm run (bench(:[\w-]+)?|test:deep)$/.test(command)) return "long";
  if (/^pulumi\s/.test(simple)) return "pulumi";
  if (SUITE_COMMAND.test(simple)) return "suite";
  return "run";
}

/** What `npm run build` writes, as `prepare` (scripts/run-if-changed.js) checks it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BUILD_OUTPUTS = (require("../../scripts/run-if-changed") as { OUTPUTS: readonly string[] }).OUTPUTS;

const PULUMI_SUBCOMMANDS = [
  "preview",
  "up",
  "policy analyze",
  "policy publish",
  "stack export",
  "stack init",
  "config set",
  "import",
];

const blocks: DocBlock[] = docFiles().flatMap((file) => readBlocks(file));
const shown: DocCommand[] = blocks.filter(isShellBlock).flatMap(commandsOf);

/**
 * The runnable commands of each shell block (what remains after `npm ci &&` and the like), run
 * in order in one workspace; identical sessions (same environment, files and commands) run once.
 */
const sessions = new Map<string, DocCommand[]>();
for (const block of blocks.filter(isShellBlock)) {
  const commands = commandsOf(block)
    .filter((command) => !(command.env in CHECKED_ENVIRONMENTS))
    .map((command) => {
      const parts = simpleCommands(command.text).filter((part) => handlingOf(part) === "run");
      return { ...command, text: parts.join(" && ") };
    })
    .filter((command) => command.text !== "");
  if (commands.length === 0) continue;
  const key = JSON.stringify([block.markers.env, block.markers.files, commands.map((c) => c.text)]);
  if (!sessions.has(key)) sessions.set(key, commands);
}
const outputs = blocks.filter((block) => block.markers.output !== undefined);

describe("documentation commands and sample outputs", function () {
  this.timeout(patient(600_000));
  const sessionRuns = new Map<string, CommandRun[]>();
  let treeBefore = "";
  let treeAfter = "";
  const outputRuns = new Map<DocBlock, CommandRun>();

  before(async function () {
    if (!fs.existsSync(path.join(ROOT, "dist/cli/main.js"))) throw new Error("run `npm run build` first");
    const started = Date.now();
    const known = [...sessions].filter(([, commands]) => isKnownEnvironment(commands[0].env));
    // Commands that run at the repository root share no state, so each distinct one runs once,
    // wherever it is shown (a sample output included); other blocks run as a whole, in order.
    const single = new Map<string, Promise<CommandRun>>();
    const runOnce = (command: DocCommand) => {
      const key = JSON.stringify([command.env, command.files, command.text]);
      if (!single.has(key)) single.set(key, runDocCommand(command));
      return single.get(key)!;
    };
    const jobs: (() => Promise<void>)[] = [];
    for (const [key, commands] of known) {
      if (commands[0].env === "repo") {
        sessionRuns.set(key, []);
        commands.forEach((command, index) =>
          jobs.push(async () => void (sessionRuns.get(key)![index] = await runOnce(command))),
        );
      } else {
        jobs.push(async () => void sessionRuns.set(key, await runDocSession(commands)));
      }
    }
    for (const block of outputs) {
      jobs.push(async () => void outputRuns.set(block, await runOnce(outputCommand(block)!)));
    }
    treeBefore = await workingTreeState();
    await runBounded(jobs, CONCURRENCY, (job) => job());
    treeAfter = await workingTreeState();
    const commandCount = known.reduce((sum, [, commands]) => sum + commands.length, 0);
    process.stdout.write(
      `      (${commandCount} commands in ${known.length} blocks and ${outputs.length} outputs: ` +
        `${single.size} distinct single runs; ${Date.now() - started} ms)\n`,
    );
  });

  it("leaves the repository as it was (a command that writes files runs outside it)", () => {
    assert.equal(treeAfter, treeBefore);
  });

  for (const command of REAL_RESOLUTION_CHECKS) {
    it(`runs \`${command}\` as the machine's own npm does (the repository environment's shortcut)`, async () => {
      const built = () => BUILD_OUTPUTS.map((file) => fs.statSync(path.join(ROOT, file)).mtimeMs);
      const before = built();
      const [real, shortcut] = await Promise.all([runWithRealNpm(command), runInRepoEnvironment(command)]);
      // The first npx in a clone installs the project into npx's cache, which runs its `prepare`
      // in the clone: with unchanged sources that must not rebuild under the CLIs running from it.
      assert.deepEqual(built(), before, "the real npm rebuilt dist/ or policy-pack/bin/");
      assert.equal(real.code, 0, real.stderr);
      assert.deepEqual(
        { code: shortcut.code, stdout: shortcut.stdout },
        { code: real.code, stdout: real.stdout },
      );
    });
  }

  it("finds the shell blocks and sample outputs it checks", () => {
    assert.ok(shown.length >= 10, `only ${shown.length} commands found`);
    assert.ok(outputs.length >= 3, `only ${outputs.length} output blocks found`);
  });

  it("knows every environment a block declares (an unknown one is an error, not a skip)", () => {
    for (const block of blocks) {
      const env = block.markers.env;
      if (env !== undefined) assert.ok(isKnownEnvironment(env), `${block.file}:${block.line}: env "${env}"`);
    }
  });

  for (const [key, commands] of sessions) {
    commands.forEach((command, index) => {
      it(`${command.where} (${command.env}): ${command.text}`, () => {
        const run = sessionRuns.get(key)?.[index];
        assert.ok(run !== undefined, `not run: environment "${command.env}" is unknown`);
        assert.equal(
          run.code,
          command.expectedExit,
          `exit ${run.code}, expected ${command.expectedExit} (\`# exits N\`)\n${run.stderr}\n${run.stdout}`,
        );
      });
    });
  }

  for (const block of outputs) {
    it(`${block.file}:${block.line} shows what \`${outputCommand(block)!.text}\` prints`, () => {
      const run = outputRuns.get(block)!;
      assert.equal(unexpectedExit(block, run), undefined);
      assert.equal(block.body, blockText(run), "regenerate with `npm run docs:outputs`");
    });
  }

  it("`.ci/run` installs with `npm ci`, then runs exactly the README's test command, last", () => {
    const ciCommands = fs
      .readFileSync(path.join(ROOT, ".ci/run"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .filter((line) => !/^(set|cd) /.test(line));
    // The README's test command: the line of its shell blocks that runs the tests.
    const readmeTests = shown
      .filter((command) => command.where.startsWith("README.md"))
      .flatMap((command) => simpleCommands(command.text))
      .filter((command) => /^npm (test|run test)\b/.test(command));
    assert.equal(new Set(readmeTests).size, 1, `the README shows one test command: ${readmeTests}`);
    // Before them, only the set-up of the Node.js that CI runs on (a tarball of the npm registry).
    const [install, test] = ciCommands.slice(-2);
    assert.match(install ?? "", /^npm ci(\s|$)/, ciCommands.join("; "));
    assert.equal(test, readmeTests[0]);
    assert.equal(
      ciCommands.filter((line) => /^npm (ci|test|run)\b/.test(line)).length,
      2,
      ciCommands.join("; "),
    );
  });

  it("each `npx mocha` command shown names a spec file that `npm test` runs, and settings it reads", () => {
    const suite = new Set(testFiles());
    for (const part of shown.flatMap((command) => simpleCommands(command.text))) {
      const match = SUITE_COMMAND.exec(part);
      if (match === null) continue;
      const file = path.resolve(ROOT, match[2]);
      assert.ok(suite.has(file), `${part}: ${match[2]} is not a file \`npm test\` runs`);
      const names =
        match[1].trim() === ""
          ? []
          : match[1]
              .trim()
              .split(/\s+/)
              .map((s) => s.split("=")[0]);
      const source = [file, ...relativeImports(file)].map((f) => fs.readFileSync(f, "utf8")).join("\n");
      for (const name of names)
        assert.match(source, new RegExp(`process\\.env\\.${name}\\b`), `${part}: ${name}`);
    }
  });

  it("the commands not run here are scripts of the package", () => {
    for (const part of shown.flatMap((command) => simpleCommands(command.text))) {
      const handling = handlingOf(part);
      const script = /npm run ([\w:-]+)$/.exec(part)?.[1];
      if (handling === "long" || handling === "self")
        assert.ok(script !== undefined && SCRIPTS[script], part);
    }
  });

  it(`README.md stays within ${README_MAX_LINES} lines; no table cell is over ${MAX_CELL_CHARS} characters`, () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").split("\n");
    assert.ok(readme.length <= README_MAX_LINES, `${readme.length} lines`);
    for (const file of docFiles()) {
      const inFences = new Set(readBlocks(file).flatMap((b) => range(b.bodyStart, b.bodyEnd)));
      fs.readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .forEach((line, index) => {
          if (inFences.has(index) || !line.startsWith("|")) return;
          for (const cell of line.split(/(?<!\\)\|/).map((c) => c.trim())) {
            assert.ok(cell.length <= MAX_CELL_CHARS, `${file}:${index + 1}: a ${cell.length}-character cell`);
          }
        });
    }
  });
});

/** What a `pulumi` command of the docs asks of this repository: a pack, and a config for it. */
interface PulumiCommandNeeds {
  readonly subcommand: string | undefined;
  readonly cwd: string;
  readonly packDir?: string;
  readonly configFile?: string;
}

function pulumiNeeds(command: DocCommand): PulumiCommandNeeds[] {
  let cwd = ROOT;
  const needs: PulumiCommandNeeds[] = [];
  for (const part of simpleCommands(command.text)) {
    const words = part.split(/\s+/);
    if (words[0] === "cd") {
      cwd = path.resolve(cwd, words[1]);
      continue;
    }
    const subcommand =
      words[0] === "pulumi" ? words.slice(1).filter((w, at) => at < 2 && !w.startsWith("-")) : [];
    const pack = option(words, "--policy-pack");
    const config = option(words, "--policy-pack-config");
    needs.push({
      subcommand: PULUMI_SUBCOMMANDS.find((name) => subcommand.join(" ").startsWith(name)),
      cwd,
      packDir: pack === undefined ? undefined : path.resolve(cwd, pack),
      configFile: config === undefined ? undefined : path.resolve(cwd, config),
    });
  }
  return needs;
}

describe("documented commands that need the Pulumi CLI: checked through the engine protocol, not run", function () {
  this.timeout(patient(120_000));
  const pulumiCommands = shown.filter((command) => command.env === "pulumi");
  /** Per pack folder: undefined when it started, else why not; per config file: the same. */
  const packProblems = new Map<string, string | undefined>();
  const configProblems = new Map<string, string | undefined>();

  before(async () => {
    const configsOf = new Map<string, Set<string>>();
    for (const need of pulumiCommands.flatMap(pulumiNeeds)) {
      if (need.packDir === undefined) continue;
      const configs = configsOf.get(need.packDir) ?? new Set<string>();
      if (need.configFile !== undefined) configs.add(need.configFile);
      configsOf.set(need.packDir, configs);
    }
    for (const [packDir, configs] of configsOf) {
      if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
        packProblems.set(packDir, `${packDir} is no policy pack (no PulumiPolicy.yaml)`);
        continue;
      }
      const client = await PackClient.start({ packDir });
      try {
        const info = await client.initialise();
        packProblems.set(packDir, info.getPoliciesList().length > 0 ? undefined : "the pack has no policies");
        for (const file of configs) {
          await client.initialise();
          const problem = await client.configure(configureRequest(file, info.getPoliciesList())).then(
            () => undefined,
            (error: Error) => `Configure rejects ${file}: ${error.message}`,
          );
          configProblems.set(`${packDir}|${file}`, problem);
        }
      } finally {
        await client.stop();
      }
    }
  });

  it("every block with a `pulumi` command declares `<!-- env: pulumi -->`", () => {
    const notMarked = shown.filter(
      (command) =>
        command.env !== "pulumi" && simpleCommands(command.text).some((c) => handlingOf(c) === "pulumi"),
    );
    assert.deepEqual(
      notMarked.map((c) => `${c.where}: ${c.text}`),
      [],
    );
  });

  for (const command of pulumiCommands) {
    it(`${command.where}: ${command.text}`, () => {
      for (const need of pulumiNeeds(command)) {
        assert.ok(
          need.subcommand,
          `not \`cd\` or a known pulumi subcommand (${PULUMI_SUBCOMMANDS.join(", ")})`,
        );
        if (need.subcommand === "policy publish") {
          assert.ok(fs.existsSync(path.join(need.cwd, "PulumiPolicy.yaml")), `no pack in ${need.cwd}`);
          const pack = JSON.parse(fs.readFileSync(path.join(need.cwd, "package.json"), "utf8")) as {
            scripts?: Record<string, string>;
          };
          assert.ok(pack.scripts?.prepack, "the pack must build itself before it is published (prepack)");
        }
        if (need.packDir !== undefined) assert.equal(packProblems.get(need.packDir), undefined);
        if (need.packDir !== undefined && need.configFile !== undefined) {
          assert.equal(configProblems.get(`${need.packDir}|${need.configFile}`), undefined);
        }
      }
    });
  }
});

describe("documentation links", () => {
  it("docs/index.md links every page of docs/", () => {
    const index = fs.readFileSync(path.join(ROOT, "docs", "index.md"), "utf8");
    const unlisted = docFiles()
      .filter((file) => file.startsWith("docs/") && file !== "docs/index.md")
      .filter((file) => !index.includes(`](${path.posix.basename(file)})`));
    assert.deepEqual(unlisted, [], "pages that docs/index.md does not list");
  });

  it("every relative link names a file that exists, and a heading of it", () => {
    for (const file of docFiles()) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [page, anchor] = target.split("#");
        const linked =
          page === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), page));
        assert.ok(fs.existsSync(path.join(ROOT, linked)), `${file}: ${target} does not exist`);
        if (anchor !== undefined)
          assert.ok(headingSlugs(linked).has(anchor), `${file}: no heading #${anchor}`);
      }
    }
  });
});

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to `-`. */
function headingSlugs(file: string): Set<string> {
  const headings = fs
    .readFileSync(path.join(ROOT, file), "utf8")
    .split("\n")
    .filter((line) => /^#{1,6} /.test(line));
  return new Set(
    headings.map((line) =>
      line
        .replace(/^#+ /, "")
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    ),
  );
}

/** What `git status` says of the working tree: files the documented commands must not touch. */
async function workingTreeState(): Promise<string> {
  const run = await runDocCommand({
    where: "docs-commands.spec.ts",
    text: "git status --porcelain --untracked-files=all",
    expectedExit: 0,
    env: "repo",
    files: undefined,
  });
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

function option(words: readonly string[], name: string): string | undefined {
  const at = words.indexOf(name);
  return at >= 0 ? words[at + 1] : undefined;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

/** The policies a config file configures, as Configure carries them (`all` expanded). */
function configureRequest(
  file: string,
  policies: readonly { getName(): string }[],
): Record<string, PolicyConfigSpec> {
  const request: Record<string, PolicyConfigSpec> = {};
  for (const [name, entry] of readPackConfig(file)) {
    const spec = { enforcementLevel: entry.enforcementLevel, properties: entry.properties };
    if (name === "all") for (const policy of policies) request[policy.getName()] = spec;
    else request[name] = spec;
  }
  return request;
}

/** The spec files `npm test` runs (the spec list of .mocharc.suite.js). */
function testFiles(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Mocha's own config file
  const { spec } = require(path.join(ROOT, ".mocharc.suite.js")) as { spec: string[] };
  return spec.map((file) => path.resolve(ROOT, file));
}

/** The files a test file imports by relative path (one level: where its settings are read). */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)]
    .map((match) => path.resolve(path.dirname(file), match[1]) + ".ts")
    .filter((imported) => fs.existsSync(imported));
}
