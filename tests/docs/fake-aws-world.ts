/**
 * The AWS account the examples of docs/audit.md describe, served by the fake AWS endpoint of
 * tests/support/fake-aws for the docs test's `fake-aws` environment (tests/docs/doc-environments.ts):
 * one account, DataZone offered in two regions, a workspace created without a key (to re-create)
 * and one encrypted with a fit customer-managed key (to import).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeWorld, keyArn } from "../audit/fake-world";
import { fakeAwsEnv } from "../support/fake-aws/env";

/** The account of the docs' examples. */
export const DOCS_ACCOUNT = "111122223333";
const ACCESS_KEY_ID = "AKIDDOCSEXAMPLE";
const EXECUTION_ROLE = `arn:aws:iam::${DOCS_ACCOUNT}:role/service-role/AmazonBedrockStudioExecutionRole`;

export interface FakeAwsSession {
  /** Merged over the command's environment: the SDK reaches only the fake, as this account. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startFakeAws(): Promise<FakeAwsSession> {
  const world = await FakeWorld.start();
  world.accounts.addUser(ACCESS_KEY_ID, DOCS_ACCOUNT);
  world.ssm.addServiceRegions("datazone", ["us-east-1", "eu-west-1"]);
  const fitKey = keyArn(DOCS_ACCOUNT, "eu-west-1", 1);
  world.kms.addKey({ arn: fitKey, rotationEnabled: true, tags: { EnableBedrock: "true" } });
  world.dataZone
    .addDomain(DOCS_ACCOUNT, "us-east-1", {
      id: "dzd_1234567890abcd",
      name: "legacy-studio",
      description: "created in the console, without a key",
      domainExecutionRole: EXECUTION_ROLE,
      tags: { team: "research" },
    })
    .addDomain(DOCS_ACCOUNT, "eu-west-1", {
      id: "dzd_abcdef12345678",
      name: "research-eu",
      description: "encrypted with its own key",
      domainExecutionRole: EXECUTION_ROLE,
      kmsKeyIdentifier: fitKey,
    });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "fake-aws-home-"));
  const awsEnv = fakeAwsEnv(world.server, { accessKeyId: ACCESS_KEY_ID, secretAccessKey: "fake-secret" });
  return {
    env: { ...awsEnv, HOME: home },
    stop: async () => {
      await world.close();
      fs.rmSync(home, { recursive: true, force: true });
      // fakeAwsEnv's empty config files live in a folder of their own.
      fs.rmSync(path.dirname(awsEnv.AWS_CONFIG_FILE), { recursive: true, force: true });
    },
  };
}
