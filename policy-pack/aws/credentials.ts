/**
 * Whether AWS credentials are at hand for verifying keys outside the stack (`verifyKeysWithAws`
 * `auto`, the default), decided without a network call: the places the AWS SDK for JavaScript v3's
 * default credential chain reads first, and the stack's own AWS provider config.
 *
 * Found when any of these is set:
 * - `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (the chain's environment step);
 * - `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` (web identity: EKS service accounts, CI OIDC);
 * - `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI` (ECS tasks, CodeBuild, EKS Pod Identity);
 * - a profile with credentials in the shared files (`~/.aws/credentials`, `~/.aws/config`, or
 *   `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`): static keys, a role to assume, SSO, a
 *   credential process, a web identity token file or a console login session. The profile is the
 *   stack's `aws:profile` (what the Pulumi AWS provider uses), else `AWS_PROFILE`, else `default`.
 *
 * An EC2 instance role is not found this way (only the instance metadata service knows it, over
 * the network): there `verifyKeysWithAws.enabled: true` turns verification on explicitly. Nothing
 * here reads a secret's value: only whether a setting is present.
 * https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html
 */
type SharedConfigFiles = Awaited<ReturnType<typeof import("@smithy/core/config").loadSharedConfigFiles>>;

export type CredentialsPresence =
  /** `source`: where they are. */
  | { readonly found: true; readonly source: string }
  /** `why`: why AWS KMS will not be asked, completing "AWS KMS was not asked about it: ..." */
  | { readonly found: false; readonly why: string };

/** Finds out whether credentials are at hand (injected: tests bring their own answer). */
export type CredentialsDetector = () => Promise<CredentialsPresence>;

/**
 * Set by an engine that runs offline (the `bedrock-cmk-guard` CLI's `preview` and `check`): the
 * default verification does not run there; an explicit `enabled: true` still does.
 */
export const OFFLINE_ENV = "BEDROCK_CMK_GUARD_OFFLINE";

/** Profile settings that give the chain credentials (the SDK's ini, SSO, process and token providers). */
const CREDENTIAL_SETTINGS = [
  "aws_access_key_id",
  "role_arn",
  "sso_session",
  "sso_start_url",
  "credential_process",
  "web_identity_token_file",
  "login_session",
];

const NOT_FOUND = {
  found: false,
  why: "no AWS credentials were found (looked at AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE, the container credentials variables, and the profile's entry in the shared AWS config files)",
} as const;

type LoadFiles = (paths: { filepath?: string; configFilepath?: string }) => Promise<SharedConfigFiles>;

function loadSharedFiles(paths: { filepath?: string; configFilepath?: string }): Promise<SharedConfigFiles> {
  // Loaded on use only: a pack with no key outside its stack never reads the files.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadSharedConfigFiles } = require("@smithy/core/config") as typeof import("@smithy/core/config");
  return loadSharedConfigFiles({ ...paths, ignoreCache: true });
}

const set = (value: string | undefined): value is string => value !== undefined && value !== "";

export async function findAwsCredentials(
  env: NodeJS.ProcessEnv,
  stackConfig: Readonly<Record<string, unknown>>,
  loadFiles: LoadFiles = loadSharedFiles,
): Promise<CredentialsPresence> {
  if (set(env[OFFLINE_ENV])) {
    return {
      found: false,
      why: "this run is offline (bedrock-cmk-guard preview and check ask AWS only with verifyKeysWithAws.enabled true)",
    };
  }
  const found = (source: string) => ({ found: true as const, source });
  if (set(env.AWS_ACCESS_KEY_ID) && set(env.AWS_SECRET_ACCESS_KEY)) return found("AWS_ACCESS_KEY_ID");
  if (set(env.AWS_WEB_IDENTITY_TOKEN_FILE) && set(env.AWS_ROLE_ARN))
    return found("AWS_WEB_IDENTITY_TOKEN_FILE");
  if (set(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) || set(env.AWS_CONTAINER_CREDENTIALS_FULL_URI))
    return found("the container credentials endpoint");
  const profile = stackProfile(stackConfig) ?? (set(env.AWS_PROFILE) ? env.AWS_PROFILE : "default");
  let files: SharedConfigFiles;
  try {
    files = await loadFiles({
      ...(set(env.AWS_SHARED_CREDENTIALS_FILE) ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
      ...(set(env.AWS_CONFIG_FILE) ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
    });
  } catch {
    // Unreadable files hold no credentials the chain could use either.
    return NOT_FOUND;
  }
  const hasCredentials = (section: Record<string, string | undefined> | undefined) =>
    section !== undefined && CREDENTIAL_SETTINGS.some((setting) => set(section[setting]));
  // Own entries only: a profile named `toString` is a name, not a member of the parsed object.
  const sectionOf = (parsed: SharedConfigFiles["configFile"]) =>
    Object.hasOwn(parsed, profile) ? parsed[profile] : undefined;
  if (hasCredentials(sectionOf(files.credentialsFile)) || hasCredentials(sectionOf(files.configFile)))
    return found(`the profile '${profile}'`);
  return NOT_FOUND;
}

/** The stack's `aws:profile`: the profile the Pulumi AWS provider uses, and so the one KMS is asked with. */
export function stackProfile(stackConfig: Readonly<Record<string, unknown>>): string | undefined {
  const profile = stackConfig["aws:profile"];
  return typeof profile === "string" && profile !== "" ? profile : undefined;
}

/** The detector of the pack process: its own environment and the stack config the engine gave it. */
export function environmentCredentials(
  stackConfig: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): CredentialsDetector {
  return () => findAwsCredentials(env, stackConfig);
}
