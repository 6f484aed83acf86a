import { strict as assert } from "assert";
import * as fs from "fs";
import { READERS } from "../../cli/audit/inventory";
import { AUDIT_PAGE, documentedPolicy, permissionsPolicy } from "./audit-permissions";

describe("docs/audit.md permissions (generated from the readers registry)", () => {
  it("lists exactly the permissions the readers and the KMS facts module need (npm run docs:permissions)", () => {
    assert.deepEqual(documentedPolicy(fs.readFileSync(AUDIT_PAGE, "utf8")), permissionsPolicy());
  });

  it("every reader names a list and a get permission of its service", () => {
    for (const reader of READERS) {
      assert.equal(reader.permissions.length, 2, reader.token);
      assert.match(reader.permissions[0], /^[a-z-]+:List/, reader.token);
      assert.match(reader.permissions[1], /^[a-z-]+:Get/, reader.token);
    }
  });
});
