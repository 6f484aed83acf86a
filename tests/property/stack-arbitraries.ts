/**
 * Generators of KMS key property bags and of whole stacks (guarded resources, KMS keys, replicas,
 * aliases, key policies and unrelated resources) wired to each other through values from a small
 * pool of ARNs, ids and alias names, and through property dependencies that point anywhere: at
 * keys, at aliases, at missing URNs, at the resource itself (cycles). Shared by the property tests
 * (rules and key tracing in-process) and the protocol fuzz (the same stacks sent to the real pack).
 */
import fc from "fast-check";
import { GUARDED_TYPES, type GuardedResourceType } from "../../policy-pack/catalog/bedrock-resources";
import {
  KMS_ALIAS_TYPES,
  KMS_KEY_POLICY_TYPES,
  KMS_KEY_TYPES,
  type KeyFactName,
  type KmsKeyType,
} from "../../policy-pack/catalog/kms-types";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";
import { BLUEPRINT_CONFIGURATION_TYPES } from "../../policy-pack/catalog/workspace-blueprints";
import { anyWireValue, keyReferenceLike, secretWrapped } from "./arbitraries";

const ACCOUNT = "123456789012";
const KEY_IDS = [
  "1234abcd-12ab-34cd-56ef-1234567890ab",
  "mrk-1234abcd12ab34cd56ef1234567890ab",
  "0f0f0f0f-1111-2222-3333-444444444444",
];
/** Key ARNs and ids the generated resources share, so that references find their keys. */
export const KEY_ARNS = KEY_IDS.map((id) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`);
const ALIAS_NAMES = ["alias/team", "alias/bedrock/workspace", "alias/aws/datazone"];
const ALIAS_ARNS = ALIAS_NAMES.map((name) => `arn:aws:kms:us-east-1:${ACCOUNT}:${name}`);
const POOL = [...KEY_ARNS, ...KEY_IDS, ...ALIAS_NAMES, ...ALIAS_ARNS];

/** Mostly a plausible value, sometimes anything at all, an unknown, a secret, or nothing. */
function sometimesOdd(plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: plausible },
    { weight: 2, arbitrary: anyWireValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(UNKNOWN_SENTINEL) },
    { weight: 1, arbitrary: plausible.map(secretWrapped) },
  );
}

/** A reference into the stack's pool (so tracing finds something), or any key-reference-like string. */
export const pooledReference: fc.Arbitrary<unknown> = sometimesOdd(
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...POOL) }, { weight: 1, arbitrary: keyReferenceLike }),
);

const statement = fc.record({
  Effect: fc.constantFrom("Allow", "Deny", "Maybe"),
  Principal: fc.constantFrom<unknown>(
    "*",
    { AWS: "*" },
    { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    { Service: "datazone.amazonaws.com" },
    42,
  ),
  Action: fc.constantFrom<unknown>("kms:*", ["kms:Decrypt", "kms:GenerateDataKey"], "kms:Decrypt"),
  Resource: fc.constantFrom<unknown>("*", ["*"]),
  Condition: fc.option(
    fc.constantFrom<unknown>(
      { StringEquals: { "kms:CallerAccount": ACCOUNT } },
      { StringLike: { "aws:PrincipalArn": "*" } },
      { StringEqualsIfExists: { "aws:SourceAccount": ACCOUNT } },
      { StringEquals: { "kms:ViaService": "datazone.us-east-1.amazonaws.com" } },
    ),
    { nil: undefined },
  ),
});

const policyDocument = fc.record({
  Version: fc.constantFrom("2012-10-17", "2008-10-17", "tomorrow"),
  Statement: fc.array(statement, { minLength: 0, maxLength: 3 }),
});

/** Key policies: valid documents (open and narrowed), as JSON text or an object, and broken ones. */
export const keyPolicyLike: fc.Arbitrary<unknown> = fc.oneof(
  policyDocument.map((d) => JSON.stringify(d)),
  policyDocument,
  policyDocument.map((d) => JSON.stringify(d).slice(0, -1)),
  fc.constantFrom("{", "not json", "", "null", "42", "[]", '"text"', '{"Statement": 7}'),
  policyDocument.map((d) => ({ ...d, Statement: [UNKNOWN_SENTINEL, ...d.Statement] })),
);

const tagsLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      EnableBedrock: fc.constantFrom<unknown>("true", "false", true, UNKNOWN_SENTINEL),
      team: fc.constant("ml"),
    },
    { requiredKeys: [] },
  ),
  fc.array(
    fc.record(
      {
        key: fc.constantFrom<unknown>("EnableBedrock", "team", 7, UNKNOWN_SENTINEL),
        value: fc.constantFrom<unknown>("true", "x", null),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 3 },
  ),
);

/** Plausible values of each key fact (the right type, right and wrong contents). */
const FACT_VALUES: Record<KeyFactName, fc.Arbitrary<unknown>> = {
  usage: fc.constantFrom("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"),
  spec: fc.constantFrom("SYMMETRIC_DEFAULT", "RSA_2048", "ECC_NIST_P256", "HMAC_256"),
  enabled: fc.boolean(),
  rotationEnabled: fc.boolean(),
  rotationPeriodDays: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(90, 365, 366, 2560)),
  deletionWindowDays: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(7, 29, 30)),
  bypassLockout: fc.boolean(),
  policy: keyPolicyLike,
  tags: tagsLike,
  multiRegion: fc.boolean(),
  primaryKeyArn: fc.constantFrom(...KEY_ARNS),
  arn: fc.constantFrom(...KEY_ARNS),
  keyId: fc.constantFrom(...KEY_IDS),
};

/** Properties a key type reads beyond its facts (origin, custom key stores, default tags, key material). */
const EXTRA_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  tagsAll: tagsLike,
  customKeyStoreId: fc.constantFrom("cks-1234567890abcdef0", "", "  "),
  xksKeyId: fc.constantFrom("xks-key", ""),
  keyMaterialBase64: fc.constantFrom("a2V5", ""),
  origin: fc.constantFrom("AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "external"),
};

/** A property bag for one KMS key type: every property the pack reads on it, each maybe odd. */
export function keyProps(type: KmsKeyType): fc.Arbitrary<Record<string, unknown>> {
  const entries: [string, fc.Arbitrary<unknown>][] = [];
  for (const [fact, property] of Object.entries(type.factProperties) as [KeyFactName, string][]) {
    entries.push([
      property,
      sometimesOdd(
        fact === "arn" || fact === "keyId" || fact === "primaryKeyArn" ? pooledReference : FACT_VALUES[fact],
      ),
    ]);
  }
  for (const property of type.properties) {
    if (property in EXTRA_VALUES) entries.push([property, sometimesOdd(EXTRA_VALUES[property])]);
  }
  return fc.tuple(...entries.map(([, arbitrary]) => arbitrary)).map((values) => {
    const props: Record<string, unknown> = {};
    values.forEach((value, index) => {
      if (value !== undefined) props[entries[index][0]] = value;
    });
    return props;
  });
}

/** Puts a value at a (possibly nested) property path, creating objects on the way. */
export function setPath(props: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cursor = props;
  path.forEach((segment, index) => {
    if (index === path.length - 1) {
      cursor[segment] = value;
      return;
    }
    const next = cursor[segment];
    const isObject = typeof next === "object" && next !== null && !Array.isArray(next);
    cursor = (isObject ? next : (cursor[segment] = {})) as Record<string, unknown>;
  });
}

/** A guarded resource's properties: its key (pooled or odd), its conditions, region and version. */
export function guardedProps(type: GuardedResourceType): fc.Arbitrary<Record<string, unknown>> {
  const conditionPaths = [...(type.appliesWhen?.reads ?? []), ...(type.keyType ? [type.keyType.path] : [])];
  const conditionValue = sometimesOdd(
    fc.constantFrom("MANAGED", "VECTOR", type.keyType?.customerManaged ?? "CustomerManagedKey"),
  );
  return fc
    .record({
      key: pooledReference,
      conditions: fc.tuple(...conditionPaths.map(() => conditionValue)),
      region: sometimesOdd(fc.constantFrom("us-east-1", "eu-west-1")),
      domainVersion: sometimesOdd(fc.constantFrom("V1", "V2")),
    })
    .map(({ key, conditions, region, domainVersion }) => {
      const props: Record<string, unknown> = {};
      if (key !== undefined) setPath(props, type.keyProperty, key);
      conditionPaths.forEach((path, index) => {
        if (conditions[index] !== undefined) setPath(props, path, conditions[index]);
      });
      if (region !== undefined && type.regionProperty !== undefined) props[type.regionProperty] = region;
      if (domainVersion !== undefined) props.domainVersion = domainVersion;
      return props;
    });
}

function aliasProps(): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      name: sometimesOdd(fc.constantFrom(...ALIAS_NAMES)),
      target: pooledReference,
      targetArn: pooledReference,
      arn: sometimesOdd(fc.constantFrom(...ALIAS_ARNS)),
    })
    .map(({ name, target, targetArn, arn }) => {
      const props: Record<string, unknown> = {};
      // Both providers' property names: each alias type reads its own.
      for (const [property, value] of [
        ["name", name],
        ["aliasName", name],
        ["targetKeyId", target],
        ["targetKeyArn", targetArn],
        ["arn", arn],
      ] as const) {
        if (value !== undefined) props[property] = value;
      }
      return props;
    });
}

function keyPolicyProps(): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      keyId: pooledReference,
      policy: sometimesOdd(keyPolicyLike),
      bypass: sometimesOdd(fc.boolean()),
    })
    .map(({ keyId, policy, bypass }) => {
      const props: Record<string, unknown> = {};
      if (keyId !== undefined) props.keyId = keyId;
      if (policy !== undefined) props.policy = policy;
      if (bypass !== undefined) props.bypassPolicyLockoutSafetyCheck = bypass;
      return props;
    });
}

const UNRELATED_TYPES = ["aws:s3/bucketV2:BucketV2", "aws:iam/role:Role", "random:index/randomId:RandomId"];

/** One generated resource before its URN and dependencies are chosen. */
interface Draft {
  readonly type: string;
  readonly props: Record<string, unknown>;
}

const guardedDraft: fc.Arbitrary<Draft> = fc
  .constantFrom(...GUARDED_TYPES)
  .chain((type) => guardedProps(type).map((props) => ({ type: type.token, props })));
const keyDraft: fc.Arbitrary<Draft> = fc
  .constantFrom(...KMS_KEY_TYPES)
  .chain((type) => keyProps(type).map((props) => ({ type: type.token, props })));
const aliasDraft: fc.Arbitrary<Draft> = fc
  .tuple(fc.constantFrom(...KMS_ALIAS_TYPES), aliasProps())
  .map(([type, props]) => ({ type: type.token, props }));
const keyPolicyDraft: fc.Arbitrary<Draft> = fc
  .tuple(fc.constantFrom(...KMS_KEY_POLICY_TYPES), keyPolicyProps())
  .map(([type, props]) => ({ type: type.token, props }));
/** Blueprints enabled in a domain: an unknown domain id (preview), a domain-like id, or odd values. */
const blueprintDraft: fc.Arbitrary<Draft> = fc
  .tuple(
    fc.constantFrom(...BLUEPRINT_CONFIGURATION_TYPES),
    fc.constantFrom<unknown>(UNKNOWN_SENTINEL, "dzd_r1", "", 7, null),
  )
  .map(([type, domainId]) => ({
    type: type.token,
    props: Object.fromEntries(type.domainProperties.map((property) => [property, domainId])),
  }));
const unrelatedDraft: fc.Arbitrary<Draft> = fc
  .tuple(
    fc.constantFrom(...UNRELATED_TYPES),
    fc.dictionary(fc.string({ maxLength: 6 }), anyWireValue, { maxKeys: 3 }),
  )
  .map(([type, props]) => ({ type, props }));

/** `aws-native:datazone:Domain` -> `AWS::datazone::Domain` (CloudFormation's service casing is not read). */
const cfnTypeOf = (token: string) => `AWS::${token.split(":")[1]}::${token.split(":")[2]}`;
/** Top-level properties in CloudFormation's PascalCase (nested camelCase names read the same). */
const pascalKeys = (props: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v]));
/** A guarded or KMS resource as CloudFormation or Cloud Control would carry it, or a template the guard cannot read. */
const templateDraft: fc.Arbitrary<Draft> = fc.oneof(
  fc
    .tuple(fc.oneof(guardedDraft, keyDraft), fc.boolean())
    .filter(([inner]) => inner.type.startsWith("aws-native:"))
    .map(([inner, cloudControl]) =>
      cloudControl
        ? {
            type: "aws:cloudcontrol/resource:Resource",
            props: { typeName: cfnTypeOf(inner.type), desiredState: JSON.stringify(pascalKeys(inner.props)) },
          }
        : {
            type: "aws:cloudformation/stack:Stack",
            props: {
              templateBody: JSON.stringify({
                Resources: { Res: { Type: cfnTypeOf(inner.type), Properties: pascalKeys(inner.props) } },
              }),
            },
          },
    ),
  fc.constantFrom<Draft>(
    { type: "aws:cloudformation/stack:Stack", props: { templateUrl: "https://example.com/t.yaml" } },
    { type: "aws-native:cloudformation:Stack", props: { templateBody: "Resources: [" } },
    { type: "aws:cloudformation/stack:Stack", props: { templateBody: UNKNOWN_SENTINEL } },
  ),
);

/** One resource of a generated stack, in the shape both the rules' StackResource and the protocol client take. */
export interface GeneratedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  readonly propertyDependencies: Record<string, string[]>;
}

/** Property names that dependencies are recorded under: the ones tracing reads, and odd ones. */
const DEPENDENCY_PROPERTIES = [
  "targetKeyId",
  "primaryKeyArn",
  "keyId",
  "__proto__",
  "constructor",
  "toString",
];

export function stackUrn(type: string, name: string): string {
  return `urn:pulumi:dev::test::${type}::${name}`;
}

/**
 * A stack of up to `maxSize` resources. Names come from a small pool, so a URN is now and then
 * shared by two resources (the engine never does that; the guard must still cope).
 */
export function arbitraryStack(maxSize = 10): fc.Arbitrary<GeneratedResource[]> {
  const draft = fc.oneof(
    { weight: 3, arbitrary: guardedDraft },
    { weight: 3, arbitrary: keyDraft },
    { weight: 1, arbitrary: aliasDraft },
    { weight: 1, arbitrary: keyPolicyDraft },
    { weight: 1, arbitrary: blueprintDraft },
    { weight: 1, arbitrary: unrelatedDraft },
    { weight: 1, arbitrary: templateDraft },
  );
  return fc
    .array(fc.tuple(draft, fc.integer({ min: 0, max: 2 * maxSize })), { minLength: 0, maxLength: maxSize })
    .chain((drafts) => {
      const urns = drafts.map(([d, n]) => stackUrn(d.type, `r${n}`));
      const target = fc.oneof(
        { weight: 4, arbitrary: urns.length > 0 ? fc.constantFrom(...urns) : fc.constant("urn:missing") },
        {
          weight: 1,
          arbitrary: fc.constantFrom("urn:pulumi:dev::test::aws:kms/key:Key::missing", "", "not-a-urn"),
        },
      );
      const dependencies = (draftType: string) => {
        const guarded = GUARDED_TYPES.find((t) => t.token === draftType);
        const names =
          guarded === undefined ? DEPENDENCY_PROPERTIES : [guarded.keyProperty[0], ...DEPENDENCY_PROPERTIES];
        return fc.dictionary(fc.constantFrom(...names), fc.array(target, { maxLength: 3 }), { maxKeys: 3 });
      };
      return fc.tuple(...drafts.map(([d]) => dependencies(d.type))).map((deps) =>
        drafts.map(([d, n], index) => ({
          type: d.type,
          name: `r${n}`,
          urn: urns[index],
          props: d.props,
          propertyDependencies: deps[index],
        })),
      );
    });
}
