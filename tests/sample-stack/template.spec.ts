/**
 * The sample stack is a Pulumi template as Pulumi documents one ("Creating templates": a folder
 * whose Pulumi.yaml has a `template:` section, beside the program's files), so that
 * `pulumi new <repository URL>/sample-stack` and `bedrock-cmk-guard new DIR` start the same project.
 * The installed CLI's `new` is run from outside the repository by tests/adopt/install-outside.spec.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { newProject, projectFile, TEMPLATE_FOLDER } from "../../cli/commands/new";
import { isPlainObject } from "../../policy-pack/facts/values";
import { expectedRootProject, ROOT } from "./clone-project";

const TEMPLATE_DIR = path.join(ROOT, TEMPLATE_FOLDER);
const templateText = fs.readFileSync(path.join(TEMPLATE_DIR, "Pulumi.yaml"), "utf8");

function section(value: unknown, key: string): Record<string, unknown> {
  const found = isPlainObject(value) ? value[key] : undefined;
  assert.ok(isPlainObject(found), `no \`${key}:\` mapping`);
  return found;
}

describe("the sample stack as a Pulumi template", () => {
  const template = yaml.load(templateText);

  it("is a template folder: Pulumi.yaml with `template:` beside the program, which runs from the folder itself", () => {
    const settings = section(template, "template");
    assert.equal(typeof settings.description, "string");
    assert.ok(!isPlainObject(template) || !("main" in template), "no main: the program is the folder");
    const manifest = JSON.parse(fs.readFileSync(path.join(TEMPLATE_DIR, "package.json"), "utf8")) as {
      main?: string;
    };
    assert.ok(
      fs.existsSync(path.join(TEMPLATE_DIR, manifest.main ?? "index.ts")),
      "the entry point is in the folder",
    );
  });

  it("asks `pulumi new` only for config the project declares, with the same defaults", () => {
    const asked = section(section(template, "template"), "config");
    const declared = section(template, "config");
    for (const [key, entry] of Object.entries(asked)) {
      assert.ok(isPlainObject(entry) && typeof entry.description === "string", `${key}: a description`);
      if (key.includes(":")) continue; // a provider's key (aws:region), declared by the provider
      const declaration = declared[key];
      assert.ok(isPlainObject(declaration), `${key} is asked for but not declared in config:`);
      assert.deepEqual(entry.default, declaration.default, `${key}: the same default`);
    }
  });

  it("the clone's root Pulumi.yaml is the template's project (regenerate with `npm run sync:project`)", () => {
    assert.equal(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"), expectedRootProject());
  });

  it("`new DIR` lays the template down as `pulumi new` does: its files, the project renamed, no template:", () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "guard-template-"));
    try {
      const dir = path.join(parent, "team-workspaces");
      assert.equal(newProject(dir, { quiet: true }), 0);
      const written = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
      assert.equal(written, projectFile(templateText, "team-workspaces"));
      assert.match(written, /^name: team-workspaces$/m);
      assert.doesNotMatch(written, /^(template|main):/m);
      for (const file of fs.readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith(".ts"))) {
        assert.equal(
          fs.readFileSync(path.join(dir, file), "utf8"),
          fs.readFileSync(path.join(TEMPLATE_DIR, file), "utf8"),
          file,
        );
      }
      const stack = yaml.load(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8"));
      assert.deepEqual(section(stack, "config"), {
        "aws:region": "us-east-1",
        "team-workspaces:namePrefix": "bedrock",
      });
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});
