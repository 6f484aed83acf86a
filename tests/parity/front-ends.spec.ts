/**
 * Parity of the front ends, as a differential test: random worlds of Bedrock Studio workspaces
 * (V1 and V2, with and without blueprint configurations), agents and guardrails, using KMS keys of
 * every kind of fitness, are judged three ways, each from the facts its source has:
 * - the pack through the engine's protocol, values final (as at `pulumi up` / `policy analyze`),
 *   with keys verified with AWS KMS (a fake on 127.0.0.1);
 * - `bedrock-cmk-guard check` of the same world as a `pulumi stack export`;
 * - `bedrock-cmk-guard audit` of the same world read from the fake AWS.
 * All three must report the same (resource, policy, level) set and the same messages. The drifts
 * that the audit once had (the catalog's applicability conditions, the blueprint count of V1
 * workspaces, key labels) are among its first cases.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PackClient, type ResourceSpec } from "../../cli/engine/pack-client";
import { describeAudit, FakeWorld, isolatedFolder, keyArn, runAudit } from "../audit/fake-world";
import { assertBuilt, outsideFolder, runCli } from "../cli/run-cli";
import { fakeAwsEnv } from "../support/fake-aws/env";
import { depth } from "../support/depth";

const REGION = "eu-west-1";
const PROJECT = "parity";
const STACK = "world";

/** The pack config of the pack and `check` runs: keys outside the stack read from AWS KMS. */
const PACK_CONFIG = { "guard-settings": { verifyKeysWithAws: { enabled: true, timeoutSeconds: 30 } } };

/** A small deterministic generator (mulberry32), so a failing world can be replayed by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPEN_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }],
});
/** AWS's default key policy: the account's root, through IAM. */
const rootPolicy = (account: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
    ],
  });

interface WorldKey {
  readonly arn: string;
  readonly keyManager: "CUSTOMER" | "AWS";
  readonly keyUsage: string;
  readonly keySpec: string;
  readonly enabled: boolean;
  readonly rotationEnabled: boolean;
  readonly policy: string;
  readonly tags: Record<string, string>;
}

interface WorldDomain {
  readonly id: string;
  readonly name: string;
  readonly version: "V1" | "V2";
  readonly key?: string;
  readonly blueprints: readonly string[];
  readonly tags: Record<string, string>;
}

interface WorldBedrock {
  readonly kind: "agent" | "guardrail";
  readonly id: string;
  readonly name: string;
  readonly key?: string;
}

interface World {
  /** Each world lives in an account of its own, so the audit reads only it. */
  readonly account: string;
  readonly accessKey: string;
  readonly keys: readonly WorldKey[];
  readonly domains: readonly WorldDomain[];
  readonly bedrock: readonly WorldBedrock[];
}

function makeWorld(seed: number): World {
  const ACCOUNT = String(222233330000 + seed);
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const keys: WorldKey[] = Array.from({ length: 5 }, (_, i) => ({
    arn: keyArn(ACCOUNT, REGION, seed * 100 + i),
    keyManager: next() < 0.15 ? "AWS" : "CUSTOMER",
    keyUsage: next() < 0.15 ? "SIGN_VERIFY" : "ENCRYPT_DECRYPT",
    keySpec: next() < 0.15 ? "RSA_2048" : "SYMMETRIC_DEFAULT",
    enabled: next() >= 0.15,
    rotationEnabled: next() >= 0.25,
    policy: next() < 0.2 ? OPEN_POLICY : rootPolicy(ACCOUNT),
    tags: next() < 0.5 ? { EnableBedrock: "true" } : ({} as Record<string, string>),
  }));
  /** A key of the world, none, an alias ARN (which DataZone rejects), or a key KMS does not know. */
  const keyChoice = (): string | undefined =>
    pick<string | undefined>([
      ...keys.map((k) => k.arn),
      undefined,
      `arn:aws:kms:${REGION}:${ACCOUNT}:alias/workspace`,
      keyArn(ACCOUNT, REGION, 99_999),
    ]);
  const domains: WorldDomain[] = Array.from({ length: 6 }, (_, i) => {
    const version = next() < 0.5 ? "V1" : "V2";
    return {
      id: `dzd_${seed}_${i}`,
      name: `workspace-${seed}-${i}`,
      version,
      key: keyChoice(),
      blueprints:
        next() < 0.5
          ? []
          : ["AmazonBedrockChatAgent", "AmazonBedrockGuardrail"].slice(0, 1 + Math.floor(next() * 2)),
      tags: { team: "research" },
    };
  });
  const bedrock: WorldBedrock[] = Array.from({ length: 4 }, (_, i) => ({
    kind: i % 2 === 0 ? "agent" : "guardrail",
    id: `br${seed}x${i}`.padEnd(10, "0").toUpperCase(),
    name: `bedrock-${seed}-${i}`,
    key: pick([...keys.map((k) => k.arn), undefined]),
  }));
  return { account: ACCOUNT, accessKey: `AKIDPARITY${seed}`, keys, domains, bedrock };
}

const executionRole = (account: string) =>
  `arn:aws:iam::${account}:role/service-role/AmazonDataZoneDomainExecution`;
const DOMAIN_TOKEN = "aws:datazone/domain:Domain";
const BLUEPRINT_TOKEN = "aws:datazone/environmentBlueprintConfiguration:EnvironmentBlueprintConfiguration";
const AGENT_TOKEN = "aws:bedrock/agentAgent:AgentAgent";
const GUARDRAIL_TOKEN = "aws:bedrock/guardrail:Guardrail";
const PROVIDER_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:providers:aws::default`;
const urn = (type: string, name: string) => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;

/** The world as the engine holds it after `pulumi up`: each resource's inputs (outputs alike). */
function stackOf(world: World): { name: string; type: string; props: Record<string, unknown> }[] {
  const withKey = (property: string, key: string | undefined) =>
    key === undefined ? {} : { [property]: key };
  return [
    ...world.domains.map((d) => ({
      name: d.name,
      type: DOMAIN_TOKEN,
      props: {
        name: d.name,
        domainExecutionRole: executionRole(world.account),
        domainVersion: d.version,
        tags: d.tags,
        id: d.id,
        arn: `arn:aws:datazone:${REGION}:${world.account}:domain/${d.id}`,
        ...withKey("kmsKeyIdentifier", d.key),
      },
    })),
    ...world.domains.flatMap((d) =>
      d.blueprints.map((blueprint) => ({
        name: `${d.name}-${blueprint}`,
        type: BLUEPRINT_TOKEN,
        props: { domainId: d.id, environmentBlueprintId: blueprint, enabledRegions: [REGION] },
      })),
    ),
    ...world.bedrock.map((b) =>
      b.kind === "agent"
        ? {
            name: b.name,
            type: AGENT_TOKEN,
            props: { agentName: b.name, ...withKey("customerEncryptionKeyArn", b.key) },
          }
        : { name: b.name, type: GUARDRAIL_TOKEN, props: { name: b.name, ...withKey("kmsKeyArn", b.key) } },
    ),
  ];
}

function stackExport(world: World): unknown {
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-12-01T00:00:00Z", magic: "", version: "v3.200.0" },
      resources: [
        {
          urn: urn("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`),
          custom: false,
          type: "pulumi:pulumi:Stack",
        },
        {
          urn: PROVIDER_URN,
          custom: true,
          id: "provider-id",
          type: "pulumi:providers:aws",
          inputs: { region: REGION },
          outputs: { region: REGION },
        },
        ...stackOf(world).map((r) => ({
          urn: urn(r.type, r.name),
          custom: true,
          id: String(r.props.id ?? r.name),
          type: r.type,
          inputs: r.props,
          outputs: r.props,
          provider: `${PROVIDER_URN}::provider-id`,
        })),
      ],
    },
  };
}

/** One finding as every front end can say it: on which resource, which policy, at which level. */
type Verdict = string;
const verdict = (name: string, policy: string, level: string, message: string) =>
  `${name} | ${policy} | ${level} | ${message}`;

function fromReport(stdout: string): Verdict[] {
  const report = JSON.parse(stdout) as {
    resources: { name: string; findings: { policy: string; level: string; message: string }[] }[];
    stackFindings: { policy: string; level: string; message: string }[];
  };
  return [
    ...report.resources.flatMap((r) => r.findings.map((f) => verdict(r.name, f.policy, f.level, f.message))),
    ...report.stackFindings.map((f) => verdict("(stack)", f.policy, f.level, f.message)),
  ].sort();
}

describe("parity: the pack, `check` and `audit` judge the same world alike", function () {
  this.timeout(600_000);
  let fake: FakeWorld;
  before(async () => {
    assertBuilt();
    fake = await FakeWorld.start();
  });
  after(() => fake?.close());

  const seeds = Array.from({ length: depth(8, 2) }, (_, i) => 18 + i);
  for (const seed of seeds) {
    it(`world ${seed}: the same (resource, policy, level, message) from all three`, async () => {
      const world = makeWorld(seed);
      const ACCOUNT = world.account;
      fake.accounts.addUser(world.accessKey, ACCOUNT);
      for (const key of world.keys) {
        fake.kms.addKey({
          arn: key.arn,
          keyManager: key.keyManager,
          keyUsage: key.keyUsage,
          keySpec: key.keySpec,
          enabled: key.enabled,
          keyState: key.enabled ? "Enabled" : "Disabled",
          rotationEnabled: key.rotationEnabled,
          policy: key.policy,
          tags: key.tags,
        });
      }
      for (const d of world.domains) {
        fake.dataZone.addDomain(ACCOUNT, REGION, {
          id: d.id,
          name: d.name,
          domainExecutionRole: executionRole(ACCOUNT),
          domainVersion: d.version,
          tags: d.tags,
          blueprints: d.blueprints,
          ...(d.key === undefined ? {} : { kmsKeyIdentifier: d.key }),
        });
      }
      for (const b of world.bedrock) {
        fake.bedrock.add(b.kind, ACCOUNT, REGION, {
          id: b.id,
          name: b.name,
          ...(b.key === undefined ? {} : { kmsKeyArn: b.key }),
        });
      }
      const env = fakeAwsEnv(fake.server, { accessKeyId: world.accessKey, secretAccessKey: "fake-secret" });
      const folder = isolatedFolder();
      const configFile = path.join(folder, "pack-config.json");
      fs.writeFileSync(configFile, JSON.stringify(PACK_CONFIG));

      // 1. The pack, as the engine drives it at `pulumi up` (values final).
      const pack = await PackClient.start({
        env: { ...env, AWS_REGION: REGION },
        stackConfig: { "aws:region": REGION },
        project: PROJECT,
        stack: STACK,
        dryRun: false,
      });
      const fromPack: Verdict[] = [];
      try {
        await pack.handshake();
        await pack.configureStack(STACK, PROJECT, false);
        await pack.getAnalyzerInfo();
        await pack.configure({ "guard-settings": { properties: PACK_CONFIG["guard-settings"] } });
        const provider = {
          type: "pulumi:providers:aws",
          name: "default",
          urn: PROVIDER_URN,
          properties: { region: REGION },
        };
        const specs: ResourceSpec[] = stackOf(world).map((r) => ({
          type: r.type,
          name: r.name,
          urn: urn(r.type, r.name),
          properties: r.props,
          provider,
        }));
        const nameOf = new Map(specs.map((s) => [s.urn!, s.name]));
        const say = (name: string, d: (typeof analyzed)[number]["diagnostics"][number]) => {
          const message = d.message.startsWith(`${d.description}\n`)
            ? d.message.slice(d.description.length + 1)
            : d.message;
          fromPack.push(verdict(name, d.policyName, d.enforcementLevel, message));
        };
        // Analyze's diagnostics are about the resource analysed; AnalyzeStack's name theirs.
        const analyzed = await Promise.all(specs.map((s) => pack.analyze(s)));
        analyzed.forEach((result, i) => result.diagnostics.forEach((d) => say(specs[i]!.name, d)));
        for (const d of (await pack.analyzeStack(specs)).diagnostics) say(nameOf.get(d.urn) ?? "(stack)", d);
      } finally {
        await pack.stop();
      }
      fromPack.sort();

      // 2. `check` of the stack export.
      const exportFile = path.join(outsideFolder(), `world-${seed}.json`);
      fs.writeFileSync(exportFile, JSON.stringify(stackExport(world)));
      const check = await runCli(["check", exportFile, "-f", "json", "-c", configFile], {
        env: { ...env, AWS_REGION: REGION },
      });
      assert.ok(
        check.code === 0 || check.code === 1 || check.code === 4,
        `check: exit ${check.code}\n${check.stderr}`,
      );
      const fromCheck = fromReport(check.stdout);

      // 3. `audit` of the same world, read from (fake) AWS.
      const audit = await runAudit(["--regions", REGION, "-f", "json"], {
        server: fake.server,
        accessKeyId: world.accessKey,
        region: REGION,
      });
      assert.ok(audit.code === 0 || audit.code === 1 || audit.code === 4, describeAudit(audit));
      const fromAudit = fromReport(audit.stdout);

      assert.ok(fromPack.length > 0, "a world with no finding proves nothing");
      assert.deepEqual(fromCheck, fromPack, "check differs from the pack");
      assert.deepEqual(fromAudit, fromPack, "audit differs from the pack");
    });
  }
});
