import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertBuilt, describeRun, FIXTURES, ROOT, runAll, type CliRun } from "./run-cli";
import { patient } from "../support/patience";

/** A small JavaScript program in a folder outside the repository, using the repository's packages. */
const PROGRAM = `"use strict";
const aws = require("@pulumi/aws");
const pulumi = require("@pulumi/pulumi");
const name = new pulumi.Config().get("workspaceName") || "studio";
const key = new aws.kms.Key("key", { enableKeyRotation: true, deletionWindowInDays: 30 });
new aws.datazone.Domain(name, {
  domainExecutionRole: "arn:aws:iam::123456789012:role/studio",
  kmsKeyIdentifier: key.arn,
});
`;

describe("bedrock-cmk-guard preview --stack-config: no silent pass on a wrong file", function () {
  this.timeout(patient(120_000));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-stack-config-"));
  const program = path.join(dir, "program");
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  let runs: Record<string, CliRun>;

  before(async () => {
    assertBuilt();
    fs.mkdirSync(program);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(program, "node_modules"), "dir");
    fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
    fs.writeFileSync(
      path.join(program, "Pulumi.yaml"),
      "name: studio\nruntime: nodejs\nmain: index.js\nconfig:\n  workspaceName:\n    type: string\n",
    );
    const cases: Record<string, string[]> = {
      export: ["preview", "--program", program, "--stack-config", path.join(FIXTURES, "stack-export.json")],
      noConfigKey: [
        "preview",
        "--program",
        program,
        "--stack-config",
        write("Pulumi.a.yaml", "aws:region: x\n"),
      ],
      emptyFile: ["preview", "--program", program, "--stack-config", write("Pulumi.b.yaml", "")],
      misspelt: [
        "preview",
        "--verbose",
        "--program",
        program,
        "--stack-config",
        write(
          "Pulumi.dev.yaml",
          [
            "config:",
            "  aws:region: eu-west-1",
            "  aws:regoin: eu-west-1",
            "  studio:workspaceNme: research",
            "  workspaceName: research",
            "  aws-native:region: eu-west-1",
            "  gcp:project: p",
            "  pulumi:disable-default-providers: []",
          ].join("\n"),
        ),
      ],
      emptyConfig: [
        "preview",
        "--program",
        program,
        "--stack-config",
        write("Pulumi.c.yaml", "config: {}\n"),
      ],
    };
    const results = await runAll(Object.values(cases));
    runs = Object.fromEntries(Object.keys(cases).map((name, i) => [name, results[i]]));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const name of ["export", "noConfigKey", "emptyFile"]) {
    it(`refuses a file without \`config:\` (${name}) with exit 2`, () => {
      const run = runs[name];
      assert.equal(run.code, 2, describeRun(run));
      assert.match(run.stderr, /--stack-config .*: no `config:` key/);
      assert.equal(run.stdout, "");
    });
  }

  it("names each key nothing declares, with the nearest declared name", () => {
    const run = runs.misspelt;
    assert.equal(run.code, 0, describeRun(run));
    const warnings = run.stdout.split("\n").filter((line) => line.startsWith("warning: --stack-config"));
    assert.equal(warnings.length, 3, warnings.join("\n"));
    assert.match(
      run.stdout,
      /aws:regoin is not a config variable of @pulumi\/aws \(did you mean aws:region\?\)/,
    );
    assert.match(
      run.stdout,
      /studio:workspaceNme is not declared in .*Pulumi\.yaml .*did you mean studio:workspaceName\?/,
    );
    assert.match(run.stdout, /gcp:project cannot be checked: no installed @pulumi\/gcp package/);
    assert.match(run.stdout, /Previewing studio\/dev/);
    assert.match(run.stdout, /datazone\/domain:Domain\s+research/, "the declared key is used");
  });

  it("takes `config: {}` as a stack without config", () => {
    assert.equal(runs.emptyConfig.code, 0, describeRun(runs.emptyConfig));
    assert.doesNotMatch(runs.emptyConfig.stdout, /^warning: --stack-config/m);
  });
});
