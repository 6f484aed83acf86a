import { strict as assert } from "assert";
import * as fs from "fs";
import { READERS } from "../../cli/audit/inventory";
import { AUDIT_PAGE, documentedPolicy, permissionsPolicy } from "./audit-permissions";

describe("docs/audit.md permissions (generated from the readers registry)", () => {
  it("lists exactly the permissions the readers and the KMS facts module need (npm run docs:permissions)", () => {
    assert.deepEqual(documentedPolicy(fs.readFileSync(AUDIT_PAGE, "utf8")), permissionsPolicy());
  });

  it("every reader names list permissions, then the get permission, of its service", () => {
    for (const reader of READERS) {
      assert.ok(reader.permissions.length >= 2, reader.token);
      const service = reader.permissions[0]!.split(":")[0];
      for (const list of reader.permissions.slice(0, -1)) assert.match(list, /^[a-z-]+:List/, reader.token);
      assert.match(reader.permissions[reader.permissions.length - 1]!, /^[a-z-]+:Get/, reader.token);
      assert.ok(
        reader.permissions.every((p) => p.startsWith(`${service}:`)),
        reader.token,
      );
    }
  });
});
