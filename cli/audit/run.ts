/**
 * `bedrock-cmk-guard audit`: reads the accounts and regions asked for (all at once, every AWS
 * request through one bounded handler), asks AWS KMS about each key a resource names (through the
 * AWS facts module, with the account's credentials), judges every resource with the pack's rules,
 * and prints the report `check` prints, with what could not be read.
 * Exit codes: 0 all read, no mandatory violation; 1 a mandatory violation; 2 cannot start;
 * 4 something could not be read and no mandatory violation. What was not read is always listed:
 * each resource whose facts (its get, or its key's DescribeKey, rotation, policy or tags) were
 * not read carries an `aws-facts-unreadable` finding with the reason; listings, regions and
 * accounts not read are in the coverage and the warnings.
 */
import { setMaxListeners } from "events";
import {
  createKmsFactsSource,
  type KeyVerification,
  type KmsFactsSource,
} from "../../policy-pack/aws/kms-facts";
import type { PackConfigFile } from "../sources/pack-config-file";
import {
  AWS_UNREADABLE_CHECK,
  blocks,
  isUnverified,
  makesUnverified,
  REPORT_VERSION,
  summarise,
  type CoverageEntry,
  type Finding,
  type Report,
  type ResourceReport,
} from "../report/report";
import type { Progress } from "../commands/run-pack";
import { startSession, type AwsSession } from "./aws-session";
import { readScope, type AuditedResource, type ScopeResult, type UnreadResource } from "./inventory";
import { checkWritable } from "../report/output-file";
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
  /** The report's file (`-o`), checked with the others before the first AWS call. */
  readonly output?: string;
  /** Ends the reading after this long: whatever was not read by then is NOT VERIFIED. */
  readonly timeoutSeconds?: number;
  readonly packVersion: string;
  readonly progress: Progress;
}

/** Each KMS verification (all its calls and retries) ends after this long. */
const KEY_TIMEOUT_SECONDS = 60;
/** Progress lines at most this often (long audits), and once at the end. */
const PROGRESS_EVERY_MS = 2_000;

export async function runAudit(options: AuditRunOptions): Promise<Report> {
  // Usage errors first: they need no AWS call.
  const asked = {
    regions: parseRegionsOption(options.regions),
    accounts: parseAccountsOption(options.accounts),
  };
  const judge = createAuditVerdicts(options.packVersion, options.packConfig, options.configFile);
  if (options.output !== undefined) checkWritable(options.output, "--output");
  if (options.emitStackConfig !== undefined) checkWritable(options.emitStackConfig, "--emit-stack-config");
  if (options.emitImport !== undefined) checkWritable(options.emitImport, "--emit-import");
  const deadline = new AbortController();
  // One deadline for every call of the run: thousands of calls listen to it at once, by design.
  setMaxListeners(0, deadline.signal);
  const timer =
    options.timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => deadline.abort(), options.timeoutSeconds * 1000);
  try {
    return await audit(options, asked, judge, deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function audit(
  options: AuditRunOptions,
  asked: {
    regions: ReturnType<typeof parseRegionsOption>;
    accounts: ReturnType<typeof parseAccountsOption>;
  },
  judge: AuditVerdicts,
  signal: AbortSignal,
): Promise<Report> {
  const session = await startSession({ profile: options.profile, concurrency: options.concurrency });
  const { regions, notes } = await resolveRegions(session, asked.regions);
  const accounts = await resolveAccounts(session, asked.accounts, options.roleName);
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
    const judgedReport = judge.judge(resource, key);
    // A key whose facts were not all read: the resource is NOT VERIFIED, whatever else was found.
    const report = judgedReport;
    resources.push(report);
    if (resource.workspace !== undefined) {
      const verdict = auditVerdict(report);
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
        signal,
      });
      await Promise.all(
        regions.map(async (region) => {
          const scope = await readScope(
            session,
            { account: access.account, region, credentials: access.credentials },
            () => status.resourceRead(),
            signal,
          );
          await judgeScope(scope, keys, judge, judged);
          for (const unread of scope.unread) resources.push(unreadReport(unread));
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
    summary: summarise(resources, [], isIncompleteCoverage(coverage) || signal.aborted),
  };
}

/** The finding that says a resource's facts were not read (counted as not verified: exit 4). */
function notRead(message: string): Finding {
  return {
    policy: AWS_UNREADABLE_CHECK,
    level: "advisory",
    message,
    fix: "Grant the permission named, or retry when AWS answers; then run the audit again.",
    stage: "input",
  };
}

function unreadReport(unread: UnreadResource): ResourceReport {
  return {
    urn: unread.arn,
    type: unread.token,
    name: unread.name,
    findings: [
      notRead(`${unread.name} (${unread.id}) could not be read, so it was not judged: ${unread.reason}`),
    ],
    skipped: [],
  };
}

function isIncompleteCoverage(coverage: readonly CoverageEntry[]): boolean {
  return coverage.some((entry) => entry.status === "incomplete");
}

/**
 * A resource's verdict: a blocking finding makes it non-compliant; without one it is compliant
 * only when its key was read from AWS KMS (the audit's remediation and the AWS Config rule both
 * decide with this).
 */
export function auditVerdict(report: ResourceReport): "compliant" | "non-compliant" | "unverified" {
  if (report.findings.some((f) => blocks(f.level) && !isUnverified(f))) return "non-compliant";
  return report.findings.some(makesUnverified) ? "unverified" : "compliant";
}

/** Judges each resource of a scope as its key is read from AWS KMS (those that name one). */
export async function judgeScope(
  scope: ScopeResult,
  keys: KmsFactsSource,
  verdicts: Pick<AuditVerdicts, "keyToRead">,
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
