/**
 * `bedrock-cmk-guard audit`: reads the accounts and regions asked for (all at once, every AWS
 * request through one bounded handler), asks AWS KMS about each key a resource names (through the
 * AWS facts module, with the account's credentials), judges every resource with the pack's rules,
 * and prints the report `check` prints, with what could not be read.
 * Exit codes: 0 all read, no mandatory violation; 1 a mandatory violation; 2 cannot start;
 * 4 something could not be read and no mandatory violation.
 */
import {
  createKmsFactsSource,
  type KeyVerification,
  type KmsFactsSource,
} from "../../policy-pack/aws/kms-facts";
import type { PackConfigFile } from "../sources/pack-config-file";
import {
  blocks,
  REPORT_VERSION,
  summarise,
  type CoverageEntry,
  type Report,
  type ResourceReport,
} from "../report/report";
import type { Progress } from "../commands/run-pack";
import { startSession, type AwsSession } from "./aws-session";
import { readScope, type AuditedResource, type ScopeResult } from "./inventory";
import { createAuditVerdicts, type AuditVerdicts } from "./verdicts";
import { emitImport, emitStackConfig, type JudgedWorkspace } from "./remediation";
import { parseAccountsOption, parseRegionsOption, resolveAccounts, resolveRegions } from "./scope";

export interface AuditRunOptions {
  readonly regions?: string;
  readonly accounts?: string;
  readonly roleName: string;
  readonly profile?: string;
  readonly concurrency: number;
  readonly packConfig?: PackConfigFile;
  readonly configFile?: string;
  readonly emitStackConfig?: string;
  readonly emitImport?: string;
  readonly packVersion: string;
  readonly progress: Progress;
}

/** Each KMS verification (all its calls and retries) ends after this long. */
const KEY_TIMEOUT_SECONDS = 60;
/** Progress lines at most this often (long audits), and once at the end. */
const PROGRESS_EVERY_MS = 2_000;

export async function runAudit(options: AuditRunOptions): Promise<Report> {
  // Usage errors first: they need no AWS call.
  const regionsOption = parseRegionsOption(options.regions);
  const accountsOption = parseAccountsOption(options.accounts);
  const judge = createAuditVerdicts(options.packVersion, options.packConfig, options.configFile);
  const session = await startSession({ profile: options.profile, concurrency: options.concurrency });
  const { regions, notes } = await resolveRegions(session, regionsOption);
  const accounts = await resolveAccounts(session, accountsOption, options.roleName);
  const { progress } = options;
  progress(
    `Auditing ${accounts.length} account(s) × ${regions.length} region(s) as ${session.account}, ` +
      `${options.concurrency} AWS requests at a time...`,
  );

  const status = new ProgressLine(progress, accounts.length * regions.length, session);
  const coverage: CoverageEntry[] = [];
  const resources: ResourceReport[] = [];
  const workspaces: JudgedWorkspace[] = [];
  const judged = (resource: AuditedResource, key: KeyVerification | undefined) => {
    const report = judge.judge(resource, key);
    resources.push(report);
    if (resource.workspace !== undefined) {
      const blocked = report.findings.some((f) => blocks(f.level));
      const verdict = blocked ? "non-compliant" : key?.kind === "verified" ? "compliant" : "unverified";
      const keyId =
        key?.kind === "verified" && key.key.description.account === resource.account
          ? key.key.description.keyId
          : undefined;
      workspaces.push({ resource, verdict, ...(keyId === undefined ? {} : { keyId }) });
    }
  };

  await Promise.all(
    accounts.map(async (access) => {
      if ("failure" in access) {
        coverage.push({
          account: access.account,
          status: "incomplete",
          resources: 0,
          notes: [access.failure],
        });
        status.scopesDone(regions.length);
        return;
      }
      const keys = createKmsFactsSource({
        timeoutSeconds: KEY_TIMEOUT_SECONDS,
        // The facts module bounds its own calls too; the shared handler bounds the run.
        concurrency: options.concurrency,
        credentials: access.credentials,
        clientConfig: session.sharedOptions,
      });
      await Promise.all(
        regions.map(async (region) => {
          const scope = await readScope(
            session,
            { account: access.account, region, credentials: access.credentials },
            () => status.resourceRead(),
          );
          await judgeScope(scope, keys, judge, judged);
          coverage.push({
            account: scope.account,
            region: scope.region,
            status: scope.status,
            resources: scope.resources.length,
            notes: scope.notes,
          });
          status.scopesDone(1);
        }),
      );
    }),
  );
  status.finish();

  // Stable output whatever the order answers came in.
  resources.sort((a, b) => a.urn.localeCompare(b.urn));
  coverage.sort((a, b) => `${a.account}/${a.region ?? ""}`.localeCompare(`${b.account}/${b.region ?? ""}`));
  workspaces.sort((a, b) => a.resource.arn.localeCompare(b.resource.arn));
  if (options.emitStackConfig !== undefined) {
    const files = emitStackConfig(options.emitStackConfig, workspaces);
    for (const file of files) progress(`Wrote the stack config ${file}.`);
    if (files.length === 0) progress("No workspace needs re-creating: no stack config written.");
  }
  if (options.emitImport !== undefined) {
    const files = emitImport(options.emitImport, workspaces);
    for (const file of files) progress(`Wrote the import file ${file}.`);
    if (files.length === 0) progress("No compliant workspace to adopt: no import file written.");
  }
  const accountList = [...new Set(accounts.map((a) => a.account))];
  return {
    reportVersion: REPORT_VERSION,
    command: "audit",
    sourceKind: "aws-accounts",
    source: `accounts ${accountList.join(", ")}; regions ${regions.join(", ")}`,
    project: "aws",
    stack: accountList.length === 1 ? accountList[0] : `${accountList.length} accounts`,
    pack: judge.pack,
    resources,
    stackFindings: [],
    // What was not read goes with the warnings: every format (and stderr) carries them.
    warnings: [
      ...notes,
      ...coverage.flatMap((entry) =>
        entry.status === "read"
          ? []
          : entry.notes.map(
              (note) =>
                `${entry.account}${entry.region === undefined ? "" : ` ${entry.region}`} ${entry.status}: ${note}`,
            ),
      ),
    ],
    coverage,
    summary: summarise(resources, []),
  };
}

/** Whether the audit read everything it was asked to (skipped regions are not enabled: nothing to read). */
export function isIncomplete(report: Report): boolean {
  return (report.coverage ?? []).some((entry) => entry.status === "incomplete");
}

async function judgeScope(
  scope: ScopeResult,
  keys: KmsFactsSource,
  verdicts: AuditVerdicts,
  judged: (resource: AuditedResource, key: KeyVerification | undefined) => void,
): Promise<void> {
  await Promise.all(
    scope.resources.map(async (resource) => {
      const toRead = verdicts.keyToRead(resource);
      const key = toRead === undefined ? undefined : await keys.verify(toRead);
      judged(resource, key);
    }),
  );
}

/** Progress on stderr: accounts × regions done, resources read, AWS requests sent. */
class ProgressLine {
  private done = 0;
  private read = 0;
  private last = Date.now();

  constructor(
    private readonly progress: Progress,
    private readonly total: number,
    private readonly session: AwsSession,
  ) {}

  resourceRead(): void {
    this.read++;
    this.maybeReport();
  }

  scopesDone(count: number): void {
    this.done += count;
    this.maybeReport();
  }

  finish(): void {
    this.report();
  }

  private maybeReport(): void {
    if (Date.now() - this.last >= PROGRESS_EVERY_MS) this.report();
  }

  private report(): void {
    this.last = Date.now();
    this.progress(
      `  ${this.done}/${this.total} account-regions done, ${this.read} resources read, ${this.session.requests()} AWS requests`,
    );
  }
}
