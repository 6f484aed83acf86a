/**
 * `npm run docs:outputs`: runs the command of every `<!-- output: COMMAND -->` marker in README.md
 * and docs/*.md and writes its (normalised) stdout into the fenced block below the marker.
 * tests/docs/docs-commands.spec.ts runs the same commands and fails when a block differs.
 */
import * as fs from "fs";
import * as path from "path";
import { docFiles, outputCommand, readBlocks, ROOT, type DocBlock } from "./doc-blocks";
import { runBounded, runDocCommand, type CommandRun } from "./doc-environments";

/** CLI runs in flight at once: each starts a policy pack process, and the machine has 2 cores. */
export const CONCURRENCY = 2;

export function outputBlocks(): DocBlock[] {
  return docFiles().flatMap((file) => readBlocks(file).filter((block) => block.markers.output !== undefined));
}

/** The block text a run produces: its stdout, without the trailing newline. */
export function blockText(run: CommandRun): string {
  return run.stdout.replace(/\n+$/, "");
}

/** Why a run cannot stand as a sample output, if it cannot. */
export function unexpectedExit(block: DocBlock, run: CommandRun): string | undefined {
  const command = outputCommand(block)!;
  if (run.code === command.expectedExit) return undefined;
  return (
    `${command.where}: \`${command.text}\` exited ${run.code}, the marker says ${command.expectedExit} ` +
    `(add \`# exits N\` to the marker)\n${run.stderr}`
  );
}

async function main(): Promise<void> {
  const blocks = outputBlocks();
  const runs = await runBounded(blocks, CONCURRENCY, (block) => runDocCommand(outputCommand(block)!));
  const problems: string[] = [];
  const byFile = new Map<string, { block: DocBlock; run: CommandRun }[]>();
  blocks.forEach((block, index) => {
    const problem = unexpectedExit(block, runs[index]);
    if (problem !== undefined) problems.push(problem);
    byFile.set(block.file, [...(byFile.get(block.file) ?? []), { block, run: runs[index] }]);
  });
  for (const [file, entries] of byFile) {
    const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
    // Bottom-up, so that the line numbers of the blocks above stay valid.
    for (const { block, run } of [...entries].reverse()) {
      lines.splice(block.bodyStart, block.bodyEnd - block.bodyStart + 1, ...blockText(run).split("\n"));
    }
    fs.writeFileSync(path.join(ROOT, file), lines.join("\n"));
    process.stdout.write(`${file}: ${entries.length} output block(s) written\n`);
  }
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  });
}
