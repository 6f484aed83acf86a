import { strict as assert } from "assert";
import {
  endOfDay,
  exemptionFor,
  matchesResource,
  type Exemption,
} from "../../policy-pack/settings/exemptions";
import { traceStack, type KeyTrace, type StackResource } from "../../policy-pack/facts/key-tracing";
import { UNKNOWN_SENTINEL as U } from "../../policy-pack/facts/values";

const ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const ALIAS_ARN = "arn:aws:kms:us-east-1:123456789012:alias/studio";

function resource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  deps: Record<string, string[]> = {},
): StackResource {
  return { type, name, urn: `urn:pulumi:dev::p::${type}::${name}`, props, propertyDependencies: deps };
}
const key = (props: Record<string, unknown> = {}, name = "key") =>
  resource("aws:kms/key:Key", name, { arn: ARN, keyId: ID, ...props });
const domain = (kmsKeyIdentifier: unknown, deps: string[] = []) =>
  resource(
    "aws:datazone/domain:Domain",
    "studio",
    { kmsKeyIdentifier },
    deps.length > 0 ? { kmsKeyIdentifier: deps } : {},
  );

function onlyTrace(resources: StackResource[]): KeyTrace {
  const traces = traceStack(resources);
  assert.equal(traces.length, 1);
  return traces[0].trace;
}
function keyNames(trace: KeyTrace): string[] {
  return trace.kind === "in-stack" ? trace.keys.map((k) => k.key.name) : [trace.kind];
}

describe("key tracing: key identity includes the region (issue 12)", () => {
  const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
  const mrkKey = (name: string, region: string | undefined) =>
    resource("aws:kms/key:Key", name, {
      keyId: MRK,
      ...(region === undefined ? {} : { region }),
      multiRegion: true,
    });
  const keyPolicy = (region: string | undefined, name = "kp") =>
    resource("aws:kms/keyPolicy:KeyPolicy", name, {
      keyId: MRK,
      policy: "{}",
      ...(region === undefined ? {} : { region }),
    });
  it("resolves a bare mrk- id only in the region of the resource that names it", () => {
    const east = mrkKey("east", "us-east-1");
    const west = mrkKey("west", "eu-west-1");
    const project = () => resource("aws-native:bedrock:DataAutomationProject", "p", { kmsKeyId: MRK });
    const withProvider = (region: string): StackResource => ({ ...project(), providerProps: { region } });
    for (const region of ["us-east-1", "eu-west-1"]) {
      const [trace] = traceStack([east, west, withProvider(region)]);
      assert.deepEqual(keyNames(trace!.trace), [region === "us-east-1" ? "east" : "west"]);
    }
    // The stack's default region stands in for a resource that states none.
    const [byDefault] = traceStack([east, west, project()], { "aws-native:region": "eu-west-1" });
    assert.deepEqual(keyNames(byDefault!.trace), ["west"]);
    // Nothing says the region: every candidate is judged.
    const [anywhere] = traceStack([east, west, project()]);
    assert.deepEqual(keyNames(anywhere!.trace).sort(), ["east", "west"]);
  });

  it("attaches a KeyPolicy addressed by an mrk- id only to the key of its own region", () => {
    const east = mrkKey("east", "us-east-1");
    const west = mrkKey("west", "eu-west-1");
    const uses = (name: string) =>
      resource("aws:datazone/domain:Domain", `d-${name}`, { kmsKeyIdentifier: MRK, region: name });
    const traces = traceStack([east, west, keyPolicy("us-east-1"), uses("us-east-1"), uses("eu-west-1")]);
    const policiesOf = (region: string) => {
      const trace = traces.find((t) => t.resource.name === `d-${region}`)!.trace;
      assert.equal(trace.kind, "in-stack");
      return trace.kind === "in-stack" ? trace.keys.flatMap((k) => k.keyPolicies.map((p) => p.name)) : [];
    };
    assert.deepEqual(policiesOf("us-east-1"), ["kp"]);
    assert.deepEqual(policiesOf("eu-west-1"), []);
  });

  it("keeps every KeyPolicy of a key, in URN order whatever the stack order", () => {
    const k = key();
    const policies = [keyPolicy(undefined, "b"), keyPolicy(undefined, "a")].map((p) => ({
      ...p,
      props: { keyId: ID, policy: "{}" },
    }));
    for (const order of [policies, [...policies].reverse()]) {
      const [trace] = traceStack([k, ...order, domain(ARN)]);
      assert.equal(trace!.trace.kind, "in-stack");
      if (trace!.trace.kind === "in-stack")
        assert.deepEqual(
          trace!.trace.keys[0]!.keyPolicies.map((p) => p.name),
          ["a", "b"],
        );
    }
  });
});

describe("key tracing", () => {
  it("follows property dependencies at preview", () => {
    const k = key({ arn: U, keyId: U });
    assert.deepEqual(keyNames(onlyTrace([k, domain(U, [k.urn])])), ["key"]);
  });

  it("follows an alias's own dependencies at preview", () => {
    const k = key({ arn: U, keyId: U });
    const alias = resource("aws:kms/alias:Alias", "alias", { targetKeyId: U }, { targetKeyId: [k.urn] });
    assert.deepEqual(keyNames(onlyTrace([k, alias, domain(U, [alias.urn])])), ["key"]);
  });

  it("matches a known key ARN, key id, alias ARN and alias name", () => {
    const alias = resource("aws:kms/alias:Alias", "alias", {
      name: "alias/studio",
      arn: ALIAS_ARN,
      targetKeyId: ID,
    });
    for (const value of [ARN, ID, ALIAS_ARN, "alias/studio"]) {
      assert.deepEqual(keyNames(onlyTrace([key(), alias, domain(value)])), ["key"], value);
    }
  });

  it("ignores a dependency whose known ARN differs from the value", () => {
    const other = key({ arn: ARN.replace("1234abcd", "ffffffff"), keyId: "x" }, "other");
    assert.deepEqual(keyNames(onlyTrace([other, domain(ARN, [other.urn])])), ["outside"]);
  });

  it("tells unknown-and-untraceable from outside keys and from references it leaves to other policies", () => {
    assert.deepEqual(keyNames(onlyTrace([domain(U)])), ["unresolved"]);
    assert.deepEqual(keyNames(onlyTrace([domain(ARN)])), ["outside"]);
    assert.deepEqual(keyNames(onlyTrace([domain("alias/aws/datazone")])), ["not-traced"]);
    assert.deepEqual(keyNames(onlyTrace([domain(undefined)])), ["not-traced"]);
  });

  it("merges a replica with its primary and a key policy resource with its key", () => {
    const primary = key({ arn: U, keyId: U, enableKeyRotation: true, rotationPeriodInDays: 180 }, "primary");
    const replica = resource(
      "aws:kms/replicaKey:ReplicaKey",
      "replica",
      { primaryKeyArn: U, arn: U },
      { primaryKeyArn: [primary.urn] },
    );
    const policy = resource(
      "aws:kms/keyPolicy:KeyPolicy",
      "kp",
      { keyId: U, policy: "{}", bypassPolicyLockoutSafetyCheck: true },
      { keyId: [replica.urn] },
    );
    const trace = onlyTrace([primary, replica, policy, domain(U, [replica.urn])]);
    assert.equal(trace.kind, "in-stack");
    const [traced] = trace.keys;
    assert.equal(traced.primary?.name, "primary");
    assert.deepEqual(
      traced.keyPolicies.map((p) => p.name),
      ["kp"],
    );
    assert.equal(traced.facts.rotationPeriodDays, 180);
    assert.equal(traced.facts.bypassLockout, true);
  });

  it("traces every family of the catalog by its key property path", () => {
    const k = key({ arn: U });
    const kb = resource(
      "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase",
      "kb",
      {
        knowledgeBaseConfiguration: {
          type: "MANAGED",
          managedKnowledgeBaseConfiguration: { serverSideEncryptionConfiguration: { kmsKeyArn: U } },
        },
      },
      { knowledgeBaseConfiguration: [k.urn] },
    );
    assert.deepEqual(keyNames(onlyTrace([k, kb])), ["key"]);
  });

  it("stays linear on 20,000 resources (benchmark, prints figures)", () => {
    const build = (n: number) => {
      const resources: StackResource[] = [];
      for (let i = 0; i < n / 4; i++) {
        const k = key({ arn: U, keyId: U }, `key-${i}`);
        const alias = resource(
          "aws:kms/alias:Alias",
          `alias-${i}`,
          { targetKeyId: U },
          { targetKeyId: [k.urn] },
        );
        const d = {
          ...domain(U, [alias.urn]),
          name: `studio-${i}`,
          urn: `urn:pulumi:dev::p::aws:datazone/domain:Domain::studio-${i}`,
        };
        resources.push(k, alias, d, resource("aws:s3/bucket:Bucket", `b-${i}`, { bucket: "b" }));
      }
      return resources;
    };
    const time = (n: number) => {
      const resources = build(n);
      const started = process.hrtime.bigint();
      const traces = traceStack(resources);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(traces.filter((t) => t.trace.kind === "in-stack").length, n / 4);
      return ms;
    };
    time(2000);
    const [t10, t20] = [time(10000), time(20000)];
    console.log(
      `      traceStack: 10k resources ${t10.toFixed(1)} ms, 20k ${t20.toFixed(1)} ms (ratio ${(t20 / t10).toFixed(2)})`,
    );
  });
});

describe("exemptions", () => {
  const exemption = (resource: string, expires: string): Exemption => ({
    resource,
    policies: ["cmk-key-rotation"],
    reason: "r",
    expires,
    endsAt: endOfDay(expires)!,
  });
  const studio = {
    urn: "urn:pulumi:dev::p::aws:datazone/domain:Domain::legacy-studio",
    name: "legacy-studio",
  };

  it("reads calendar dates only, ending at the end of the day (UTC)", () => {
    assert.equal(endOfDay("2030-01-31"), Date.UTC(2030, 1, 1));
    for (const bad of ["2030-02-30", "2030-13-01", "30-01-01", "2030-1-1", "tomorrow"])
      assert.equal(endOfDay(bad), undefined, bad);
  });

  it("matches exact names, and URNs part by part with * in all but the name", () => {
    assert.ok(matchesResource({ resource: "legacy-studio" }, studio));
    assert.ok(!matchesResource({ resource: "legacy-*" }, studio), "a name is never a pattern");
    assert.ok(matchesResource({ resource: "urn:pulumi:*::p::aws:datazone/*::legacy-studio" }, studio));
    assert.ok(!matchesResource({ resource: "urn:pulumi:dev::p::aws:datazone/domain:Domain::*" }, studio));
    assert.ok(!matchesResource({ resource: "legacy" }, studio));
    assert.ok(!matchesResource({ resource: "urn:pulumi:prod::*::*::legacy-studio" }, studio));
    assert.ok(
      !matchesResource({ resource: "urn:pulumi:dev*::legacy-studio" }, studio),
      "* stays in its part",
    );
    assert.ok(
      matchesResource({ resource: "a.b(c)" }, { urn: "", name: "a.b(c)" }),
      "regex characters are literal",
    );
  });

  it("prefers an active exemption, and reports an expired one", () => {
    const now = Date.UTC(2030, 5, 1);
    const expired = exemption("urn:pulumi:dev::p::*::legacy-studio", "2030-05-31");
    const active = exemption("legacy-studio", "2030-06-01");
    assert.equal(exemptionFor([expired], "cmk-key-rotation", [studio], now).kind, "expired");
    assert.equal(exemptionFor([expired, active], "cmk-key-rotation", [studio], now).kind, "active");
    assert.equal(exemptionFor([active], "cmk-key-enabled", [studio], now).kind, "none");
  });
});
