import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
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

  it("is the table the README shows (regenerate with `npm run docs:catalog`)", () => {
    // Cells are compared trimmed: Prettier pads the README's table columns.
    const cells = (table: string) =>
      table
        .trim()
        .split("\n")
        .filter((row) => !/^\|[\s|:-]+\|$/.test(row))
        .map((row) => row.split("|").map((cell) => cell.trim()));
    const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const generated = cells(catalogTable());
    const start = readme.split("\n").findIndex((row) => row.startsWith("| Resource "));
    assert.ok(start >= 0, "README has the catalog table");
    const shown = cells(
      readme
        .split("\n")
        .slice(start, start + generated.length + 1)
        .join("\n"),
    );
    assert.deepEqual(shown, generated);
  });
});
