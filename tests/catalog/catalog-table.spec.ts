import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { GUARDED_TYPES } from "../../policy-pack/catalog/bedrock-resources";
import { allRequirements, KEY_USE_FAMILIES } from "../../policy-pack/catalog/key-users";
import { catalogTable, keyUseTable } from "./catalog-table";

describe("catalog table of docs/catalog.md", () => {
  it("has one row per guarded type, naming its token and key property", () => {
    const rows = catalogTable()
      .split("\n")
      .filter((row) => row.startsWith("| "))
      .slice(2);
    assert.equal(rows.length, GUARDED_TYPES.length);
    for (const [index, type] of GUARDED_TYPES.entries()) {
      assert.ok(rows[index].includes(`\`${type.token}\``), type.token);
      assert.ok(rows[index].includes(`\`${type.keyProperty.join(".")}\``), type.token);
    }
  });

  it("is the table docs/catalog.md shows, with its notes (regenerate with `npm run docs:catalog`)", () => {
    // Cells are compared trimmed: Prettier pads the table's columns.
    const cells = (table: string) =>
      table
        .trim()
        .split("\n")
        .filter((row) => !/^\|[\s|:-]+\|$/.test(row))
        .map((row) => row.split("|").map((cell) => cell.trim()));
    const doc = readFileSync(path.join(__dirname, "..", "..", "docs", "catalog.md"), "utf8");
    const [table, notes] = catalogTable().split("\n\nNotes:\n\n");
    const generated = cells(table);
    const start = doc.split("\n").findIndex((row) => row.startsWith("| Resource "));
    assert.ok(start >= 0, "docs/catalog.md has the catalog table");
    const shown = cells(
      doc
        .split("\n")
        .slice(start, start + generated.length + 1)
        .join("\n"),
    );
    assert.deepEqual(shown, generated);
    for (const note of notes.split("\n")) assert.ok(doc.includes(note), `docs/catalog.md lacks: ${note}`);
  });

  it("shows the key policy statements AWS documents per family, as the catalog holds them", () => {
    const doc = readFileSync(path.join(__dirname, "..", "..", "docs", "catalog.md"), "utf8");
    const cells = (row: string) =>
      row
        .split("|")
        .map((cell) => cell.trim())
        .join("|");
    const shown = new Set(
      doc
        .split("\n")
        .filter((row) => row.startsWith("| "))
        .map(cells),
    );
    const lines = keyUseTable().split("\n");
    const rows = lines.filter((row) => row.startsWith("|") && !/^\|[\s|:-]+\|$/.test(row));
    const links = lines.filter((line) => line.startsWith("[key-use-"));
    assert.ok(links.length > 0, "the pages are reference links");
    for (const link of links) assert.ok(doc.split("\n").includes(link), `docs/catalog.md lacks: ${link}`);
    assert.equal(
      rows.length - 1,
      KEY_USE_FAMILIES.flatMap((e) => e.recipes.flatMap((r) => r.requirements)).length,
    );
    assert.ok(KEY_USE_FAMILIES.every((entry) => allRequirements(entry).length > 0));
    for (const row of rows) assert.ok(shown.has(cells(row)), `docs/catalog.md lacks: ${row}`);
  });
});
