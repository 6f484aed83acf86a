import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { secret, UNKNOWN, type ResourceSpec } from "../../cli/engine/pack-client";
import { parseStateDocument } from "../../cli/sources/stack-file";
import { FIXTURES } from "./run-cli";

/** What the check command sends the pack, before any pack runs: the engine's wire form. */
describe("check input: stack export and preview JSON in the engine's wire form", () => {
  const read = (name: string) => {
    const file = path.join(FIXTURES, name);
    const text = fs.readFileSync(file, "utf8");
    return parseStateDocument(JSON.parse(text), file, text);
  };
  const byName = (specs: readonly ResourceSpec[], type: string, name: string) =>
    specs.find((s) => s.type === type && s.name === name)!;
  const DOMAIN = "aws:datazone/domain:Domain";

  it("sends Analyze the inputs and AnalyzeStack the outputs, with the provider's inputs", () => {
    const input = read("stack-export.json");
    const analyzed = byName(input.resources, DOMAIN, "research");
    const stacked = byName(input.stackResources, DOMAIN, "research");
    assert.equal(analyzed.properties?.portalUrl, undefined, "inputs only");
    assert.match(String(stacked.properties?.portalUrl), /^https:/, "outputs");
    assert.deepEqual(analyzed.provider?.properties?.region, "us-east-1");
    assert.equal(analyzed.provider?.type, "pulumi:providers:aws");
    assert.ok(stacked.propertyDependencies?.kmsKeyIdentifier?.[0].endsWith("::research-key"));
    assert.ok(!input.resources.some((r) => r.type.startsWith("pulumi:providers:")));
  });

  it("turns a ciphertext secret into a secret whose value is unknown, and reads plaintext", () => {
    const input = read("stack-export.json");
    assert.deepEqual(
      byName(input.resources, DOMAIN, "finance").properties?.kmsKeyIdentifier,
      secret(UNKNOWN),
    );
    const document = JSON.parse(fs.readFileSync(path.join(FIXTURES, "stack-export.json"), "utf8"));
    const finance = document.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::finance"));
    finance.inputs.kmsKeyIdentifier = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      plaintext: JSON.stringify(
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      ),
    };
    const shown = parseStateDocument(document, "shown.json", "");
    assert.deepEqual(
      byName(shown.resources, DOMAIN, "finance").properties?.kmsKeyIdentifier,
      secret("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    );
  });

  it("keeps preview unknowns, blinds `[secret]` as an unknown secret, and takes the config", () => {
    const input = read("preview.json");
    assert.equal(byName(input.resources, DOMAIN, "research").properties?.kmsKeyIdentifier, UNKNOWN);
    assert.deepEqual(
      byName(input.resources, DOMAIN, "finance").properties?.kmsKeyIdentifier,
      secret(UNKNOWN),
    );
    assert.equal(input.stackConfig["aws:region"], "us-east-1");
    assert.equal(input.stack, "dev");
    assert.ok(
      input.resources.some((r) => r.name === "audit-logs"),
      "`same` steps count",
    );
    assert.ok(!input.resources.some((r) => r.name === "scratch"), "`delete` steps do not");
  });

  it("says when references point outside a preview that left out unchanged resources", () => {
    const document = JSON.parse(fs.readFileSync(path.join(FIXTURES, "preview.json"), "utf8"));
    document.steps = document.steps.filter(
      (s: { newState?: { type: string } }) => s.newState?.type !== "pulumi:providers:aws",
    );
    const input = parseStateDocument(document, "partial.json", "");
    assert.ok(
      input.warnings.some((w) => /provider\(s\).*--show-sames/.test(w)),
      input.warnings.join("\n"),
    );
  });
});
