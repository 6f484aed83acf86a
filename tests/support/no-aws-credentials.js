// Loaded by .mocharc.js before every spec (and so inherited by every process a test starts): the
// machine's AWS credentials are out of reach. The policy pack verifies keys outside the stack with
// AWS KMS whenever it finds credentials (policy-pack/aws/credentials.ts), so without this a test
// run on a machine with a profile would call AWS. Tests that need credentials inject their own,
// with a fake endpoint on 127.0.0.1 (tests/support/fake-aws/env.ts).
"use strict";
const path = require("path");

const nowhere = path.join(__dirname, "no-such-aws-file");
Object.assign(process.env, {
  AWS_SHARED_CREDENTIALS_FILE: nowhere,
  AWS_CONFIG_FILE: nowhere,
  AWS_EC2_METADATA_DISABLED: "true",
});
for (const name of [
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
])
  delete process.env[name];
