import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertBuilt, describeRun, FIXTURES, runAll, type CliRun } from "./run-cli";
import { patient } from "../support/patience";

const PREVIEW = path.join(FIXTURES, "preview.json");

describe("bedrock-cmk-guard on unusable input: exit 2, one line, no stack trace", function () {
  this.timeout(patient(120_000));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-bad-"));
  const file = (name: string, content: string) => {
    const target = path.join(dir, name);
    fs.writeFileSync(target, content);
    return target;
  };
  const exportWith = (resources: unknown) =>
    JSON.stringify({ version: 3, deployment: { manifest: { time: "", magic: "", version: "" }, resources } });

  /** [case, arguments, what the one line must say] */
  const cases: [string, string[], RegExp][] = [
    ["missing file", ["check", path.join(dir, "nope.json")], /nope\.json: no such file/],
    [
      "bad JSON",
      ["check", file("truncated.json", '{"version": 3, "deploy')],
      /truncated\.json: not valid JSON/,
    ],
    ["empty file", ["check", file("empty.json", "")], /empty\.json: not valid JSON/],
    [
      "JSON of another format",
      ["check", file("other.json", '{"kind": "Deployment"}')],
      /not a `pulumi stack export`/,
    ],
    ["a JSON list", ["check", file("list.json", "[]")], /not a `pulumi stack export`/],
    [
      "a deployment version Pulumi never wrote",
      ["check", file("v0.json", JSON.stringify({ version: 0, deployment: { resources: [] } }))],
      /deployment version 0 is not supported/,
    ],
    [
      "resources that are not a list",
      ["check", file("res.json", exportWith({}))],
      /resources` is not a list/,
    ],
    [
      "a resource without a URN",
      ["check", file("nourn.json", exportWith([{ type: "aws:kms/key:Key" }]))],
      /resources\[0\]\.urn is not a string/,
    ],
    [
      "a preview whose steps are not a list",
      ["check", file("steps.json", JSON.stringify({ steps: {}, changeSummary: {} }))],
      /`steps` is not a list/,
    ],
    ["unknown output format", ["check", PREVIEW, "--format", "xml"], /'xml' is invalid/],
    [
      "missing pack config",
      ["check", PREVIEW, "--config", path.join(dir, "none.json")],
      /--config .*: no such file/,
    ],
    [
      "pack config that is not JSON",
      ["check", PREVIEW, "--config", file("cfg.json", "{all:")],
      /not valid JSON/,
    ],
    [
      "pack config with a bad level",
      ["check", PREVIEW, "--config", file("level.json", '{"all": "loud"}')],
      /"loud" is not an enforcement level/,
    ],
    [
      "pack config the pack rejects",
      ["check", PREVIEW, "--config", file("unknown.json", '{"workspace-cmk-requird": "advisory"}')],
      /workspace-cmk-requird: expected the name of a policy/,
    ],
    [
      "missing stack config",
      ["preview", "--sample", "--stack-config", path.join(dir, "Pulumi.x.yaml")],
      /no such file/,
    ],
    [
      "stack config that is not YAML",
      ["preview", "--sample", "--stack-config", file("Pulumi.bad.yaml", "config:\n  a: [unclosed\n")],
      /Pulumi\.bad\.yaml: not valid YAML/,
    ],
    [
      "stack config with an encrypted secret",
      [
        "preview",
        "--sample",
        "--stack-config",
        file("Pulumi.enc.yaml", "config:\n  aws:region:\n    secure: v1:abc\n"),
      ],
      /encrypted secret/,
    ],
    ["a program folder without Pulumi.yaml", ["preview", "--program", dir], /not a Pulumi project folder/],
    [
      "a stack config YAML given to check",
      ["check", file("Pulumi.prod.yaml", "config:\n  aws:region: us-east-1\n")],
      /Pulumi\.prod\.yaml: not valid JSON .*expects a stack export in JSON, made by `pulumi stack export --file stack\.json`/,
    ],
    [
      "a pack config with a nested __proto__ key",
      [
        "check",
        PREVIEW,
        "--policy-pack-config",
        file("proto.json", '{"guard-settings": {"verifyKeysWithAws": {"__proto__": {"enabled": true}}}}'),
      ],
      /guard-settings\.verifyKeysWithAws\.__proto__: refused: `__proto__`, `constructor` and `prototype` are not config keys/,
    ],
    [
      "two different pack config files",
      ["check", PREVIEW, "-c", file("a.json", "{}"), "--policy-pack-config", file("b.json", "{}")],
      /give one pack config file/,
    ],
    [
      "a --policy-pack folder that is not a pack",
      ["check", PREVIEW, "--policy-pack", dir],
      /not a policy pack folder/,
    ],
    ["preview outside any Pulumi project", ["preview"], /no Pulumi\.yaml in .*--sample/],
    ["--program with --sample", ["preview", "--program", dir, "--sample"], /give one/],
    ["no command", [], /Usage: bedrock-cmk-guard/],
    ["an unknown option", ["check", PREVIEW, "--no-such-option"], /unknown option .--no-such-option./],
  ];
  let runs: CliRun[];

  before(async () => {
    assertBuilt();
    // --quiet: without it, the progress lines of a run that got as far as the pack precede the reason.
    runs = await runAll(
      cases.map(([, args]) => (args.length > 0 ? [...args, "--quiet"] : args)),
      2,
    );
  });

  cases.forEach(([label, , expected], index) => {
    it(label, () => {
      const run = runs[index];
      assert.equal(run.code, 2, describeRun(run));
      assert.equal(run.stdout, "", "nothing on stdout");
      assert.match(run.stderr, expected);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
      if (label !== "no command") assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    });
  });
});
