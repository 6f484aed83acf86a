import { strict as assert } from "assert";
import { UNKNOWN, type ResourceSpec } from "../../cli/engine/pack-client";
import { generateStack, REALISTIC_MIX, typeCounts, type StackShape } from "../../bench/workload";

const WORKSPACE_TYPES = new Set(["aws:datazone/domain:Domain", "aws-native:datazone:Domain"]);
const shape = (overrides: Partial<StackShape> = {}): StackShape => ({
  ...REALISTIC_MIX,
  size: 2000,
  preview: false,
  ...overrides,
});

function count(resources: readonly ResourceSpec[], predicate: (type: string) => boolean): number {
  return resources.filter((r) => predicate(r.type)).length;
}

describe("bench workload generator", () => {
  it("gives the same stack for the same shape and seed, another for another seed", () => {
    assert.deepEqual(generateStack(shape()), generateStack(shape()));
    assert.notDeepEqual(generateStack(shape()), generateStack(shape({ seed: 7 })));
  });

  it("makes exactly `size` resources with unique URNs, in the requested shares", () => {
    for (const size of [1, 37, 2000]) {
      const stack = generateStack(shape({ size }));
      assert.equal(stack.length, size);
      assert.equal(new Set(stack.map((r) => r.urn)).size, size);
    }
    const stack = generateStack(shape({ size: 2000, workspaceShare: 0.1, keyShare: 0.05, aliasShare: 0.02 }));
    assert.equal(
      count(stack, (t) => WORKSPACE_TYPES.has(t)),
      200,
    );
    assert.equal(
      count(stack, (t) => t === "aws:kms/key:Key"),
      100,
    );
    assert.equal(
      count(stack, (t) => t === "aws:kms/alias:Alias"),
      40,
    );
    assert.ok(typeCounts(stack).size >= 8, "unrelated types are varied");
  });

  it("wires the requested share of workspaces to a key of the stack through propertyDependencies", () => {
    for (const preview of [false, true]) {
      const stack = generateStack(shape({ preview, wiredShare: 0.75 }));
      const keys = new Map(stack.filter((r) => r.type === "aws:kms/key:Key").map((r) => [r.urn, r]));
      const workspaces = stack.filter((r) => WORKSPACE_TYPES.has(r.type));
      const wired = workspaces.filter((w) => w.propertyDependencies?.kmsKeyIdentifier !== undefined);
      assert.ok(
        Math.abs(wired.length / workspaces.length - 0.75) < 0.1,
        `${wired.length}/${workspaces.length}`,
      );
      for (const workspace of wired) {
        const [keyUrn] = workspace.propertyDependencies!.kmsKeyIdentifier;
        const key = keys.get(keyUrn);
        assert.ok(key, `${workspace.name} depends on a key of the stack`);
        assert.deepEqual(workspace.dependencies, [keyUrn]);
        // At preview the key is not created yet: its ARN, and the workspace's input, are unknown.
        assert.equal(workspace.properties!.kmsKeyIdentifier, preview ? UNKNOWN : key.properties!.arn);
        assert.equal(key.properties!.arn === UNKNOWN, preview);
      }
      for (const workspace of workspaces.filter((w) => !wired.includes(w))) {
        assert.notEqual(workspace.properties!.kmsKeyIdentifier, UNKNOWN);
        assert.ok(!String(workspace.properties!.kmsKeyIdentifier ?? "").startsWith("arn:"));
      }
    }
  });

  it("points every alias at a key of the stack", () => {
    const stack = generateStack(shape());
    const keyUrns = new Set(stack.filter((r) => r.type === "aws:kms/key:Key").map((r) => r.urn));
    const aliases = stack.filter((r) => r.type === "aws:kms/alias:Alias");
    assert.ok(aliases.length > 0);
    for (const alias of aliases) assert.ok(keyUrns.has(alias.propertyDependencies!.targetKeyId[0]));
  });

  it("attaches each resource's default provider, as the engine does", () => {
    for (const r of generateStack(shape({ size: 300 }))) {
      const expected = r.type.startsWith("aws-native:")
        ? "pulumi:providers:aws-native"
        : "pulumi:providers:aws";
      assert.equal(r.provider?.type, expected);
    }
  });
});
