/**
 * `audit`: reads the Bedrock resources that already exist in AWS accounts and regions and judges
 * them with the pack's rules; exit 4 when an account or region could not be fully read.
 */
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
  readonly timeout?: number;
}

export async function audit(options: AuditOptions): Promise<number> {
  const configFile = packConfigFile(options);
  const packConfig = configFile === undefined ? undefined : readPackConfig(configFile);
  const { runAudit } = await import("../audit/run");
  const report = await runAudit({
    ...options,
    timeoutSeconds: options.timeout,
    packConfig,
    configFile,
    packVersion: toolVersion(),
    progress: progressFor(options),
  });
  // No file holds these resources: SARIF locates each result by its ARN (logical location) only.
  return emit(report, { source: undefined, lineOf: () => 1 }, options);
}
