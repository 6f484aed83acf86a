/**
 * Whether AWS credentials are at hand, found without a network call (policy-pack/aws/credentials.ts),
 * and what the pack's default verification of keys outside the stack does with the answer
 * (judging/outside-keys.ts): both branches, in-process, with the detector and the KMS source injected.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findAwsCredentials, OFFLINE_ENV, type CredentialsPresence } from "../../policy-pack/aws/credentials";
import type { KeyLookup, KeyVerification, KmsFactsSource } from "../../policy-pack/aws/kms-facts";
import { traceStack } from "../../policy-pack/facts/key-tracing";
import { outsideKeyVerifier, type KmsFactsSourceFactory } from "../../policy-pack/judging/outside-keys";
import {
  GUARD_SETTINGS_POLICY,
  NO_GUARD_SETTINGS,
  type VerifyKeysMode,
} from "../../policy-pack/settings/guard-settings";
import { createPackState } from "../../policy-pack/settings/pack-state";
import { DOMAIN, keyArn } from "../support/builders";

const folder = fs.mkdtempSync(path.join(os.tmpdir(), "credentials-spec-"));
after(() => fs.rmSync(folder, { recursive: true, force: true }));

/** Shared files with the given text; the other file is absent. */
function files(credentials: string, config = ""): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(folder, "aws-"));
  fs.writeFileSync(path.join(dir, "credentials"), credentials);
  fs.writeFileSync(path.join(dir, "config"), config);
  return {
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials"),
    AWS_CONFIG_FILE: path.join(dir, "config"),
  };
}
const NO_FILES = {
  AWS_SHARED_CREDENTIALS_FILE: path.join(folder, "none"),
  AWS_CONFIG_FILE: path.join(folder, "none"),
};
const STATIC = "aws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n";

describe("AWS credentials at hand, found without a network call", () => {
  const cases: [string, NodeJS.ProcessEnv, Record<string, unknown>, string | false][] = [
    [
      "access keys in the environment",
      { ...NO_FILES, AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s" },
      {},
      "AWS_ACCESS_KEY_ID",
    ],
    ["an access key id without its secret", { ...NO_FILES, AWS_ACCESS_KEY_ID: "AKID" }, {}, false],
    [
      "empty variables (a cleared environment)",
      { ...NO_FILES, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" },
      {},
      false,
    ],
    [
      "a web identity token and role",
      { ...NO_FILES, AWS_WEB_IDENTITY_TOKEN_FILE: "/t", AWS_ROLE_ARN: "arn:aws:iam::1:role/r" },
      {},
      "AWS_WEB_IDENTITY_TOKEN_FILE",
    ],
    [
      "a container credentials endpoint",
      { ...NO_FILES, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds" },
      {},
      "the container credentials endpoint",
    ],
    ["the default profile with static keys", files(`[default]\n${STATIC}`), {}, "the profile 'default'"],
    [
      "AWS_PROFILE naming an SSO profile of the config file",
      { ...files("", "[profile dev]\nsso_session = corp\n"), AWS_PROFILE: "dev" },
      {},
      "the profile 'dev'",
    ],
    [
      "the stack's aws:profile (the provider's), over AWS_PROFILE",
      { ...files(`[ops]\n${STATIC}`), AWS_PROFILE: "dev" },
      { "aws:profile": "ops" },
      "the profile 'ops'",
    ],
    ["a profile that holds only a region", files("", "[default]\nregion = us-east-1\n"), {}, false],
    [
      "AWS_PROFILE naming a profile that does not exist",
      { ...files(`[default]\n${STATIC}`), AWS_PROFILE: "gone" },
      {},
      false,
    ],
    [
      "a profile named after a prototype member that is not in the files",
      { ...files(`[default]\n${STATIC}`), AWS_PROFILE: "toString" },
      {},
      false,
    ],
    ["no files at all", NO_FILES, {}, false],
    [
      "an offline run, whatever the environment holds",
      { ...NO_FILES, AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s", [OFFLINE_ENV]: "1" },
      {},
      false,
    ],
  ];
  for (const [label, env, stackConfig, expected] of cases) {
    it(`${expected === false ? "none" : "found"}: ${label}`, async () => {
      const presence = await findAwsCredentials(env, stackConfig);
      if (expected === false) assert.equal(presence.found, false, JSON.stringify(presence));
      else assert.deepEqual(presence, { found: true, source: expected });
    });
  }

  it("says where it looked, and an offline run says so", async () => {
    const none = await findAwsCredentials(NO_FILES, {});
    assert.match(
      none.found ? "" : none.why,
      /no AWS credentials were found \(looked at AWS_ACCESS_KEY_ID, .*shared AWS config files/,
    );
    const offline = await findAwsCredentials({ [OFFLINE_ENV]: "1" }, {});
    assert.match(offline.found ? "" : offline.why, /this run is offline/);
  });
});

describe("verifyKeysWithAws by default: verify when credentials are at hand", () => {
  const OUTSIDE = keyArn("us-east-1", "1234abcd-12ab-34cd-56ef-000000000001", "999988887777");
  const traces = traceStack(
    [
      {
        type: DOMAIN,
        urn: `urn:pulumi:dev::test::${DOMAIN}::outside`,
        name: "outside",
        props: {
          name: "outside",
          domainExecutionRole: "arn:aws:iam::999988887777:role/r",
          kmsKeyIdentifier: OUTSIDE,
        },
        propertyDependencies: {},
      },
    ],
    { "aws:region": "us-east-1" },
  );

  /** A verifier over a KMS source that records what it was asked and with which profile. */
  function verifierWith(enabled: VerifyKeysMode, presence: CredentialsPresence, stackConfig = {}) {
    const state = createPackState({
      PULUMI_CONFIG: JSON.stringify({ "aws:region": "us-east-1", ...stackConfig }),
    });
    state.settings = new Map([
      [GUARD_SETTINGS_POLICY, { ...NO_GUARD_SETTINGS, verifyKeysWithAws: { enabled, timeoutSeconds: 5 } }],
    ]);
    const asked: KeyLookup[] = [];
    const profiles: (string | undefined)[] = [];
    let detections = 0;
    const createSource: KmsFactsSourceFactory = ({ profile }) => {
      profiles.push(profile);
      const source: KmsFactsSource = {
        verify: (lookup) => {
          asked.push(lookup);
          return Promise.resolve<KeyVerification>({
            kind: "failed",
            failure: {
              kind: "access-denied",
              operation: "DescribeKey",
              code: "AccessDeniedException",
              detail: "",
            },
          });
        },
      };
      return source;
    };
    const verifier = outsideKeyVerifier(state, createSource, () => {
      detections++;
      return Promise.resolve(presence);
    });
    return { verifier, asked, profiles, detections: () => detections };
  }

  it("auto, credentials found: asks AWS KMS about the key, with the stack's aws:profile", async () => {
    const run = verifierWith("auto", { found: true, source: "AWS_ACCESS_KEY_ID" }, { "aws:profile": "ops" });
    await run.verifier.prepare(traces);
    await run.verifier.prepare(traces);
    assert.deepEqual(
      run.asked.map((l) => l.reference),
      [OUTSIDE, OUTSIDE],
    );
    assert.deepEqual(run.profiles, ["ops"]);
    assert.equal(run.detections(), 1, "credentials are looked for once per run");
    assert.equal(run.verifier.status(traces[0]!).kind, "failed", "a failed verification is never a pass");
  });

  it("auto, no credentials found: asks nothing, and the status says why", async () => {
    const run = verifierWith("auto", { found: false, why: "the test found none" });
    await run.verifier.prepare(traces);
    assert.deepEqual(run.asked, []);
    const status = run.verifier.status(traces[0]!);
    assert.equal(status.kind, "unavailable");
    assert.match(
      status.kind === "unavailable" ? status.reason : "",
      /AWS KMS was not asked about it: the test found none/,
    );
  });

  it("true: asks AWS KMS without looking for credentials (an instance role is found only by asking)", async () => {
    const run = verifierWith(true, { found: false, why: "none" });
    await run.verifier.prepare(traces);
    assert.equal(run.asked.length, 1);
    assert.equal(run.detections(), 0);
  });

  it("false: asks nothing and looks for nothing", async () => {
    const run = verifierWith(false, { found: true, source: "AWS_ACCESS_KEY_ID" });
    await run.verifier.prepare(traces);
    assert.deepEqual(run.asked, []);
    assert.equal(run.detections(), 0);
    assert.equal(run.verifier.status(traces[0]!).kind, "off");
  });

  it("a stack with no key outside it looks for nothing", async () => {
    const run = verifierWith("auto", { found: true, source: "AWS_ACCESS_KEY_ID" });
    await run.verifier.prepare([]);
    assert.equal(run.detections(), 0);
  });
});
