/**
 * The environment a child process (the pack, the CLI) needs to reach the fake AWS endpoint with
 * the SDK's standard configuration, and nothing else: no profile, no shared config files, no
 * instance or container role, so that a test can never pick up real credentials.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { FakeAwsServer } from "./server";

export interface FakeCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Merged over process.env by the caller; `credentials` absent: the SDK finds none. */
export function fakeAwsEnv(server: FakeAwsServer, credentials?: FakeCredentials): Record<string, string> {
  const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fake-aws-env-")), "empty");
  fs.writeFileSync(empty, "");
  return {
    AWS_ENDPOINT_URL: server.url,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: credentials?.accessKeyId ?? "",
    AWS_SECRET_ACCESS_KEY: credentials?.secretAccessKey ?? "",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_CONFIG_FILE: empty,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_WEB_IDENTITY_TOKEN_FILE: "",
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "",
  };
}
