import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandsOf, outputCommand, readBlocks, simpleCommands } from "./doc-blocks";
import { normalise, REPO_PLACEHOLDER, runDocCommand, TEMP_PLACEHOLDER } from "./doc-environments";

describe("documentation blocks: the convention the docs test reads", () => {
  let root: string;
  const write = (text: string) => fs.writeFileSync(path.join(root, "page.md"), text);

  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "doc-blocks-"))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("reads commands: continuations joined, comments dropped, `exits N` kept, `#` in quotes kept", () => {
    write(
      [
        "Intro with `inline code`.",
        "",
        "<!-- env: installed -->",
        "<!-- files: stack.json=tests/fixtures/cli/stack-export.json -->",
        "",
        "```sh",
        "# a comment line",
        "bedrock-cmk-guard check stack.json \\",
        "  --format json   # blocked: exits 1",
        "echo 'a # not a comment' && npm test",
        "```",
      ].join("\n"),
    );
    const [block] = readBlocks("page.md", root);
    assert.deepEqual(block.markers, {
      env: "installed",
      files: "stack.json=tests/fixtures/cli/stack-export.json",
    });
    const commands = commandsOf(block);
    assert.deepEqual(
      commands.map((c) => [c.text, c.expectedExit, c.env]),
      [
        ["bedrock-cmk-guard check stack.json --format json", 1, "installed"],
        ["echo 'a # not a comment' && npm test", 0, "installed"],
      ],
    );
    assert.deepEqual(simpleCommands(commands[1].text), ["echo 'a # not a comment'", "npm test"]);
  });

  it("reads an output marker's command, and a longer fence that holds a shorter one", () => {
    write(
      [
        "<!-- output: npm start -- --stack-config x.yaml # exits 1 -->",
        "",
        "````text",
        "```",
        "inside",
        "````",
        "```sh",
        "npm start",
        "```",
      ].join("\n"),
    );
    const [output, shell] = readBlocks("page.md", root);
    assert.equal(output.body, "```\ninside");
    assert.deepEqual(
      [outputCommand(output)!.text, outputCommand(output)!.expectedExit],
      ["npm start -- --stack-config x.yaml", 1],
    );
    assert.equal(outputCommand(shell), undefined);
    assert.equal(shell.markers.env, undefined);
  });

  it("rejects an unknown marker and an unclosed fence instead of guessing", () => {
    write("<!-- envv: repo -->\n```sh\nls\n```\n");
    assert.throws(() => readBlocks("page.md", root), /unknown marker "envv"/);
    write("```sh\nls\n");
    assert.throws(() => readBlocks("page.md", root), /never closed/);
  });

  it("normalises only the repository's path and the temporary folder", () => {
    const repo = path.resolve(__dirname, "../..");
    const text = `${repo}/a.json and /tmp/x-1/b.json at 12 ms`;
    assert.equal(
      normalise(text, "/tmp/x-1"),
      `${REPO_PLACEHOLDER}/a.json and ${TEMP_PLACEHOLDER}/b.json at 12 ms`,
    );
  });

  it("fails a command whose environment is not runnable, rather than skipping it", async () => {
    const command = { where: "page.md:1", text: "ls", expectedExit: 0, env: "pulumi", files: undefined };
    await assert.rejects(runDocCommand(command), /not a runnable environment/);
    await assert.rejects(runDocCommand({ ...command, env: "no-such-env" }), /not a runnable environment/);
  });

  it("runs an `installed` command outside the repository, with the files it names", async () => {
    const run = await runDocCommand({
      where: "page.md:1",
      text: "pwd && ls && command -v bedrock-cmk-guard",
      expectedExit: 0,
      env: "installed",
      files: "stack.json=tests/fixtures/cli/stack-export.json",
    });
    assert.equal(run.code, 0, run.stderr);
    const [cwd, file, shim] = run.stdout.trim().split("\n");
    assert.equal(cwd, TEMP_PLACEHOLDER);
    assert.equal(file, "stack.json");
    assert.equal(shim, `${TEMP_PLACEHOLDER}/.bin/bedrock-cmk-guard`);
  });
});
