/**
 * A fake AWS Systems Manager (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.*`) serving AWS's public
 * global-infrastructure parameters through GetParametersByPath (10 per page, as SSM does).
 * Register with `server.register("ssm", ssm.handler)`.
 */
import { page } from "./pages";
import { awsJsonHandler } from "./server";

export class FakeSsm {
  pageSize = 10;
  /** Parameter name -> value. */
  readonly parameters = new Map<string, string>();

  /** The regions where a service is offered, as `/aws/service/global-infrastructure/services/<service>/regions/<region>`. */
  addServiceRegions(service: string, regions: readonly string[]): this {
    for (const region of regions)
      this.parameters.set(`/aws/service/global-infrastructure/services/${service}/regions/${region}`, region);
    return this;
  }

  readonly handler = awsJsonHandler("1.1", "AmazonSSM", {
    GetParametersByPath: (input: { Path?: string; NextToken?: string; MaxResults?: number }) => {
      const prefix = `${(input.Path ?? "").replace(/\/$/, "")}/`;
      const matching = [...this.parameters]
        .filter(([name]) => name.startsWith(prefix) && !name.slice(prefix.length).includes("/"))
        .map(([Name, Value]) => ({ Name, Value, Type: "String", Version: 1, DataType: "text" }));
      const result = page(matching, input.NextToken, input.MaxResults, this.pageSize);
      return { Parameters: result.items, ...(result.nextToken ? { NextToken: result.nextToken } : {}) };
    },
  });
}
