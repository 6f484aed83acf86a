/**
 * Generators of the values a policy can meet on the wire: any JSON, the engine's unknown
 * sentinels, secret wrappers (with a value, or with unreadable ciphertext as in a stack export)
 * around anything, huge strings, control characters, and near-misses of real key references.
 */
import fc from "fast-check";
import { depth } from "../support/depth";
import { SECRET_SIGNATURE, SIGNATURE_KEY, UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";

/**
 * Seeded so a failure replays; override with FC_SEED to explore. 10,000 runs under
 * `npm run test:deep`, 1,000 in `npm test`.
 */
export const PROPERTY_RUNS = { numRuns: depth(10_000, 1_000), seed: Number(process.env.FC_SEED ?? 20261128) };

/** Text that only an exception (or a value printed without care) would put into a message. */
export const LEAK =
  /\n\s+at |Error:|TypeError|ReferenceError|RangeError|\[object Object\]|is not a function|Cannot read prop/;

const REGIONS = ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "ap-southeast-2"];
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab";

/** Strings shaped like key references, valid and subtly broken. */
export const keyReferenceLike: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("aws", "aws-cn", "aws-us-gov", "aws-iso", "", "AWS"),
      fc.constantFrom(...REGIONS, "", "not-a-region"),
      fc.constantFrom("123456789012", "12345678901", "abcdefghijkl"),
      fc.constantFrom(
        `key/${KEY_ID}`,
        `key/${MRK_ID}`,
        "alias/aws/datazone",
        "alias/team",
        "key/short",
        `key/${KEY_ID}x`,
      ),
    )
    .map(([partition, region, account, resource]) => `arn:${partition}:kms:${region}:${account}:${resource}`),
  fc.constantFrom(KEY_ID, MRK_ID, "alias/aws/bedrock", "alias/my-key", "arn:aws:kms", "arn:", " ", "\t\n"),
  fc.string({ unit: "binary", maxLength: 64 }),
);

export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("a", "\u0000", "arn:aws:kms:", "💥"), fc.integer({ min: 10_000, max: 200_000 }))
  .map(([unit, times]) => unit.repeat(Math.ceil(times / unit.length)));

export function secretWrapped(value: unknown): Record<string, unknown> {
  return { [SIGNATURE_KEY]: SECRET_SIGNATURE, value };
}

export const ciphertextSecret: fc.Arbitrary<Record<string, unknown>> = fc
  .base64String({ minLength: 4, maxLength: 40 })
  .map((ciphertext) => ({ [SIGNATURE_KEY]: SECRET_SIGNATURE, ciphertext }));

/** Any value a property can hold on the wire, nested to a small depth. */
export const wireValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    keyReferenceLike,
    fc.constant(UNKNOWN_SENTINEL),
    ciphertextSecret,
    tie("value").map(secretWrapped),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** Mostly small values, sometimes a huge one. */
export const anyWireValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 20, arbitrary: wireValue },
  { weight: 1, arbitrary: hugeString },
);

/**
 * Objects that carry the engine's signature key with something other than a secret: assets,
 * archives, resource references, output values, an unknown signature, or a secret with neither
 * `value` nor `ciphertext`. The engine sends these only well-formed; a guard must survive any.
 */
export const signatureLookalike: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.constantFrom(
      SECRET_SIGNATURE,
      "c44067f5952c0a294b673a41bacd8c17", // asset
      "0def7320c3a5731c473e5ecbe6d01bc7", // archive
      "5cf8f73096256a8f31e491e813e4eb8e", // resource reference
      "d0e6a833031e9bbcd3f4e8bde6ca49a4", // output value
      "not-a-signature",
    ),
    fc.dictionary(
      fc.constantFrom(
        "path",
        "text",
        "uri",
        "assets",
        "urn",
        "id",
        "packageVersion",
        "value",
        "secret",
        "known",
        "dependencies",
      ),
      fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(UNKNOWN_SENTINEL)),
      { maxKeys: 3 },
    ),
  )
  .map(([signature, rest]) => ({ ...rest, [SIGNATURE_KEY]: signature }));
