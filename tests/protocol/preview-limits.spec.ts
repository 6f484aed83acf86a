/**
 * The preview limit of docs/preview-limits.md: `kmsKeyIdentifier: alias.arn` is unknown at a first
 * preview, so the resource policies cannot judge it; the stack policy cmk-key-alias-source sees
 * through the property dependencies that it comes from a KMS alias and blocks it there, before
 * `up` (where the known alias ARN is blocked by workspace-cmk-key-arn).
 */
import { strict as assert } from "assert";
import {
  PackClient,
  UNKNOWN,
  urnOf,
  type AnalyzeResult,
  type ResourceSpec,
} from "../../cli/engine/pack-client";
import { suitePack } from "../support/pack";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALIAS_ARN = "arn:aws:kms:us-east-1:123456789012:alias/studio";
const keyUrn = urnOf("aws:kms/key:Key", "key");

const key = (known: boolean): ResourceSpec => ({
  type: "aws:kms/key:Key",
  name: "key",
  urn: keyUrn,
  properties: {
    arn: known ? KEY_ARN : UNKNOWN,
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: 30,
    tags: { EnableBedrock: "true" },
  },
});

const awsAlias = (known: boolean): ResourceSpec => ({
  type: "aws:kms/alias:Alias",
  name: "alias",
  urn: urnOf("aws:kms/alias:Alias", "alias"),
  properties: {
    name: "alias/studio",
    targetKeyId: known ? KEY_ARN : UNKNOWN,
    arn: known ? ALIAS_ARN : UNKNOWN,
    targetKeyArn: known ? KEY_ARN : UNKNOWN,
  },
  propertyDependencies: { targetKeyId: [keyUrn] },
});

const nativeAlias: ResourceSpec = {
  type: "aws-native:kms:Alias",
  name: "native-alias",
  urn: urnOf("aws-native:kms:Alias", "native-alias"),
  properties: { aliasName: "alias/studio", targetKeyId: UNKNOWN },
  propertyDependencies: { targetKeyId: [keyUrn] },
};

function consumer(type: string, keyProperty: string, value: unknown, from: string): ResourceSpec {
  return {
    type,
    name: "studio",
    urn: urnOf(type, "studio"),
    properties: { domainExecutionRole: "arn:aws:iam::123456789012:role/studio", [keyProperty]: value },
    dependencies: [from],
    propertyDependencies: { [keyProperty]: [from] },
  };
}

const DOMAIN = "aws:datazone/domain:Domain";

/** What the engine does for a preview or an update: Analyze per resource, then AnalyzeStack. */
async function mandatory(pack: PackClient, resources: ResourceSpec[]): Promise<string[]> {
  const results: AnalyzeResult[] = [
    ...(await Promise.all(resources.map((r) => pack.analyze(r)))),
    await pack.analyzeStack(resources),
  ];
  return results
    .flatMap((r) => r.diagnostics)
    .filter((d) => d.enforcementLevel === "mandatory")
    .map((d) => d.policyName)
    .sort();
}

describe("policy pack through the engine protocol: `alias.arn` as a workspace key, before `up`", function () {
  const pack = suitePack();

  it("blocks `kmsKeyIdentifier: alias.arn` at preview, through the property dependencies", async () => {
    const alias = awsAlias(false);
    const domain = consumer(DOMAIN, "kmsKeyIdentifier", UNKNOWN, alias.urn!);
    assert.deepEqual(await mandatory(pack.client, [key(false), alias, domain]), ["cmk-key-alias-source"]);
    const stack = await pack.client.analyzeStack([key(false), alias, domain]);
    const finding = stack.diagnostics.find((d) => d.policyName === "cmk-key-alias-source");
    assert.match(
      finding?.message ?? "",
      /comes from KMS alias 'alias'.*Fix: Reference the key itself: `kmsKeyIdentifier: key.arn`/s,
    );
  });

  it("blocks a value from an aws-native alias too", async () => {
    const domain = consumer("aws-native:datazone:Domain", "kmsKeyIdentifier", UNKNOWN, nativeAlias.urn!);
    assert.deepEqual(await mandatory(pack.client, [key(false), nativeAlias, domain]), [
      "cmk-key-alias-source",
    ]);
  });

  it("passes `kmsKeyIdentifier: key.arn` at preview", async () => {
    const domain = consumer(DOMAIN, "kmsKeyIdentifier", UNKNOWN, keyUrn);
    assert.deepEqual(await mandatory(pack.client, [key(false), awsAlias(false), domain]), []);
  });

  it("at `up`, the known alias ARN is blocked by the key-ARN policy instead", async () => {
    const alias = awsAlias(true);
    const domain = consumer(DOMAIN, "kmsKeyIdentifier", ALIAS_ARN, alias.urn!);
    assert.deepEqual(await mandatory(pack.client, [key(true), alias, domain]), ["workspace-cmk-key-arn"]);
  });

  it("leaves resources whose API accepts an alias alone", async () => {
    const policy = consumer(
      "aws-native:bedrock:AutomatedReasoningPolicy",
      "kmsKeyId",
      UNKNOWN,
      nativeAlias.urn!,
    );
    assert.deepEqual(await mandatory(pack.client, [key(false), nativeAlias, policy]), []);
  });
});
