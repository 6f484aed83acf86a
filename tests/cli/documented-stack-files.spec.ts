/**
 * `pulumi stack export` shapes as Pulumi's apitype documents them (DeploymentV3), read in process:
 * what is handed to the pack as live. A `delete: true` old copy is not live; a read (`external`)
 * resource is; an interrupted create (`pending_operations`) may exist in AWS, so it is judged.
 * Versions 1 and 2 are migrated up to 3 as the Pulumi CLI does (sdk/go/common/apitype/migrate).
 */
import * as assert from "assert";
import { parseStateDocument } from "../../cli/sources/stack-file";

const PREFIX = "urn:pulumi:dev::proj::";
const AGENT = "aws:bedrock/agentAgent:AgentAgent";

function state(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    urn: `${PREFIX}${AGENT}::${name}`,
    custom: true,
    type: AGENT,
    inputs: { agentName: name },
    outputs: { agentName: name },
    ...extra,
  };
}

function exported(deployment: Record<string, unknown>): unknown {
  return { version: 3, deployment: { manifest: { time: "2026-12-01T00:00:00Z" }, ...deployment } };
}

function judgedNames(document: unknown): string[] {
  return parseStateDocument(document, "stack.json", JSON.stringify(document))
    .resources.map((r) => r.name)
    .sort();
}

describe("check: documented stack export shapes", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["an empty stack", {}, []],
    [
      "a `delete: true` old copy beside its replacement",
      { resources: [state("a"), state("a", { delete: true })] },
      ["a"],
    ],
    [
      "a read resource (`external: true`)",
      { resources: [state("r", { external: true, id: "AGENT1" })] },
      ["r"],
    ],
    [
      "protect / retainOnDelete / import",
      { resources: [state("p", { protect: true, retainOnDelete: true, importID: "X" })] },
      ["p"],
    ],
    [
      "a pending create not yet in resources",
      { resources: [], pending_operations: [{ resource: state("c"), type: "creating" }] },
      ["c"],
    ],
    ["a pending import", { pending_operations: [{ resource: state("i"), type: "importing" }] }, ["i"]],
    [
      "a pending delete of a live resource (judged once)",
      { resources: [state("d")], pending_operations: [{ resource: state("d"), type: "deleting" }] },
      ["d"],
    ],
    [
      "a pending update (judged once)",
      { resources: [state("u")], pending_operations: [{ resource: state("u"), type: "updating" }] },
      ["u"],
    ],
  ];
  for (const [name, deployment, expected] of cases) {
    it(`${name}: judges ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(judgedNames(exported(deployment)), expected);
    });
  }

  it("migrates versions 1 and 2 as Pulumi does: every input depends on every dependency; version 1 names no provider", () => {
    const provider = "urn:pulumi:dev::proj::pulumi:providers:aws::default::0a1b";
    const key = "urn:pulumi:dev::proj::aws:kms/key:Key::k";
    const agent = state("m", {
      provider,
      dependencies: [key],
      inputs: { agentName: "m", customerEncryptionKeyArn: "x" },
    });
    for (const version of [1, 2]) {
      const providerState = {
        urn: "urn:pulumi:dev::proj::pulumi:providers:aws::default",
        custom: true,
        id: "0a1b",
        type: "pulumi:providers:aws",
        inputs: { region: "eu-west-1" },
      };
      const document = { version, deployment: { resources: [providerState, agent] } };
      const [read] = parseStateDocument(document, "stack.json", JSON.stringify(document)).resources;
      assert.deepEqual(read.propertyDependencies, { agentName: [key], customerEncryptionKeyArn: [key] });
      assert.equal(read.provider === undefined, version === 1, `version ${version}`);
    }
  });

  it("refuses `pending_operations` that is not a list", () => {
    assert.throws(() => judgedNames(exported({ pending_operations: {} })), /pending_operations/);
  });
});
