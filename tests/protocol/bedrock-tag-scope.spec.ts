/**
 * The EnableBedrock tag advisory only where Bedrock Studio's roles use the key: a V1 workspace the
 * stack enables environment blueprints in (found through property dependencies at preview, or by
 * the domain's id in a deployed stack); not a plain DataZone domain, not a V2 domain.
 */
import { strict as assert } from "assert";
import { UNKNOWN, urnOf, type ResourceSpec } from "../../cli/engine/pack-client";
import { BLUEPRINT_CONFIGURATION_TYPES } from "../../policy-pack/catalog/workspace-blueprints";
import { brokenPath, pulumiTypeOf } from "../catalog/provider-typings";
import { suitePack } from "../support/pack";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY = "aws:kms/key:Key";
const DOMAIN = "aws:datazone/domain:Domain";
const BLUEPRINTS = "aws:datazone/environmentBlueprintConfiguration:EnvironmentBlueprintConfiguration";
const NATIVE_BLUEPRINTS = "aws-native:datazone:EnvironmentBlueprintConfiguration";
const keyUrn = urnOf(KEY, "key");

/** A fit key without the EnableBedrock tag, as after `up` (the provider's tags known). */
const untaggedKey: ResourceSpec = {
  type: KEY,
  name: "key",
  urn: keyUrn,
  properties: {
    arn: KEY_ARN,
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: 30,
    tags: {},
    tagsAll: {},
  },
};

function domain(name: string, extra: Record<string, unknown> = {}): ResourceSpec {
  return {
    type: DOMAIN,
    name,
    urn: urnOf(DOMAIN, name),
    properties: {
      id: `dzd_${name}`,
      domainExecutionRole: "arn:aws:iam::123456789012:role/service",
      kmsKeyIdentifier: KEY_ARN,
      ...extra,
    },
    propertyDependencies: { kmsKeyIdentifier: [keyUrn] },
  };
}

function blueprints(type: string, properties: Record<string, unknown>, from?: string): ResourceSpec {
  return {
    type,
    name: `blueprints-${Object.values(properties).join("-")}`,
    properties: { environmentBlueprintId: "bp_1", enabledRegions: ["us-east-1"], ...properties },
    ...(from === undefined ? {} : { propertyDependencies: { [Object.keys(properties)[0]]: [from] } }),
  };
}

describe("policy pack through the engine protocol: where the EnableBedrock tag advisory applies", function () {
  const pack = suitePack();

  const tagAdvisories = async (resources: ResourceSpec[]): Promise<string[]> =>
    (await pack.client.analyzeStack(resources)).diagnostics
      .filter((d) => d.policyName === "workspace-key-bedrock-tag")
      .map((d) => d.urn);

  const studio = domain("studio");
  const cases: [string, ResourceSpec[], string[]][] = [
    ["a plain DataZone domain (no blueprint enabled in it)", [untaggedKey, studio], []],
    [
      "blueprints enabled in another domain: only that one",
      [untaggedKey, studio, domain("other"), blueprints(BLUEPRINTS, { domainId: "dzd_other" })],
      [urnOf(DOMAIN, "other")],
    ],
    [
      "blueprints enabled in it, by property dependency (preview)",
      [untaggedKey, studio, blueprints(BLUEPRINTS, { domainId: UNKNOWN }, studio.urn)],
      [studio.urn!],
    ],
    [
      "blueprints enabled in it, by the domain's id (deployed stack)",
      [untaggedKey, studio, blueprints(BLUEPRINTS, { domainId: "dzd_studio" })],
      [studio.urn!],
    ],
    [
      "aws-native blueprints enabled in it (domainIdentifier)",
      [untaggedKey, studio, blueprints(NATIVE_BLUEPRINTS, { domainIdentifier: "dzd_studio" })],
      [studio.urn!],
    ],
    [
      "a V2 domain with blueprints (SageMaker Unified Studio roles)",
      [
        untaggedKey,
        domain("studio", { domainVersion: "V2" }),
        blueprints(BLUEPRINTS, { domainId: "dzd_studio" }),
      ],
      [],
    ],
  ];
  for (const [label, resources, expected] of cases) {
    it(label, async () => assert.deepEqual(await tagAdvisories(resources), expected));
  }

  it("names blueprint configuration types and domain properties the provider typings have", () => {
    for (const type of BLUEPRINT_CONFIGURATION_TYPES) {
      const provider = type.token.startsWith("aws-native:") ? "aws-native" : "aws";
      const resource = {
        token: type.token,
        provider,
        argsType: "EnvironmentBlueprintConfigurationArgs",
      } as const;
      assert.equal(pulumiTypeOf(resource), type.token);
      // The input that names the domain (aws-native also reports `domainId`, an output only).
      assert.equal(brokenPath(resource, [type.domainProperties[0]]), undefined, type.token);
    }
  });
});
