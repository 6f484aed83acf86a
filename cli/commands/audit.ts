/**
 * `audit`: reads the Bedrock resources that already exist in AWS accounts and regions and judges
 * them with the pack's rules; exit 4 when an account or region could not be fully read.
 */
import { EXIT_CLEAN, EXIT_NOT_VERIFIED } from "../errors";
import { readPackConfig } from "../sources/pack-config-file";
import { emit, packConfigFile, progressFor, type OutputOptions } from "./output";
import { toolVersion } from "./tool-package";

export interface AuditOptions extends OutputOptions {
  readonly regions?: string;
  readonly profile?: string;
  readonly accounts?: string;
  readonly roleName: string;
  readonly concurrency: number;
  readonly emitStackConfig?: string;
  readonly emitImport?: string;
}

export async function audit(options: AuditOptions): Promise<number> {
  const configFile = packConfigFile(options);
  const packConfig = configFile === undefined ? undefined : readPackConfig(configFile);
  const { runAudit, isIncomplete } = await import("../audit/run");
  const report = await runAudit({
    ...options,
    packConfig,
    configFile,
    packVersion: toolVersion(),
    progress: progressFor(options),
  });
  // SARIF locations: no file holds these resources; each result names its ARN (logical location).
  const code = emit(report, { source: "aws-accounts", lineOf: () => 1 }, options);
  // Exit 4, like an unread key: a region or account not fully read was not verified.
  return code === EXIT_CLEAN && isIncomplete(report) ? EXIT_NOT_VERIFIED : code;
}
