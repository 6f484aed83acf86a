/**
 * Which accounts and regions an audit covers: `--regions` (a list, `all`, or the configured
 * region) and `--accounts` (a list, `organization`, or the caller's own account).
 */
import { UnusableInputError } from "../errors";
import { assumeRole, awsErrorText, type AwsSession, type Credentials } from "./aws-session";
import { allPages } from "./inventory";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

/** AWS's public parameters that list the regions where DataZone is offered. */
export const DATAZONE_REGIONS_PATH = "/aws/service/global-infrastructure/services/datazone/regions";

/**
 * Used when the public parameters cannot be read: the regions where Amazon DataZone was offered
 * as of 2025 (AWS Regional Services List).
 */
export const DATAZONE_REGIONS_FALLBACK: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
];

export interface Regions {
  readonly regions: readonly string[];
  /** How the list was found, when that is worth saying (the fallback list was used). */
  readonly notes: readonly string[];
}

/** Checks `--regions` before any AWS call (usage errors exit 2 at once). */
export function parseRegionsOption(value: string | undefined): "all" | readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "all") return "all";
  const regions = [
    ...new Set(
      value
        .split(",")
        .map((r) => r.trim())
        .filter((r) => r !== ""),
    ),
  ];
  const bad = regions.filter((r) => !REGION.test(r));
  if (regions.length === 0 || bad.length > 0) {
    throw new UnusableInputError(
      `--regions: expected \`all\` or a comma-separated list of region names such as us-east-1,eu-west-1${bad.length > 0 ? ` (not a region: ${bad.join(", ")})` : ""}`,
    );
  }
  return regions;
}

/** Checks `--accounts` before any AWS call. */
export function parseAccountsOption(
  value: string | undefined,
): "organization" | readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "organization") return "organization";
  const accounts = [
    ...new Set(
      value
        .split(",")
        .map((a) => a.trim())
        .filter((a) => a !== ""),
    ),
  ];
  const bad = accounts.filter((a) => !ACCOUNT.test(a));
  if (accounts.length === 0 || bad.length > 0) {
    throw new UnusableInputError(
      `--accounts: expected \`organization\` or a comma-separated list of 12-digit account ids${bad.length > 0 ? ` (not an account id: ${bad.join(", ")})` : ""}`,
    );
  }
  return accounts;
}

export async function resolveRegions(
  session: AwsSession,
  option: "all" | readonly string[] | undefined,
): Promise<Regions> {
  if (option === "all") return datazoneRegions(session);
  if (option !== undefined) return { regions: option, notes: [] };
  if (session.configuredRegion === undefined) {
    throw new UnusableInputError(
      "no region: set AWS_REGION (or the profile's region), or pass --regions us-east-1,... or --regions all",
    );
  }
  return { regions: [session.configuredRegion], notes: [] };
}

async function datazoneRegions(session: AwsSession): Promise<Regions> {
  const { SSMClient, GetParametersByPathCommand } = await import("@aws-sdk/client-ssm");
  const client = new SSMClient(session.clientOptions(session.configuredRegion ?? "us-east-1"));
  const regions: string[] = [];
  try {
    const parameters = await allPages(async (token) => {
      const answer = await client.send(
        new GetParametersByPathCommand({ Path: DATAZONE_REGIONS_PATH, NextToken: token, MaxResults: 10 }),
      );
      return { items: answer.Parameters, token: answer.NextToken };
    });
    for (const parameter of parameters) {
      if (parameter.Value !== undefined && REGION.test(parameter.Value)) regions.push(parameter.Value);
    }
  } catch (error) {
    return {
      regions: DATAZONE_REGIONS_FALLBACK,
      notes: [
        `could not read the DataZone regions from SSM (${DATAZONE_REGIONS_PATH}: ${awsErrorText(error)}); used the built-in list of ${DATAZONE_REGIONS_FALLBACK.length} regions`,
      ],
    };
  }
  if (regions.length === 0) {
    return {
      regions: DATAZONE_REGIONS_FALLBACK,
      notes: [`SSM listed no DataZone region under ${DATAZONE_REGIONS_PATH}; used the built-in list`],
    };
  }
  return { regions: [...new Set(regions)].sort(), notes: [] };
}

/** An account to audit, with the credentials to read it, or why it cannot be read. */
export type AccountAccess =
  | { readonly account: string; readonly credentials: Credentials }
  | { readonly account: string; readonly failure: string };

export async function resolveAccounts(
  session: AwsSession,
  option: "organization" | readonly string[] | undefined,
  roleName: string,
): Promise<AccountAccess[]> {
  if (option === undefined) return [{ account: session.account, credentials: session.baseCredentials }];
  const accounts = option === "organization" ? await organizationAccounts(session) : option;
  return Promise.all(
    accounts.map(async (account): Promise<AccountAccess> => {
      // The run's own account is read with its own credentials (the role is for member accounts).
      if (account === session.account) return { account, credentials: session.baseCredentials };
      try {
        return { account, credentials: await assumeRole(session, account, roleName) };
      } catch (error) {
        return {
          account,
          failure: `cannot assume role ${roleName} (sts:AssumeRole): ${awsErrorText(error)}`,
        };
      }
    }),
  );
}

/** The active accounts of the caller's AWS Organization (Organizations ListAccounts, every page). */
async function organizationAccounts(session: AwsSession): Promise<string[]> {
  const { OrganizationsClient, ListAccountsCommand } = await import("@aws-sdk/client-organizations");
  // Organizations is a global service, answered in us-east-1.
  const client = new OrganizationsClient(session.clientOptions("us-east-1"));
  const accounts: string[] = [];
  try {
    const listed = await allPages(async (token) => {
      const answer = await client.send(new ListAccountsCommand({ NextToken: token }));
      return { items: answer.Accounts, token: answer.NextToken };
    });
    for (const account of listed) {
      const active = account.State === undefined ? account.Status === "ACTIVE" : account.State === "ACTIVE";
      if (active && account.Id !== undefined) accounts.push(account.Id);
    }
  } catch (error) {
    throw new UnusableInputError(
      `--accounts organization: cannot list the organization's accounts (organizations:ListAccounts, from the management or a delegated administrator account): ${awsErrorText(error)}`,
    );
  }
  return accounts;
}
