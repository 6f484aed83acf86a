/**
 * The CloudFormation side of the catalog is derived, not written twice: `AWS::<Service>::<Type>`
 * is aws-native's `aws-native:<service>:<Type>` and PascalCase properties are aws-native's camelCase
 * ones (policy-pack/facts/cloudformation/template-resources.ts). Proven here against the installed @pulumi/aws-native: every
 * property path the pack reads on an aws-native type round-trips through its CloudFormation name,
 * and wherever the typings' own doc comments name the CloudFormation type, it maps to the token.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { GUARDED_TYPES, propertyPathsOf } from "../../policy-pack/catalog/bedrock-resources";
import {
  nativeTokenOf,
  sdkPropertyName,
  TEMPLATE_HOST_TYPES,
} from "../../policy-pack/facts/cloudformation/template-resources";
import { KMS_TYPED_PROPERTIES } from "../../policy-pack/catalog/kms-types";
import { brokenPath, moduleOf, pulumiTypeOf, type TypedResource } from "./provider-typings";

const NATIVE_DIR = path.dirname(require.resolve("@pulumi/aws-native/package.json"));
const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

const nativeEntries: { token: string; paths: readonly (readonly string[])[] }[] = [
  ...GUARDED_TYPES.filter((t) => t.provider === "aws-native").map((t) => ({
    token: t.token,
    paths: propertyPathsOf(t),
  })),
  ...KMS_TYPED_PROPERTIES.filter((t) => t.provider === "aws-native"),
];

describe("CloudFormation names derived from the catalog, against the installed aws-native typings", () => {
  it("reads every aws-native property path through its CloudFormation (PascalCase) name", () => {
    let segments = 0;
    for (const entry of nativeEntries)
      for (const propertyPath of entry.paths)
        for (const segment of propertyPath) {
          segments++;
          assert.equal(sdkPropertyName(pascal(segment)), segment, `${entry.token} ${propertyPath.join(".")}`);
        }
    assert.ok(segments > 50, `${segments} segments`);
  });

  it("spells acronyms as aws-native does", () => {
    assert.equal(sdkPropertyName("KMSKeyId"), "kmsKeyId");
    assert.equal(sdkPropertyName("EnableECSManagedTags"), "enableEcsManagedTags");
    assert.equal(sdkPropertyName("S3EncryptionKeyId"), "s3EncryptionKeyId");
    assert.equal(sdkPropertyName("KmsKeyIdentifier"), "kmsKeyIdentifier");
  });

  it("maps every CloudFormation type the typings name to its aws-native token", () => {
    let confirmed = 0;
    for (const entry of nativeEntries) {
      const className = entry.token.split(":")[2];
      const file = path.join(
        NATIVE_DIR,
        `${moduleOf({ token: entry.token, provider: "aws-native", argsType: "" })}.d.ts`,
      );
      const text = fs.readFileSync(file, "utf8");
      const named = [...text.matchAll(/AWS::([A-Za-z0-9]+)::([A-Za-z0-9]+)/g)].map((m) => m[0]);
      const own = named.filter((n) => n.endsWith(`::${className}`));
      for (const cfnType of own) assert.equal(nativeTokenOf(cfnType), entry.token, `${file}: ${cfnType}`);
      if (own.length > 0) confirmed++;
    }
    console.log(
      `      ${confirmed} of ${nativeEntries.length} aws-native types name their CloudFormation type`,
    );
    assert.ok(confirmed >= nativeEntries.length / 2, `${confirmed}`);
    assert.equal(nativeTokenOf("AWS::DataZone::Domain"), "aws-native:datazone:Domain");
    assert.equal(nativeTokenOf("AWS::BedrockAgentCore::Memory"), "aws-native:bedrockagentcore:Memory");
    assert.equal(nativeTokenOf("Custom::Thing"), undefined);
  });

  for (const host of TEMPLATE_HOST_TYPES) {
    const className = host.token.split(":")[2];
    const typed: TypedResource = { token: host.token, provider: host.provider, argsType: `${className}Args` };
    it(`${host.token}: the token and every property the guard reads exist`, () => {
      assert.equal(pulumiTypeOf(typed), host.token);
      const properties = [
        ...Object.values(host.properties),
        ...(host.regionProperty ? [host.regionProperty] : []),
      ];
      for (const property of properties) assert.equal(brokenPath(typed, [property]), undefined, property);
    });
  }
});
