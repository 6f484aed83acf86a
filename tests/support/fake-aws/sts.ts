/**
 * Fake AWS accounts and AWS STS (Query protocol, XML answers): who signed a call (by access key
 * id), which role may be assumed, and which account × region answers what. Every other fake
 * service asks `accounts.check(call)` first, so one model decides identity and region access.
 * Register the STS handler with `server.register("sts", accounts.stsHandler)`.
 */
import { AwsError, queryXmlHandler, xmlEscape, type FakeAwsCall } from "./server";

interface Principal {
  readonly account: string;
  readonly arn: string;
}

/** How an account × region answers every service: normally, AccessDenied, or as a disabled opt-in region. */
export type RegionAccess = "denied" | "not-enabled";

export class FakeAccounts {
  private readonly principals = new Map<string, Principal>();
  /** Role ARNs that may be assumed, by any known principal. */
  private readonly roles = new Set<string>();
  private readonly regionAccess = new Map<string, RegionAccess>();
  private sessions = 0;

  /** A long-term access key of an IAM user in `account`. */
  addUser(accessKeyId: string, account: string, name = "auditor"): this {
    this.principals.set(accessKeyId, { account, arn: `arn:aws:iam::${account}:user/${name}` });
    return this;
  }

  addRole(account: string, roleName: string): this {
    this.roles.add(`arn:aws:iam::${account}:role/${roleName}`);
    return this;
  }

  /** `undefined` restores normal answers. */
  setRegionAccess(account: string, region: string, access: RegionAccess | undefined): this {
    if (access === undefined) this.regionAccess.delete(`${account}/${region}`);
    else this.regionAccess.set(`${account}/${region}`, access);
    return this;
  }

  /**
   * The account of the caller whatever the region answers (a service-control policy that denies
   * the Bedrock services leaves AWS Config answering), or the error of an unknown access key.
   */
  identify(call: FakeAwsCall): string {
    const principal = this.principals.get(call.accessKeyId);
    if (principal === undefined)
      throw new AwsError(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        403,
      );
    return principal.account;
  }

  /** The account of the caller, or the AWS error its service would answer. */
  check(call: FakeAwsCall): string {
    const principal = this.principals.get(call.accessKeyId);
    const access = principal && this.regionAccess.get(`${principal.account}/${call.region}`);
    if (principal === undefined || access === "not-enabled") {
      throw new AwsError(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        403,
      );
    }
    if (access === "denied") {
      throw new AwsError(
        "AccessDeniedException",
        `User: ${principal.arn} is not authorized to perform: ${call.service}:${call.operation} ` +
          "with an explicit deny in a service control policy",
        403,
      );
    }
    return principal.account;
  }

  readonly stsHandler = queryXmlHandler("https://sts.amazonaws.com/doc/2011-06-15/", {
    GetCallerIdentity: (_params, call) => {
      const principal = this.principals.get(call.accessKeyId);
      if (principal === undefined)
        throw new AwsError(
          "InvalidClientTokenId",
          "The security token included in the request is invalid.",
          403,
        );
      return (
        `<Arn>${xmlEscape(principal.arn)}</Arn><UserId>AIDAFAKE</UserId>` +
        `<Account>${principal.account}</Account>`
      );
    },
    AssumeRole: (params, call) => {
      const caller = this.principals.get(call.accessKeyId);
      if (caller === undefined)
        throw new AwsError(
          "InvalidClientTokenId",
          "The security token included in the request is invalid.",
          403,
        );
      const roleArn = params.get("RoleArn") ?? "";
      const session = params.get("RoleSessionName") ?? "";
      if (!this.roles.has(roleArn)) {
        throw new AwsError(
          "AccessDenied",
          `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          403,
        );
      }
      const account = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn)!;
      const accessKeyId = `ASIAFAKE${account[1]}${++this.sessions}`;
      const arn = `arn:aws:sts::${account[1]}:assumed-role/${account[2]}/${session}`;
      this.principals.set(accessKeyId, { account: account[1], arn });
      const expiration = new Date(Date.now() + 3600_000).toISOString();
      return (
        `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>fake-secret</SecretAccessKey>` +
        `<SessionToken>fake-session-${this.sessions}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><Arn>${xmlEscape(arn)}</Arn><AssumedRoleId>AROAFAKE:${xmlEscape(session)}</AssumedRoleId></AssumedRoleUser>`
      );
    },
  });
}
