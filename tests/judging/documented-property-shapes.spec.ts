/**
 * The key property of a DataZone domain (`aws:datazone/domain:Domain` and
 * `aws-native:datazone:Domain`, `kmsKeyIdentifier`) in every shape a stack can hold it, judged by
 * the judging layer with a fit key of the stack beside it. The typings say a string, "ARN of the
 * KMS key" (node_modules/@pulumi/aws/datazone/domain.d.ts); CloudFormation's schema for
 * AWS::DataZone::Domain.KmsKeyIdentifier takes only a key ARN
 * (^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$). Anything else, a
 * value of another type included, is a violation or NOT VERIFIED, never a pass.
 */
import { strict as assert } from "assert";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";
import { blocks, type ValueMode } from "../../policy-pack/judging/final-values";
import type { Judgment } from "../../policy-pack/judging/judgment";
import { levelOf } from "../../policy-pack/judging/levels";
import { judgeResource } from "../../policy-pack/judging/resource";
import { judgeStack, NO_OUTSIDE_KEY_EVIDENCE, traceResources } from "../../policy-pack/judging/stack";
import { fitKeyProps, keyArn, packState, resource } from "./world";

const AWS_PAGE = "https://www.pulumi.com/registry/packages/aws/api-docs/datazone/domain/";
const NATIVE_PAGE = "https://www.pulumi.com/registry/packages/aws-native/api-docs/datazone/domain/";
const CFN_PAGE =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-datazone-domain.html";
const KMS_IDS = "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id";
const MRK = "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html";
const SECRETS = "https://www.pulumi.com/docs/iac/concepts/secrets/";

const ACCOUNT = "123456789012";
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const FIT_ARN = keyArn(KEY_ID);
/** The engine's wire form of a secret (the signature Pulumi's SDK writes). */
const secret = (value: unknown) => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  value,
});

function judge(token: string, key: unknown, mode: ValueMode): { blocking: string[]; pending: string[] } {
  const stackKey = resource("aws:kms/key:Key", "key", fitKeyProps(KEY_ID));
  const props: Record<string, unknown> = {
    name: "studio",
    domainExecutionRole: `arn:aws:iam::${ACCOUNT}:role/studio`,
  };
  if (key !== undefined) props.kmsKeyIdentifier = key;
  const domain = resource(token, "studio", props);
  const state = packState(mode);
  const resources = [stackKey, domain];
  const judgments: Judgment[] = [
    ...resources.map((r) => judgeResource(r, state)),
    judgeStack(traceResources(resources, state), state, NO_OUTSIDE_KEY_EVIDENCE),
  ];
  const level = levelOf(state);
  return {
    blocking: judgments.flatMap((j) =>
      j.findings.filter((f) => f.urn === domain.urn && blocks(level(f.policy))).map((f) => f.policy),
    ),
    pending: judgments.flatMap((j) => j.pending.filter((p) => p.urn === domain.urn).map((p) => p.policy)),
  };
}

type Expected = "pass" | "not-verified" | { blocks: string };

const CASES: readonly { name: string; doc: string; value: unknown; expected: Expected }[] = [
  { name: "the key ARN of the stack's key", doc: AWS_PAGE, value: FIT_ARN, expected: "pass" },
  { name: "the key ARN as a secret", doc: SECRETS, value: secret(FIT_ARN), expected: "pass" },
  {
    name: "a secret whose value is not known",
    doc: SECRETS,
    value: secret(UNKNOWN_SENTINEL),
    expected: "not-verified",
  },
  { name: "a computed value (unknown)", doc: AWS_PAGE, value: UNKNOWN_SENTINEL, expected: "not-verified" },
  { name: "absent", doc: AWS_PAGE, value: undefined, expected: { blocks: "workspace-cmk-required" } },
  { name: "null", doc: AWS_PAGE, value: null, expected: { blocks: "workspace-cmk-required" } },
  { name: "empty string", doc: AWS_PAGE, value: "", expected: { blocks: "workspace-cmk-required" } },
  { name: "whitespace", doc: AWS_PAGE, value: " \t", expected: { blocks: "workspace-cmk-required" } },
  { name: "a number", doc: AWS_PAGE, value: 42, expected: { blocks: "workspace-cmk-key-arn" } },
  { name: "a boolean", doc: AWS_PAGE, value: true, expected: { blocks: "workspace-cmk-key-arn" } },
  {
    name: "a list holding the ARN",
    doc: AWS_PAGE,
    value: [FIT_ARN],
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "an object holding the ARN",
    doc: AWS_PAGE,
    value: { arn: FIT_ARN },
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "the ARN with spaces around it",
    doc: CFN_PAGE,
    value: ` ${FIT_ARN} `,
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "the ARN in upper case",
    doc: KMS_IDS,
    value: FIT_ARN.toUpperCase(),
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  { name: "the key id", doc: KMS_IDS, value: KEY_ID, expected: { blocks: "workspace-cmk-key-arn" } },
  {
    name: "an alias name",
    doc: KMS_IDS,
    value: "alias/studio",
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "the AWS managed key's alias",
    doc: KMS_IDS,
    value: "alias/aws/datazone",
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "an alias ARN",
    doc: KMS_IDS,
    value: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/studio`,
    expected: { blocks: "workspace-cmk-key-arn" },
  },
  {
    name: "a multi-Region key ARN of a key outside the stack (no AWS to read it)",
    doc: MRK,
    value: `arn:aws:kms:us-east-1:${ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`,
    expected: { blocks: "cmk-key-verifiable" },
  },
  {
    name: "a key ARN of the aws-cn partition",
    doc: CFN_PAGE,
    value: `arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/${KEY_ID}`,
    expected: { blocks: "workspace-cmk-region" },
  },
  {
    name: "a key ARN of the aws-us-gov partition",
    doc: CFN_PAGE,
    value: `arn:aws-us-gov:kms:us-gov-west-1:${ACCOUNT}:key/${KEY_ID}`,
    expected: { blocks: "workspace-cmk-region" },
  },
  {
    name: "a key ARN of another region",
    doc: CFN_PAGE,
    value: FIT_ARN.replace("us-east-1", "eu-west-1"),
    expected: { blocks: "workspace-cmk-region" },
  },
  {
    name: "a key ARN of another account (no AWS to read it)",
    doc: KMS_IDS,
    value: FIT_ARN.replace(ACCOUNT, "210987654321"),
    expected: { blocks: "cmk-key-verifiable" },
  },
];

describe("judging: a DataZone domain's kmsKeyIdentifier in every documented and wrong shape", () => {
  for (const token of ["aws:datazone/domain:Domain", "aws-native:datazone:Domain"]) {
    for (const { name, doc, value, expected } of CASES) {
      const page = token.startsWith("aws-native") && doc === AWS_PAGE ? NATIVE_PAGE : doc;
      it(`${token}: ${name} (${page})`, () => {
        const final = judge(token, value, "final");
        const preview = judge(token, value, "preview");
        if (expected === "pass") {
          assert.deepEqual(final.blocking, [], `final: ${final.blocking.join(", ")}`);
          assert.deepEqual(preview.blocking, [], `preview: ${preview.blocking.join(", ")}`);
        } else if (expected === "not-verified") {
          assert.deepEqual(final.blocking, ["cmk-unverifiable"], "final: NOT VERIFIED");
          assert.deepEqual(preview.blocking, [], "preview: not determinable yet");
          assert.ok(preview.pending.includes("workspace-cmk-required"), "preview: pending, never silent");
        } else {
          assert.ok(final.blocking.includes(expected.blocks), `final: ${final.blocking.join(", ")}`);
          assert.ok(preview.blocking.includes(expected.blocks), `preview: ${preview.blocking.join(", ")}`);
        }
      });
    }
  }
});
