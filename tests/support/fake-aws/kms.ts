/**
 * A fake AWS KMS (JSON 1.1, `X-Amz-Target: TrentService.*`) over an in-memory model of keys:
 * DescribeKey (key id, key ARN, alias name or alias ARN), GetKeyRotationStatus, GetKeyPolicy,
 * ListResourceTags and ListAliases, each answering in the region of the call only, as KMS does.
 * Register it with `server.register("kms", fakeKms.handler)`.
 */
import { AwsError, awsJsonHandler, type FakeAwsCall, type ServiceHandler } from "./server";

export interface FakeKey {
  /** `arn:aws:kms:<region>:<account>:key/<id>`: region and account come from here. */
  readonly arn: string;
  readonly keyManager?: "CUSTOMER" | "AWS";
  readonly keyState?: string;
  readonly enabled?: boolean;
  readonly keySpec?: string;
  readonly keyUsage?: string;
  readonly origin?: string;
  readonly multiRegion?: boolean;
  readonly rotationEnabled?: boolean;
  readonly rotationPeriodInDays?: number;
  /** The `default` key policy, as a JSON string. */
  readonly policy?: string;
  readonly tags?: Record<string, string>;
  /** Alias names (`alias/x`) pointing at this key. */
  readonly aliases?: string[];
}

export interface DeniedCall {
  readonly operation: string;
  /** Only calls signed with this access key are denied (all callers when absent). */
  readonly accessKeyId?: string;
  /** Only this key is denied (every key when absent). */
  readonly keyArn?: string;
}

interface KeyArnParts {
  readonly region: string;
  readonly account: string;
  readonly id: string;
}

function keyArnParts(arn: string): KeyArnParts {
  const match = /^arn:aws[a-z-]*:kms:([^:]+):(\d{12}):key\/(.+)$/.exec(arn);
  if (!match) throw new Error(`fake KMS: not a key ARN: ${arn}`);
  return { region: match[1], account: match[2], id: match[3] };
}

export class FakeKms {
  readonly keys: FakeKey[] = [];
  readonly denied: DeniedCall[] = [];
  /** The account of a caller, by access key id (default: the account of the key asked about). */
  readonly accounts = new Map<string, string>();

  addKey(key: FakeKey): this {
    keyArnParts(key.arn);
    this.keys.push(key);
    return this;
  }

  deny(call: DeniedCall): this {
    this.denied.push(call);
    return this;
  }

  readonly handler: ServiceHandler = awsJsonHandler("1.1", "TrentService", {
    DescribeKey: (input: { KeyId?: string }, call) => {
      const key = this.authorised(call, this.find(input.KeyId, call, true));
      const parts = keyArnParts(key.arn);
      const spec = key.keySpec ?? "SYMMETRIC_DEFAULT";
      const state = key.keyState ?? (key.enabled === false ? "Disabled" : "Enabled");
      return {
        KeyMetadata: {
          AWSAccountId: parts.account,
          KeyId: parts.id,
          Arn: key.arn,
          CreationDate: 1_700_000_000,
          Enabled: state === "Enabled",
          Description: "",
          KeyUsage: key.keyUsage ?? "ENCRYPT_DECRYPT",
          KeyState: state,
          Origin: key.origin ?? "AWS_KMS",
          KeyManager: key.keyManager ?? "CUSTOMER",
          CustomerMasterKeySpec: spec,
          KeySpec: spec,
          EncryptionAlgorithms: spec === "SYMMETRIC_DEFAULT" ? ["SYMMETRIC_DEFAULT"] : ["RSAES_OAEP_SHA_256"],
          MultiRegion: key.multiRegion ?? parts.id.startsWith("mrk-"),
        },
      };
    },
    GetKeyRotationStatus: (input: { KeyId?: string }, call) => {
      const key = this.authorised(call, this.find(input.KeyId, call, false));
      if ((key.keySpec ?? "SYMMETRIC_DEFAULT") !== "SYMMETRIC_DEFAULT") {
        throw new AwsError("UnsupportedOperationException", `${key.arn} key spec does not support rotation`);
      }
      const enabled = key.rotationEnabled ?? false;
      return {
        KeyId: key.arn,
        KeyRotationEnabled: enabled,
        ...(enabled ? { RotationPeriodInDays: key.rotationPeriodInDays ?? 365 } : {}),
      };
    },
    GetKeyPolicy: (input: { KeyId?: string; PolicyName?: string }, call) => {
      const key = this.authorised(call, this.find(input.KeyId, call, false));
      if ((input.PolicyName ?? "default") !== "default")
        throw new AwsError("NotFoundException", "No such policy");
      return { Policy: key.policy ?? defaultKeyPolicy(keyArnParts(key.arn).account), PolicyName: "default" };
    },
    ListResourceTags: (input: { KeyId?: string }, call) => {
      const key = this.authorised(call, this.find(input.KeyId, call, false));
      const tags = Object.entries(key.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
      return { Tags: tags, Truncated: false };
    },
    ListAliases: (input: { KeyId?: string }, call) => {
      const inRegion = this.keys.filter((k) => keyArnParts(k.arn).region === call.region);
      const keys = input.KeyId ? [this.find(input.KeyId, call, false)] : inRegion;
      const aliases = keys.flatMap((k) => {
        const parts = keyArnParts(k.arn);
        return (k.aliases ?? []).map((name) => ({
          AliasName: name,
          AliasArn: `arn:aws:kms:${parts.region}:${parts.account}:${name}`,
          TargetKeyId: parts.id,
        }));
      });
      return { Aliases: aliases, Truncated: false };
    },
  });

  /** A key by key id, key ARN or (when `aliases` is allowed) alias name or alias ARN, in the call's region. */
  private find(keyId: string | undefined, call: FakeAwsCall, aliases: boolean): FakeKey {
    if (!keyId)
      throw new AwsError("ValidationException", "1 validation error detected: KeyId must not be null");
    const inRegion = this.keys.filter((k) => keyArnParts(k.arn).region === call.region);
    const aliasName = /^(?:arn:aws[a-z-]*:kms:[^:]+:\d{12}:)?(alias\/.+)$/.exec(keyId)?.[1];
    if (aliasName && !aliases) throw new AwsError("NotFoundException", `Invalid keyId ${keyId}`);
    const key = aliasName
      ? inRegion.find((k) => (k.aliases ?? []).includes(aliasName))
      : inRegion.find((k) => k.arn === keyId || keyArnParts(k.arn).id === keyId);
    if (!key) throw new AwsError("NotFoundException", `Key '${keyId}' does not exist`);
    return key;
  }

  private authorised(call: FakeAwsCall, key: FakeKey): FakeKey {
    const deniedCall = this.denied.find(
      (d) =>
        d.operation === call.operation &&
        (d.accessKeyId === undefined || d.accessKeyId === call.accessKeyId) &&
        (d.keyArn === undefined || d.keyArn === key.arn),
    );
    if (deniedCall) {
      const account = this.accounts.get(call.accessKeyId) ?? keyArnParts(key.arn).account;
      const action = `kms:${call.operation}`;
      throw new AwsError(
        "AccessDeniedException",
        `User: arn:aws:iam::${account}:user/tester is not authorized to perform: ${action} on resource: ` +
          `${key.arn} because no resource-based policy allows the ${action} action`,
      );
    }
    return key;
  }
}

/** The key policy KMS gives a key created without one: the account root may do everything. */
export function defaultKeyPolicy(account: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });
}
