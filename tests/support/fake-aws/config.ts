/**
 * A fake AWS Config (AWS JSON 1.1, `X-Amz-Target: StarlingDoveService.*`, signing name `config`):
 * PutEvaluations (at most 100 evaluations a call, a result token required, INSUFFICIENT_DATA
 * refused, annotations of at most 256 characters, as the API reference says) and
 * GetComplianceDetailsByConfigRule (paged, 100 at most) over what was put, per account and rule.
 * Register with `server.register("config", config.handler)`.
 */
import { page } from "./pages";
import { AwsError, awsJsonHandler } from "./server";
import type { FakeAccounts } from "./sts";

export interface FakeEvaluation {
  readonly ComplianceResourceType: string;
  readonly ComplianceResourceId: string;
  readonly ComplianceType: string;
  readonly Annotation?: string;
  /** Seconds since the epoch, as the SDK sends timestamps in AWS JSON. */
  readonly OrderingTimestamp: number;
}

/** The result token AWS Config hands the function of a rule: which account and rule it reports for. */
export function resultToken(account: string, ruleName: string): string {
  return Buffer.from(JSON.stringify({ account, ruleName })).toString("base64");
}

export class FakeConfig {
  /** Latest evaluation per account, rule and resource (type and id), as AWS Config keeps them. */
  private readonly latest = new Map<string, Map<string, FakeEvaluation>>();

  constructor(private readonly accounts: FakeAccounts) {}

  /** The latest evaluation of each resource for this account and rule. */
  evaluations(account: string, ruleName: string): FakeEvaluation[] {
    return [...(this.latest.get(`${account}/${ruleName}`)?.values() ?? [])];
  }

  /** An evaluation as if an earlier run had put it. */
  seed(account: string, ruleName: string, evaluation: FakeEvaluation): this {
    this.store(account, ruleName, evaluation);
    return this;
  }

  private store(account: string, ruleName: string, evaluation: FakeEvaluation): void {
    const key = `${account}/${ruleName}`;
    const rule = this.latest.get(key) ?? new Map<string, FakeEvaluation>();
    rule.set(`${evaluation.ComplianceResourceType} ${evaluation.ComplianceResourceId}`, evaluation);
    this.latest.set(key, rule);
  }

  readonly handler = awsJsonHandler("1.1", "StarlingDoveService", {
    PutEvaluations: (input: { ResultToken?: string; Evaluations?: FakeEvaluation[] }, call) => {
      const account = this.accounts.identify(call);
      let token: { account?: string; ruleName?: string };
      try {
        token = JSON.parse(Buffer.from(input.ResultToken ?? "", "base64").toString("utf8")) as typeof token;
      } catch {
        throw new AwsError("InvalidResultTokenException", "The specified ResultToken is not valid.");
      }
      if (token.account !== account || token.ruleName === undefined)
        throw new AwsError("InvalidResultTokenException", "The specified ResultToken is not valid.");
      const evaluations = input.Evaluations ?? [];
      if (evaluations.length > 100)
        throw new AwsError(
          "ValidationException",
          "1 validation error detected: Value at 'evaluations' failed to satisfy constraint: Member must have length less than or equal to 100",
        );
      for (const evaluation of evaluations) {
        if (!["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"].includes(evaluation.ComplianceType))
          throw new AwsError("InvalidParameterValueException", `ComplianceType ${evaluation.ComplianceType}`);
        if ((evaluation.Annotation ?? "").length > 256)
          throw new AwsError(
            "ValidationException",
            "Annotation: Member must have length less than or equal to 256",
          );
        if (typeof evaluation.OrderingTimestamp !== "number")
          throw new AwsError("ValidationException", "OrderingTimestamp is required");
      }
      for (const evaluation of evaluations) this.store(account, token.ruleName, evaluation);
      return { FailedEvaluations: [] };
    },
    GetComplianceDetailsByConfigRule: (
      input: { ConfigRuleName?: string; ComplianceTypes?: string[]; Limit?: number; NextToken?: string },
      call,
    ) => {
      const account = this.accounts.identify(call);
      if ((input.Limit ?? 0) > 100)
        throw new AwsError("InvalidLimitException", "The specified limit is outside the allowable range.");
      const wanted = input.ComplianceTypes;
      const matching = this.evaluations(account, input.ConfigRuleName ?? "").filter(
        (e) => wanted === undefined || wanted.length === 0 || wanted.includes(e.ComplianceType),
      );
      const result = page(matching, input.NextToken, input.Limit, 100);
      return {
        EvaluationResults: result.items.map((e) => ({
          EvaluationResultIdentifier: {
            EvaluationResultQualifier: {
              ConfigRuleName: input.ConfigRuleName,
              ResourceType: e.ComplianceResourceType,
              ResourceId: e.ComplianceResourceId,
            },
            OrderingTimestamp: e.OrderingTimestamp,
          },
          ComplianceType: e.ComplianceType,
          ...(e.Annotation === undefined ? {} : { Annotation: e.Annotation }),
        })),
        ...(result.nextToken ? { NextToken: result.nextToken } : {}),
      };
    },
  });
}
