import { strict as assert } from "assert";
import { GUARDED_TYPES } from "../../policy-pack/catalog";
import { catalogTable } from "./catalog-table";

describe("README catalog table", () => {
  it("has one row per guarded type, naming its token and key property", () => {
    const rows = catalogTable().split("\n").slice(2);
    assert.equal(rows.length, GUARDED_TYPES.length);
    for (const [index, type] of GUARDED_TYPES.entries()) {
      assert.ok(rows[index].includes(`\`${type.token}\``), type.token);
      assert.ok(rows[index].includes(`\`${type.keyProperty.join(".")}\``), type.token);
    }
  });
});
