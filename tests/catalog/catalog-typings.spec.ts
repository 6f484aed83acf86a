import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { GUARDED_TYPES, propertyPathsOf } from "../../policy-pack/catalog/bedrock-resources";
import { brokenPath, pulumiTypeOf, type TypedResource } from "./provider-typings";

interface CatalogEntry extends TypedResource {
  readonly paths: readonly (readonly string[])[];
}

/** Every type the pack reads, from every catalog the pack has (the KMS catalog joins when it exists). */
function catalogEntries(): CatalogEntry[] {
  const entries: CatalogEntry[] = GUARDED_TYPES.map((t) => ({ ...t, paths: propertyPathsOf(t) }));
  const kmsCatalog = path.join(__dirname, "../../policy-pack/catalog/kms-types.ts");
  if (fs.existsSync(kmsCatalog)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional sibling catalog
    const kms = require(kmsCatalog) as { KMS_TYPED_PROPERTIES?: readonly CatalogEntry[] };
    if (kms.KMS_TYPED_PROPERTIES === undefined) {
      throw new Error(
        "policy-pack/catalog/kms-types.ts must export KMS_TYPED_PROPERTIES ({token, provider, argsType, paths}[])",
      );
    }
    entries.push(...kms.KMS_TYPED_PROPERTIES);
  }
  return entries;
}

describe("catalog against the installed provider typings", function () {
  const entries = catalogEntries();

  it("lists every type once", () => {
    const tokens = entries.map((e) => e.token);
    assert.deepEqual(tokens, [...new Set(tokens)]);
  });

  for (const entry of entries) {
    describe(entry.token, () => {
      it("is the class's __pulumiType", () => {
        assert.equal(pulumiTypeOf(entry), entry.token);
      });
      for (const propertyPath of entry.paths) {
        it(`has ${entry.argsType}.${propertyPath.join(".")}`, () => {
          assert.equal(brokenPath(entry, propertyPath), undefined);
        });
      }
    });
  }

  it("can fail: a misspelt token or path is reported", () => {
    const agent = {
      token: "aws:bedrock/agentAgent:AgentAgent",
      provider: "aws",
      argsType: "AgentAgentArgs",
    } as const;
    assert.notEqual(pulumiTypeOf({ ...agent, token: "aws:bedrock/agentAgent:AgentAgen" }), agent.token);
    assert.match(brokenPath(agent, ["customerEncryptionKeyArm"]) ?? "", /no property/);
    const dataSource = {
      token: "aws:bedrock/agentDataSource:AgentDataSource",
      provider: "aws",
      argsType: "AgentDataSourceArgs",
    } as const;
    assert.equal(brokenPath(dataSource, ["serverSideEncryptionConfiguration", "kmsKeyArn"]), undefined);
    assert.match(
      brokenPath(dataSource, ["serverSideEncryptionConfiguration", "kmsKeyId"]) ?? "",
      /no property/,
    );
  });
});
