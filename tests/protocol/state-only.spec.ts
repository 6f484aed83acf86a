/**
 * State-only inputs, as `pulumi policy analyze` and Pulumi Cloud audit policy groups send them: no
 * program runs, every value is known. `policy analyze` (pulumi/pulumi pkg/resource/deploy/
 * analyze_snapshot.go, AnalyzeSnapshot) calls Analyze for every resource of the state (providers
 * and the root stack included) with its recorded *inputs* and its provider's recorded inputs, then
 * AnalyzeStack once with every resource's *outputs* and the parent, dependencies and
 * propertyDependencies the state recorded; imported resources and old states record none, and
 * resources that Pulumi Insights discovers in a cloud account have outputs only.
 * The pack must give the verdicts it gives at `up`: keys traced by ARN/id, and never a false
 * "not set" because an input is absent from the state.
 */
import { strict as assert } from "assert";
import { PackClient, urnOf, type AnalyzeResult, type ResourceSpec } from "../../cli/engine/pack-client";

const ACCOUNT = "123456789012";
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
const STACK = "prod";
const PROJECT = "workspaces";
const urn = (type: string, name: string) => urnOf(type, name, STACK, PROJECT);
const stackUrn = urn("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`);
const providerUrn = urn("pulumi:providers:aws", "default_7_48_0");
const keyUrn = urn("aws:kms/key:Key", "workspace-key");
const domainUrn = urn("aws:datazone/domain:Domain", "studio");

const KEY_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});

/** One resource of a state: what it was declared with (inputs) and what AWS answered (outputs). */
interface StateResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
  readonly parent?: string;
  readonly provider?: boolean;
  readonly dependencies?: string[];
  readonly propertyDependencies?: Record<string, string[]>;
}

const provider: StateResource = {
  type: "pulumi:providers:aws",
  name: "default_7_48_0",
  urn: providerUrn,
  inputs: { region: "us-east-1", version: "7.48.0" },
  outputs: { region: "us-east-1", version: "7.48.0" },
};
const root: StateResource = {
  type: "pulumi:pulumi:Stack",
  name: `${PROJECT}-${STACK}`,
  urn: stackUrn,
  inputs: {},
  outputs: {},
};

function keyState(overrides: Record<string, unknown> = {}): StateResource {
  const inputs = {
    description: "Bedrock Studio workspace key",
    keyUsage: "ENCRYPT_DECRYPT",
    customerMasterKeySpec: "SYMMETRIC_DEFAULT",
    isEnabled: true,
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: 30,
    bypassPolicyLockoutSafetyCheck: false,
    policy: KEY_POLICY,
    tags: { EnableBedrock: "true" },
    ...overrides,
  };
  return {
    type: "aws:kms/key:Key",
    name: "workspace-key",
    urn: keyUrn,
    parent: stackUrn,
    provider: true,
    inputs,
    outputs: {
      ...inputs,
      id: KEY_ID,
      arn: KEY_ARN,
      keyId: KEY_ID,
      multiRegion: false,
      tagsAll: { EnableBedrock: "true" },
    },
  };
}

function domainState(kmsKeyIdentifier: string | undefined): StateResource {
  const inputs: Record<string, unknown> = {
    name: "studio",
    domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/studio-service`,
    ...(kmsKeyIdentifier === undefined ? {} : { kmsKeyIdentifier }),
  };
  return {
    type: "aws:datazone/domain:Domain",
    name: "studio",
    urn: domainUrn,
    parent: stackUrn,
    provider: true,
    inputs,
    outputs: {
      ...inputs,
      id: "dzd_abc123",
      arn: `arn:aws:datazone:us-east-1:${ACCOUNT}:domain/dzd_abc123`,
      portalUrl: "https://dzd_abc123.datazone.us-east-1.on.aws",
    },
    dependencies: kmsKeyIdentifier === undefined ? [] : [keyUrn],
    propertyDependencies: kmsKeyIdentifier === undefined ? {} : { kmsKeyIdentifier: [keyUrn] },
  };
}

/** How the state reaches the pack. */
type Shape = "policy analyze" | "imported (no dependencies recorded)" | "discovered (outputs only)";

function toSpec(resource: StateResource, properties: Record<string, unknown>, shape: Shape): ResourceSpec {
  const recorded = shape === "policy analyze";
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    properties,
    parent: resource.parent,
    // Discovered resources are not managed by a Pulumi provider of the stack.
    provider:
      resource.provider && shape !== "discovered (outputs only)"
        ? { type: provider.type, name: provider.name, urn: provider.urn, properties: provider.inputs }
        : undefined,
    dependencies: recorded ? resource.dependencies : undefined,
    propertyDependencies: recorded ? resource.propertyDependencies : undefined,
  };
}

/** AnalyzeSnapshot's calls: Analyze per resource (inputs), then AnalyzeStack (outputs). */
async function analyzeState(pack: PackClient, state: StateResource[], shape: Shape): Promise<AnalyzeResult> {
  const discovered = shape === "discovered (outputs only)";
  const all = discovered ? state : [root, provider, ...state];
  const perResource = await Promise.all(
    all.map(async (r) => {
      const result = await pack.analyze(toSpec(r, discovered ? r.outputs : r.inputs, shape));
      // The engine attributes an Analyze diagnostic to the resource it analyzed.
      return { ...result, diagnostics: result.diagnostics.map((d) => ({ ...d, urn: d.urn || r.urn })) };
    }),
  );
  const stack = await pack.analyzeStack(all.map((r) => toSpec(r, r.outputs, shape)));
  const results = [...perResource, stack];
  return {
    diagnostics: results.flatMap((r) => r.diagnostics),
    notApplicable: results.flatMap((r) => r.notApplicable),
  };
}

function mandatory(result: AnalyzeResult): string[] {
  return result.diagnostics
    .filter((d) => d.enforcementLevel === "mandatory")
    .map((d) => `${d.policyName} ${d.urn === domainUrn ? "studio" : d.urn}`)
    .sort();
}

describe("state-only inputs: `pulumi policy analyze` and audit policy groups", function () {
  let pack: PackClient;
  before(async () => {
    // As `policy analyze` starts a pack: no PolicyAnalyzerOptions, so no dry-run variable and no
    // ConfigureStack; the pack judges a recorded state, whose values are final.
    pack = await PackClient.start({ startedBy: "policy analyze" });
    await pack.initialise();
  });
  after(async () => pack?.stop());

  const shapes: Shape[] = [
    "policy analyze",
    "imported (no dependencies recorded)",
    "discovered (outputs only)",
  ];
  for (const shape of shapes) {
    describe(shape, () => {
      it("passes a fit key traced by its ARN, with no mandatory finding and no can't-run advisory", async () => {
        const result = await analyzeState(pack, [keyState(), domainState(KEY_ARN)], shape);
        assert.deepEqual(mandatory(result), []);
        assert.deepEqual(
          result.diagnostics.filter((d) => /can't run/.test(d.message)),
          [],
        );
      });

      it("blocks a key with rotation off, traced by its ARN to the workspace", async () => {
        const result = await analyzeState(
          pack,
          [keyState({ enableKeyRotation: false }), domainState(KEY_ARN)],
          shape,
        );
        assert.deepEqual(mandatory(result), ["cmk-key-rotation studio"]);
      });

      it("blocks a key with a 7-day deletion window, traced by its ARN to the workspace", async () => {
        const result = await analyzeState(
          pack,
          [keyState({ deletionWindowInDays: 7 }), domainState(KEY_ARN)],
          shape,
        );
        assert.deepEqual(mandatory(result), ["cmk-key-deletion-window studio"]);
      });

      it("blocks a workspace whose state holds no key", async () => {
        const result = await analyzeState(pack, [keyState(), domainState(undefined)], shape);
        assert.ok(mandatory(result).includes("workspace-cmk-required studio"), mandatory(result).join("; "));
      });
    });
  }

  it("an imported workspace whose recorded inputs lack the key its outputs hold is not reported as 'not set'", async () => {
    // `pulumi import` records the inputs the provider's Read reconstructs; a state edited or
    // written by an older provider may lack one. The outputs (AnalyzeStack) hold the key.
    const domain = domainState(KEY_ARN);
    const { kmsKeyIdentifier: _dropped, ...inputs } = domain.inputs;
    const imported = { ...domain, inputs };
    const result = await analyzeState(pack, [keyState(), imported], "imported (no dependencies recorded)");
    assert.deepEqual(mandatory(result), []);
    // Judged on the outputs: the same key with rotation off is blocked, as at `up`.
    const unfit = await analyzeState(
      pack,
      [keyState({ enableKeyRotation: false }), imported],
      "imported (no dependencies recorded)",
    );
    assert.deepEqual(mandatory(unfit), ["cmk-key-rotation studio"]);
  });

  describe("values are final: what a preview defers to `up` is NOT VERIFIED, never passed", () => {
    // A CloudFormation stack whose domain takes its key from another stack's export: nothing is
    // unknown, yet no value says which key it is. A preview defers that to `up`; a recorded state
    // has no `up` to wait for.
    const inputs = {
      name: "studio",
      templateBody: [
        "Resources:",
        "  Studio:",
        "    Type: AWS::DataZone::Domain",
        "    Properties:",
        "      Name: studio",
        `      DomainExecutionRole: arn:aws:iam::${ACCOUNT}:role/studio-service`,
        "      KmsKeyIdentifier: !ImportValue shared-studio-key-arn",
      ].join("\n"),
    };
    const cfnStack: StateResource = {
      type: "aws:cloudformation/stack:Stack",
      name: "studio-stack",
      urn: urn("aws:cloudformation/stack:Stack", "studio-stack"),
      parent: stackUrn,
      provider: true,
      inputs,
      outputs: {
        ...inputs,
        id: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/studio-stack/1`,
        outputs: {},
      },
    };

    it("`pulumi policy analyze`: cmk-unverifiable on the stack that holds the domain", async () => {
      const result = await analyzeState(pack, [cfnStack], "policy analyze");
      assert.deepEqual(mandatory(result), [`cmk-unverifiable ${cfnStack.urn}`]);
    });

    it("the same state sent by a preview is deferred (the control: the engine said it was a preview)", async () => {
      const preview = await PackClient.start({ project: PROJECT, stack: STACK, dryRun: true });
      try {
        await preview.initialise();
        const result = await analyzeState(preview, [cfnStack], "policy analyze");
        assert.deepEqual(mandatory(result), []);
      } finally {
        await preview.stop();
      }
    });
  });
});
