/**
 * docs/catalog.md names every policy the pack declares, and no policy it does not: the names are
 * read from the pack itself through the engine protocol (GetAnalyzerInfo), as the Pulumi CLI
 * reads them, so a policy added to the pack without a line in the docs fails here.
 */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import type * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { PackClient } from "../../cli/engine/pack-client";
import { FAMILIES } from "../../policy-pack/catalog/bedrock-resources";
import { patient } from "../support/patience";

type PolicyInfo = analyzer.PolicyInfo;

const ROOT = path.join(__dirname, "..", "..");
const CATALOG_DOC = readFileSync(path.join(ROOT, "docs", "catalog.md"), "utf8");
/** The per-family policies, documented once as `<family>-cmk-<check>` and per family as `<id>-cmk-*`. */
const FAMILY_POLICY = /^(.+)-cmk-(required|key-arn|key-form|region)$/;
const FAMILY_IDS = new Set(FAMILIES.map((family) => family.id));

describe("docs/catalog.md against the pack's policies (GetAnalyzerInfo)", function () {
  this.timeout(patient(60_000));
  let names: string[] = [];
  let policies: PolicyInfo[] = [];

  before(async () => {
    const client = await PackClient.start({ packDir: path.join(ROOT, "policy-pack") });
    try {
      policies = (await client.initialise()).getPoliciesList();
      names = policies.map((policy) => policy.getName());
    } finally {
      await client.stop();
    }
  });

  it("documents every policy of the pack, by name or by its family's pattern", () => {
    assert.ok(names.length > 0, "the pack declared no policies");
    const missing = names.filter((name) => {
      const family = FAMILY_POLICY.exec(name);
      if (family !== null && FAMILY_IDS.has(family[1])) {
        return !(
          CATALOG_DOC.includes(`\`${family[1]}-cmk-*\``) &&
          CATALOG_DOC.includes(`\`<family>-cmk-${family[2]}\``)
        );
      }
      return !CATALOG_DOC.includes(`\`${name}\``);
    });
    assert.deepEqual(missing, [], "policies of the pack that docs/catalog.md does not name");
  });

  it("names no policy in the key fitness table that the pack lacks", () => {
    const tableRows = CATALOG_DOC.split("\n").filter((line) => /^\| `(cmk|kms|workspace|guard)-/.test(line));
    assert.ok(tableRows.length > 0, "docs/catalog.md has no key fitness table");
    const named = tableRows.flatMap((row) => [...row.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]));
    const known = new Set(names);
    assert.deepEqual(
      named.filter((name) => !known.has(name)),
      [],
      "names in docs/catalog.md that are no policy of the pack",
    );
  });

  it("gives every policy the metadata Pulumi Cloud shows: display name, severity, remediation steps, tags", () => {
    const SEVERITY_UNSPECIFIED = 0;
    for (const policy of policies) {
      const name = policy.getName();
      assert.ok(policy.getDisplayname() !== "", `${name}: displayName`);
      assert.notEqual(policy.getSeverity(), SEVERITY_UNSPECIFIED, `${name}: severity`);
      assert.ok(policy.getRemediationSteps() !== "", `${name}: remediationSteps`);
      assert.ok(policy.getTagsList().includes("kms"), `${name}: tags`);
    }
    const workspace = policies.find((p) => p.getName() === "workspace-cmk-required")!;
    assert.ok(workspace.getTagsList().includes("Bedrock-006"), "the framework mapping is a tag");
    assert.ok(workspace.getTagsList().includes("family:workspace"), "the family is a tag");
    const memory = policies.find((p) => p.getName() === "agentcore-memory-cmk-required");
    assert.ok(memory?.getTagsList().includes("family:agentcore-memory"), "the longest family id wins");
  });
});
