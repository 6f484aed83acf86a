/**
 * The audit's emitted stack config keeps what re-creating a workspace needs: each domain's version
 * (the sample stack now defaults to V2, so a Bedrock Studio domain must say V1) and its roles.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { WORKSPACE_FAMILY } from "../../policy-pack/catalog/bedrock-resources";
import type { AuditedResource, WorkspaceDetails } from "../../cli/audit/inventory";
import { emitStackConfig } from "../../cli/audit/remediation";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

const ACCOUNT = "111111111111";
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/service-role/${name}`;

function domain(name: string, details: Omit<WorkspaceDetails, "tags">): AuditedResource {
  return {
    account: ACCOUNT,
    region: "us-east-1",
    type: WORKSPACE_FAMILY.types[0]!,
    family: WORKSPACE_FAMILY,
    name,
    arn: `arn:aws:datazone:us-east-1:${ACCOUNT}:domain/${details.id}`,
    props: {},
    workspace: { ...details, tags: {} },
  };
}

describe("audit remediation: the emitted stack config", () => {
  it("writes each domain's version and its execution and service roles", () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "guard-remediation-"));
    try {
      const file = path.join(folder, "Pulumi.recreate.yaml");
      const written = emitStackConfig(file, [
        {
          verdict: "non-compliant",
          resource: domain("unified", {
            id: "dzd_unified",
            domainVersion: "V2",
            domainExecutionRole: role("AmazonSageMakerDomainExecution"),
            serviceRole: role("AmazonSageMakerDomainService"),
          }),
        },
        {
          verdict: "non-compliant",
          resource: domain("studio", {
            id: "dzd_studio",
            domainExecutionRole: role("AmazonBedrockStudioServiceRole-old"),
          }),
        },
      ]);
      assert.deepEqual(written, [file]);
      const config = (yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
      const workspaces = config["bedrock-cmk-guard:workspaces"] as Record<string, unknown>[];
      const byName = new Map(workspaces.map((w) => [w.name, w]));
      assert.equal(byName.get("unified")?.version, "V2");
      assert.deepEqual(byName.get("unified")?.roles, {
        executionRoleArn: role("AmazonSageMakerDomainExecution"),
        serviceRoleArn: role("AmazonSageMakerDomainService"),
      });
      // No domainVersion: a domain from before V2 existed, a Bedrock Studio (V1) domain.
      assert.equal(byName.get("studio")?.version, "V1");
      assert.deepEqual(byName.get("studio")?.roles, {
        executionRoleArn: role("AmazonBedrockStudioServiceRole-old"),
      });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
