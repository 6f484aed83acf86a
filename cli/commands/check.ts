/**
 * `check FILE`: runs the pack over a stack that already exists, as `pulumi policy analyze` does: a
 * `pulumi stack export` (or a file backend's checkpoint) or a `pulumi preview --json` file.
 */
import { readPackConfig } from "../sources/pack-config-file";
import { policyPackFolder } from "../sources/pack-folder";
import { emit, packConfigFile, progressFor, type OutputOptions } from "./output";

export interface CheckOptions extends OutputOptions {
  readonly policyPack?: string;
}

export async function check(file: string, options: CheckOptions): Promise<number> {
  const progress = progressFor(options);
  const { readStateFile } = await import("../sources/stack-file");
  const input = readStateFile(file);
  const configFile = packConfigFile(options);
  const packDir = policyPackFolder(options.policyPack);
  const packConfig = configFile === undefined ? undefined : readPackConfig(configFile, packDir);
  progress(
    `Read ${input.resources.length} resources of ${input.project}/${input.stack} from ${input.source} (${input.sourceKind}).`,
  );
  const { runPack, startPack } = await import("./run-pack");
  const report = await runPack(input, {
    command: "check",
    packConfig,
    configFile,
    progress,
    pack: startPack(input, packDir),
  });
  return emit(report, input, options);
}
