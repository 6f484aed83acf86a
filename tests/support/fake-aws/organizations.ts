/**
 * A fake AWS Organizations (AWS JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.*`):
 * ListAccounts, paginated, answered to the management account only.
 * Register with `server.register("organizations", organizations.handler)`.
 */
import { page } from "./pages";
import { AwsError, awsJsonHandler } from "./server";
import type { FakeAccounts } from "./sts";

export interface FakeMemberAccount {
  readonly id: string;
  readonly name: string;
  readonly status?: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";
}

export class FakeOrganizations {
  pageSize = 20;
  readonly members: FakeMemberAccount[] = [];

  constructor(
    private readonly accounts: FakeAccounts,
    private readonly managementAccount: string,
  ) {}

  addAccount(account: FakeMemberAccount): this {
    this.members.push(account);
    return this;
  }

  readonly handler = awsJsonHandler("1.1", "AWSOrganizationsV20161128", {
    ListAccounts: (input: { NextToken?: string; MaxResults?: number }, call) => {
      const caller = this.accounts.check(call);
      if (caller !== this.managementAccount) {
        throw new AwsError("AccessDeniedException", "You don't have permissions to access this resource.");
      }
      const result = page(this.members, input.NextToken, input.MaxResults, this.pageSize);
      return {
        Accounts: result.items.map((a) => {
          const status = a.status ?? "ACTIVE";
          return {
            Id: a.id,
            Arn: `arn:aws:organizations::${this.managementAccount}:account/o-fake/${a.id}`,
            Email: `${a.id}@example.com`,
            Name: a.name,
            Status: status,
            State: status === "ACTIVE" ? "ACTIVE" : "SUSPENDED",
            JoinedMethod: "CREATED",
            JoinedTimestamp: 1_700_000_000,
          };
        }),
        ...(result.nextToken ? { NextToken: result.nextToken } : {}),
      };
    },
  });
}
