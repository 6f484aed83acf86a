/**
 * The sample stack run by Pulumi's own Node.js runtime with this tool as the engine (preview, and
 * "after up" with plausible outputs): the resources it declares and their wiring, then the real
 * policy pack's verdict on them over the engine protocol (Analyze per resource, AnalyzeStack).
 * Runs are shared and started together: each is a Node.js process loading @pulumi/aws.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { MOCK_ACCOUNT_ID, type ProgramRun } from "../../cli/engine/run-program";
import { UNKNOWN, type AnalyzeResult, type ResourceSpec } from "../../cli/engine/pack-client";
import { readProject } from "../../cli/sources/stack-config";
import { programRun } from "../support/programs";
import { suitePack } from "../support/pack";
import { patient } from "../support/patience";

const ROOT = path.resolve(__dirname, "../..");
const project = readProject(ROOT);

const KEY = "aws:kms/key:Key";
const REPLICA = "aws:kms/replicaKey:ReplicaKey";
const ALIAS = "aws:kms/alias:Alias";
const ROLE = "aws:iam/role:Role";
const DOMAIN = "aws:datazone/domain:Domain";
const BLUEPRINT = "aws:datazone/environmentBlueprintConfiguration:EnvironmentBlueprintConfiguration";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

/**
 * The sample stack with Pulumi.yaml's defaults, `aws:region`, and the given project config. Runs are
 * shared (tests/support/programs.ts): the suite starts them all at once and tests await theirs.
 */
function sampleStack(config: Record<string, unknown>, preview = true): Promise<ProgramRun> {
  const namespaced = Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      `${project.name}:${k}`,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
  return programRun(
    project,
    { ...project.configDefaults, "aws:region": "us-east-1", ...namespaced },
    preview ? "preview" : "up",
  );
}

const ofType = (program: ProgramRun, type: string) => program.resources.filter((r) => r.type === type);
const only = (program: ProgramRun, type: string) => {
  const found = ofType(program, type);
  assert.equal(found.length, 1, `exactly one ${type}`);
  return found[0];
};
const byUrn = (program: ProgramRun, urn: string) => program.resources.find((r) => r.urn === urn);
const props = (r: ResourceSpec) => r.properties ?? {};
const json = (r: ResourceSpec, property: string) => JSON.parse(String(props(r)[property]));

interface Statement {
  Sid?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The resource a property came from, as the engine's property dependencies say (exactly one). */
function source(program: ProgramRun, r: ResourceSpec, property: string): ResourceSpec {
  const urns = r.propertyDependencies?.[property] ?? [];
  assert.equal(urns.length, 1, `${r.name}.${property} depends on exactly one resource: ${urns.join(", ")}`);
  const found = byUrn(program, urns[0]);
  assert.ok(found, `${urns[0]} was registered`);
  return found;
}

const INVALID_VERSION = { workspaces: [{ name: "x", version: "V3" }] };
const UNLISTED_REGION = { regions: ["us-east-1"], workspaces: [{ name: "x", regions: ["eu-west-1"] }] };
/** A tag key @pulumi/pulumi would drop while serializing the map: refused, never lost silently. */
const UNSENDABLE_TAG = { workspaces: [{ name: "x", tags: JSON.parse('{"__proto__": "p"}') as object }] };
const DEMONSTRATIONS = {
  "kmsKey: none": { workspaces: [{ name: "studio", kmsKey: "none" }] },
  "kmsKey: aws-managed": { workspaces: [{ name: "studio", kmsKey: "aws-managed" }] },
  "enableKeyRotation: false": { enableKeyRotation: false },
};

/** The Bedrock Studio (V1) workspace that teams re-creating an existing one declare. */
const V1_STUDIO = { workspaces: [{ name: "studio", version: "V1" }] };

/** Tag keys JavaScript gives meaning to: data like any other tag (a `toString` tag used to hang the program). */
const PROTOTYPE_NAMED_TAGS = { toString: "x", valueOf: "v", constructor: "c", hasOwnProperty: "h" };

const MULTI_WORKSPACE = {
  regions: ["us-east-1", "eu-west-1"],
  workspaces: [
    { name: "research", version: "V1", tags: { team: "research", ...PROTOTYPE_NAMED_TAGS } },
    { name: "unified", version: "V2", regions: ["eu-west-1"], blueprints: ["AmazonBedrockChatAgent"] },
    {
      name: "reused",
      version: "V1",
      regions: ["us-east-1"],
      roles: {
        executionRoleArn: "arn:aws:iam::123456789012:role/old-service",
        provisioningRoleArn: "arn:aws:iam::123456789012:role/old-provisioning",
      },
    },
  ],
};

describe("sample stack run with this tool as the engine", function () {
  this.timeout(patient(300_000));
  let preview: ProgramRun;
  let up: ProgramRun;
  let several: ProgramRun;
  let multiRegion: ProgramRun;
  let v1: ProgramRun;

  before(async function () {
    const start = Date.now();
    for (const config of [INVALID_VERSION, UNLISTED_REGION, UNSENDABLE_TAG, ...Object.values(DEMONSTRATIONS)])
      void sampleStack(config);
    [preview, up, several, multiRegion, v1] = await Promise.all([
      sampleStack({}),
      sampleStack({}, false),
      sampleStack(MULTI_WORKSPACE),
      sampleStack({ regions: ["us-east-1", "eu-west-1"], multiRegionKey: true }),
      sampleStack(V1_STUDIO, false),
    ]);
    console.log(`      (10 program runs started, the first 5 done in ${Date.now() - start} ms)`);
  });

  describe("default config (only aws:region set)", () => {
    it("declares a fit customer-managed key with an alias", () => {
      const key = props(only(preview, KEY));
      assert.equal(key.enableKeyRotation, true);
      assert.equal(key.rotationPeriodInDays, 365);
      assert.equal(key.deletionWindowInDays, 30);
      assert.equal(key.keyUsage, "ENCRYPT_DECRYPT");
      assert.equal(key.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
      assert.equal(key.isEnabled, true);
      assert.deepEqual(key.tags, { EnableBedrock: "true" });
      assert.ok(!("bypassPolicyLockoutSafetyCheck" in key));
      const alias = only(preview, ALIAS);
      assert.equal(props(alias).name, "alias/bedrock-workspaces");
      assert.equal(source(preview, alias, "targetKeyId").type, KEY);
    });

    it("wires the domain's kmsKeyIdentifier to that key: unknown with a property dependency at preview, its ARN at up", () => {
      const domain = only(preview, DOMAIN);
      assert.equal(props(domain).kmsKeyIdentifier, UNKNOWN);
      assert.equal(source(preview, domain, "kmsKeyIdentifier").urn, only(preview, KEY).urn);
      assert.equal(domain.provider?.properties?.region, "us-east-1");

      const resolved = props(only(up, DOMAIN)).kmsKeyIdentifier;
      assert.match(String(resolved), /^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
      assert.equal(resolved, (up.outputs.keyArns as Record<string, string>)["us-east-1"]);
    });

    it("declares a SageMaker Unified Studio (V2) domain with its execution and service roles", () => {
      const domain = only(preview, DOMAIN);
      assert.equal(props(domain).domainVersion, "V2");
      assert.equal(props(domain).name, "studio");
      assert.equal(props(source(preview, domain, "domainExecutionRole")).name, "bedrock-studio-execution");
      assert.equal(props(source(preview, domain, "serviceRole")).name, "bedrock-studio-service");
      const managed = ofType(preview, ATTACHMENT)
        .map((a) => String(props(a).policyArn))
        .sort();
      assert.deepEqual(managed, [
        "arn:aws:iam::aws:policy/service-role/SageMakerStudioDomainExecutionRolePolicy",
        "arn:aws:iam::aws:policy/service-role/SageMakerStudioDomainServiceRolePolicy",
        "arn:aws:iam::aws:policy/service-role/SageMakerStudioProjectProvisioningRolePolicy",
      ]);
    });

    it("with version V1, declares a Bedrock Studio domain without a service role", () => {
      const domain = only(v1, DOMAIN);
      assert.equal(props(domain).domainVersion, "V1");
      assert.ok(!("serviceRole" in props(domain)));
      assert.deepEqual(
        ofType(v1, ROLE)
          .map((r) => props(r).name)
          .sort(),
        ["bedrock-studio-execution", "bedrock-studio-provisioning"],
      );
      const [statement] = json(
        ofType(v1, ROLE).find((r) => props(r).name === "bedrock-studio-execution")!,
        "assumeRolePolicy",
      ).Statement as Statement[];
      assert.deepEqual(statement.Action, ["sts:AssumeRole", "sts:TagSession"]);
    });

    it("creates roles that trust only DataZone acting for this account", () => {
      const roles = ofType(preview, ROLE);
      assert.deepEqual(roles.map((r) => props(r).name).sort(), [
        "bedrock-studio-execution",
        "bedrock-studio-provisioning",
        "bedrock-studio-service",
      ]);
      for (const role of roles) {
        const [statement] = json(role, "assumeRolePolicy").Statement as Statement[];
        assert.deepEqual(statement.Principal, { Service: "datazone.amazonaws.com" });
        assert.equal(statement.Condition?.StringEquals?.["aws:SourceAccount"], MOCK_ACCOUNT_ID);
        assert.ok([statement.Action].flat().includes("sts:AssumeRole"));
      }
      const execution = roles.find((r) => props(r).name === "bedrock-studio-execution")!;
      const [statement] = json(execution, "assumeRolePolicy").Statement as Statement[];
      // As AWS's AmazonSageMakerDomainExecution page shows the role's trust policy.
      assert.deepEqual(statement.Action, ["sts:AssumeRole", "sts:TagSession", "sts:SetContext"]);
      assert.deepEqual(statement.Condition?.["ForAllValues:StringLike"], { "aws:TagKeys": "datazone*" });
    });

    it("V1: lets the provisioning role create roles only within AWS's Bedrock Studio permissions boundary", () => {
      const policies = ofType(v1, "aws:iam/rolePolicy:RolePolicy");
      const provisioning = policies.find((p) => p.name.endsWith("-provisioning"))!;
      const statements = json(provisioning, "policy").Statement as Statement[];
      const createRole = statements.find((s) => [s.Action].flat().includes("iam:CreateRole"))!;
      assert.equal(
        createRole.Condition?.StringEquals?.["iam:PermissionsBoundary"],
        "arn:aws:iam::aws:policy/AmazonBedrockStudioPermissionsBoundary",
      );
    });

    it("enables the Tooling and the documented Bedrock blueprints (V2) with the provisioning role in the domain's region", () => {
      const configurations = ofType(preview, BLUEPRINT);
      assert.equal(configurations.length, 7, "V2: Tooling and six Bedrock blueprints");
      assert.equal(ofType(v1, BLUEPRINT).length, 7, "V1: the seven Bedrock Studio blueprints");
      const domain = only(preview, DOMAIN);
      for (const configuration of configurations) {
        assert.equal(props(configuration).provisioningRoleArn, UNKNOWN);
        assert.equal(
          props(source(preview, configuration, "provisioningRoleArn")).name,
          "bedrock-studio-provisioning",
        );
        assert.equal(source(preview, configuration, "domainId").urn, domain.urn);
        assert.deepEqual(props(configuration).enabledRegions, ["us-east-1"]);
      }
      const upConfiguration = ofType(up, BLUEPRINT)[0];
      assert.equal(
        props(upConfiguration).provisioningRoleArn,
        "arn:aws:iam::123456789012:role/bedrock-studio-provisioning",
      );
      assert.match(String(props(upConfiguration).environmentBlueprintId), /^bp_/);
    });

    it("gives the key a least-privilege policy that is known at preview", () => {
      const statements = json(only(preview, KEY), "policy").Statement as Statement[];
      for (const statement of statements) {
        assert.notEqual(statement.Principal, "*", statement.Sid);
        const principals = Object.values((statement.Principal ?? {}) as Record<string, unknown>).flat();
        assert.ok(!principals.includes("*"), `${statement.Sid} names no wildcard principal`);
        if (typeof statement.Principal === "object" && "Service" in (statement.Principal as object)) {
          assert.equal(statement.Condition?.StringEquals?.["aws:SourceAccount"], MOCK_ACCOUNT_ID);
        }
        if ([statement.Action].flat().includes("kms:CreateGrant")) {
          assert.equal(statement.Condition?.Bool?.["kms:GrantIsForAWSResource"], "true");
        }
      }
      const root = statements.find((s) => s.Sid === "AccountRootAdministers")!;
      assert.deepEqual(root.Principal, { AWS: "arn:aws:iam::123456789012:root" });
      const users = statements.find((s) => s.Sid === "WorkspaceRolesUseTheKey")!;
      const upRoleArns = ofType(up, ROLE).map((r) => `arn:aws:iam::123456789012:role/${props(r).name}`);
      assert.deepEqual([...(users.Principal as { AWS: string[] }).AWS].sort(), upRoleArns.sort());
      assert.ok(!statements.some((s) => s.Sid === "KeyAdministrators"), "no administrators configured");
    });

    it("exports workspace ids, portal URLs, key ARNs and role ARNs", () => {
      const outputs = up.outputs as {
        workspaces: Record<string, Record<string, { domainId: string; portalUrl: string }>>;
        keyArns: Record<string, string>;
        roleArns: Record<string, Record<string, string>>;
      };
      const workspace = outputs.workspaces.studio["us-east-1"];
      assert.match(workspace.domainId, /^dzd_/);
      assert.equal(workspace.portalUrl, `https://${workspace.domainId}.datazone.us-east-1.on.aws`);
      assert.deepEqual(Object.keys(outputs.keyArns), ["us-east-1"]);
      assert.deepEqual(outputs.roleArns.studio, {
        executionRoleArn: "arn:aws:iam::123456789012:role/bedrock-studio-execution",
        serviceRoleArn: "arn:aws:iam::123456789012:role/bedrock-studio-service",
        provisioningRoleArn: "arn:aws:iam::123456789012:role/bedrock-studio-provisioning",
      });
    });
  });

  describe("several workspaces and regions", () => {
    it("sends every tag as data, keys named after prototype members included", () => {
      const research = ofType(several, DOMAIN).filter((d) => d.name.startsWith("research-"));
      assert.equal(research.length, 2);
      for (const domain of research)
        assert.deepEqual(props(domain).tags, { team: "research", ...PROTOTYPE_NAMED_TAGS });
    });

    it("creates one domain per workspace and region, each with its region's key and provider", () => {
      const domains = ofType(several, DOMAIN);
      assert.deepEqual(domains.map((d) => d.name).sort(), [
        "research-eu-west-1",
        "research-us-east-1",
        "reused-us-east-1",
        "unified-eu-west-1",
      ]);
      assert.equal(ofType(several, KEY).length, 2);
      assert.equal(ofType(several, "pulumi:providers:aws").length, 2);
      for (const domain of domains) {
        const key = source(several, domain, "kmsKeyIdentifier");
        assert.equal(key.type, KEY);
        assert.equal(key.provider?.properties?.region, domain.provider?.properties?.region);
        assert.ok(domain.name.endsWith(String(domain.provider?.properties?.region)));
      }
      // A workspace's blueprint configurations are the siblings of its domain.
      const blueprintsOf = (name: string) => {
        const domain = domains.find((d) => d.name === name)!;
        return ofType(several, BLUEPRINT).filter((b) => b.parent === domain.parent);
      };
      assert.equal(blueprintsOf("unified-eu-west-1").length, 1);
      assert.equal(blueprintsOf("research-eu-west-1").length, 7);
    });

    it("supports V2 domains with their service role and AWS's managed role policies", () => {
      const domain = ofType(several, DOMAIN).find((d) => d.name === "unified-eu-west-1")!;
      assert.equal(props(domain).domainVersion, "V2");
      assert.equal(props(source(several, domain, "serviceRole")).name, "bedrock-unified-service");
      assert.equal(props(source(several, domain, "domainExecutionRole")).name, "bedrock-unified-execution");
      const managed = ofType(several, ATTACHMENT)
        .map((a) => String(props(a).policyArn))
        .sort();
      assert.deepEqual(managed, [
        "arn:aws:iam::aws:policy/service-role/SageMakerStudioDomainExecutionRolePolicy",
        "arn:aws:iam::aws:policy/service-role/SageMakerStudioDomainServiceRolePolicy",
        "arn:aws:iam::aws:policy/service-role/SageMakerStudioProjectProvisioningRolePolicy",
      ]);
      const execution = ofType(several, ROLE).find((r) => props(r).name === "bedrock-unified-execution")!;
      const [statement] = json(execution, "assumeRolePolicy").Statement as Statement[];
      assert.deepEqual(statement.Action, ["sts:AssumeRole", "sts:TagSession", "sts:SetContext"]);
    });

    it("reuses existing roles instead of creating them, and lets them use the key", () => {
      const domain = ofType(several, DOMAIN).find((d) => d.name === "reused-us-east-1")!;
      assert.equal(props(domain).domainExecutionRole, "arn:aws:iam::123456789012:role/old-service");
      assert.ok(!ofType(several, ROLE).some((r) => String(props(r).name).includes("reused")));
      const key = source(several, domain, "kmsKeyIdentifier");
      const users = (json(key, "policy").Statement as Statement[]).find(
        (s) => s.Sid === "WorkspaceRolesUseTheKey",
      )!;
      const principals = (users.Principal as { AWS: string[] }).AWS;
      assert.ok(principals.includes("arn:aws:iam::123456789012:role/old-provisioning"));
      assert.ok(principals.includes("arn:aws:iam::123456789012:role/bedrock-research-execution"));
      assert.ok(
        !principals.some((p) => p.includes("unified")),
        "the us-east-1 key serves only us-east-1 workspaces",
      );
    });

    it("with multiRegionKey, creates one multi-region primary and a replica that the other region uses", () => {
      const primary = only(multiRegion, KEY);
      assert.equal(props(primary).multiRegion, true);
      assert.equal(primary.provider?.properties?.region, "us-east-1");
      const replica = only(multiRegion, REPLICA);
      assert.equal(replica.provider?.properties?.region, "eu-west-1");
      assert.equal(source(multiRegion, replica, "primaryKeyArn").urn, primary.urn);
      assert.deepEqual(props(replica).tags, { EnableBedrock: "true" });
      assert.equal(props(replica).deletionWindowInDays, 30);
      const eu = ofType(multiRegion, DOMAIN).find((d) => d.provider?.properties?.region === "eu-west-1")!;
      assert.equal(source(multiRegion, eu, "kmsKeyIdentifier").urn, replica.urn);
    });

    it("rejects invalid definitions with a message naming the key", async () => {
      await assert.rejects(
        sampleStack(INVALID_VERSION),
        /Config `workspaces\[0\]\.version` is neither V1 nor V2/,
      );
      await assert.rejects(sampleStack(UNLISTED_REGION), /names a region not in `regions`/);
      await assert.rejects(
        sampleStack(UNSENDABLE_TAG),
        /Config `workspaces\[0\]\.tags\.__proto__` is a tag key that Pulumi's Node\.js SDK cannot send/,
      );
    });
  });

  describe("the policy pack's verdict over the engine protocol", function () {
    const pack = suitePack();

    /**
     * Analyze per resource, then AnalyzeStack, as the engine does; returns every diagnostic with the
     * URN it is about (a resource policy's diagnostic leaves it to the request's resource).
     */
    async function verdict(program: ProgramRun | ResourceSpec[]): Promise<AnalyzeResult["diagnostics"]> {
      const resources = Array.isArray(program) ? program : program.resources;
      const diagnostics = [];
      for (const resource of resources) {
        const { diagnostics: found } = await pack.client.analyze(resource);
        diagnostics.push(...found.map((d) => ({ ...d, urn: d.urn || resource.urn! })));
      }
      diagnostics.push(...(await pack.client.analyzeStack(resources)).diagnostics);
      return diagnostics;
    }
    const mandatory = (diagnostics: AnalyzeResult["diagnostics"]) =>
      diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => `${d.policyName} on ${d.urn}`);

    for (const [label, run] of [
      ["default config at preview", () => preview],
      ["default config at up", () => up],
      ["several workspaces and regions", () => several],
      ["multi-region key", () => multiRegion],
      ["Bedrock Studio (V1) at up", () => v1],
    ] as const) {
      it(`finds no mandatory violation: ${label}`, async () => {
        assert.deepEqual(mandatory(await verdict(run())), []);
      });
    }

    it("finds the key usable by the workspace at up (no workspace-key-usable finding, V2 and V1)", async () => {
      for (const program of [up, v1]) {
        const usable = (await verdict(program)).filter((d) => d.policyName === "workspace-key-usable");
        assert.deepEqual(usable, []);
      }
    });

    it("reports workspace-key-usable, naming the action, when the key policy leaves the execution role out", async () => {
      const key = only(up, KEY);
      // Without the root statement the key policy alone decides (with it, the role's AWS-managed
      // policy would, which the stack does not hold: undetermined).
      const statements = (json(key, "policy").Statement as Statement[])
        .filter((s) => s.Sid !== "AccountRootAdministers")
        .map((s) =>
          s.Sid === "WorkspaceRolesUseTheKey"
            ? { ...s, Principal: { AWS: "arn:aws:iam::123456789012:role/bedrock-studio-provisioning" } }
            : s,
        );
      const mutated = up.resources.map((r) =>
        r.urn === key.urn
          ? {
              ...r,
              properties: {
                ...props(r),
                policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
              },
            }
          : r,
      );
      const usable = (await verdict(mutated)).filter((d) => d.policyName === "workspace-key-usable");
      assert.equal(usable.length, 1, JSON.stringify(usable));
      assert.equal(usable[0]!.enforcementLevel, "advisory");
      assert.match(usable[0]!.message, /kms:DescribeKey, kms:GenerateDataKey, kms:Decrypt/);
      assert.match(usable[0]!.message, /DomainExecutionRoleUsesTheKeyThroughDataZone/);
    });

    /** A copy of the run with the domain's key input replaced (or removed). */
    function withDomainKey(program: ProgramRun, key: string | undefined): ResourceSpec[] {
      return program.resources.map((r) => {
        if (r.type !== DOMAIN) return r;
        const properties = { ...props(r) };
        const propertyDependencies = { ...r.propertyDependencies };
        delete properties.kmsKeyIdentifier;
        delete propertyDependencies.kmsKeyIdentifier;
        if (key !== undefined) {
          properties.kmsKeyIdentifier = key;
          propertyDependencies.kmsKeyIdentifier = [];
        }
        return { ...r, properties, propertyDependencies };
      });
    }

    it("blocks a mutated copy whose domain has no key", async () => {
      const found = mandatory(await verdict(withDomainKey(preview, undefined)));
      assert.deepEqual(found, [`workspace-cmk-required on ${only(preview, DOMAIN).urn}`]);
    });

    it("blocks a mutated copy whose domain uses the AWS-managed key alias", async () => {
      const found = mandatory(await verdict(withDomainKey(up, "alias/aws/datazone")));
      assert.ok(
        found.some((f) => f.startsWith("workspace-cmk-key-arn on ")),
        found.join("\n"),
      );
    });

    for (const label of ["kmsKey: none", "kmsKey: aws-managed"] as const) {
      const config = DEMONSTRATIONS[label];
      it(`blocks the demonstration config ${label}`, async () => {
        const program = await sampleStack(config);
        assert.equal(ofType(program, KEY).length, 0, "no key is created when no workspace uses it");
        assert.ok(mandatory(await verdict(program)).length > 0);
      });
    }

    it("blocks the demonstration config enableKeyRotation: false", async function () {
      const program = await sampleStack(DEMONSTRATIONS["enableKeyRotation: false"]);
      assert.equal(props(only(program, KEY)).enableKeyRotation, false);
      assert.ok(mandatory(await verdict(program)).some((f) => /rotation/.test(f)));
    });
  });
});
