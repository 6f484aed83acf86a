import { strict as assert } from "assert";
import { existsSync } from "fs";
import * as path from "path";
import { PackClient } from "../../cli/engine/pack-client";
import { createFloorPack, FLOOR_PACK_NAME, type FloorPack } from "../../bench/floor";

describe("bench floor pack", function () {
  let floor: FloorPack;
  before(() => (floor = createFloorPack()));
  after(() => floor.dispose());

  it("starts through the CLI's launcher as an empty @pulumi/policy pack resolved from this repository", async () => {
    const client = await PackClient.start({ packDir: floor.dir });
    try {
      const info = await client.initialise();
      assert.equal(info.getName(), FLOOR_PACK_NAME);
      assert.equal(info.getPoliciesList().length, 0);
      const result = await client.analyze({ type: "aws:datazone/domain:Domain", name: "workspace" });
      assert.deepEqual(result.diagnostics, []);
    } finally {
      await client.stop();
    }
    assert.equal(
      require.resolve("@pulumi/policy", { paths: [floor.dir] }),
      require.resolve("@pulumi/policy"),
      "the floor loads the same @pulumi/policy as the pack",
    );
  });

  it("removes its folder when disposed", () => {
    const other = createFloorPack();
    other.dispose();
    assert.equal(existsSync(path.join(other.dir, "package.json")), false);
  });
});
