/**
 * Property: for a random world of workspaces and guardrails and a random plan of AWS faults,
 * `bedrock-cmk-guard audit` (the built CLI, from a folder outside the repository) never reports
 * PASS for a resource whose decisive facts were not read, still reports every readable
 * non-compliant resource, and exits with the code its report's verdict names.
 * Counts: a few worlds under `npm test`, many under TEST_DEPTH=deep.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import type { Report } from "../../cli/report/report";
import { assertBuilt } from "../cli/run-cli";
import { depth } from "../support/depth";
import type { FakeAwsCall, FaultRule, InjectedFault } from "../support/fake-aws/server";
import { describeAudit, FakeWorld, keyArn, MANAGEMENT, runAudit } from "./fake-world";

const REGION = "us-east-1";
const PUBLIC_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
});

type KeyKind = "none" | "fit" | "rotation-off" | "public";
type ReadFault = "none" | "denied" | "not-found" | "malformed" | "html-502";
type KeyFault = "none" | "describe-denied" | "policy-denied" | "tags-malformed" | "another-key";

interface WorkspacePlan {
  readonly key: KeyKind;
  readonly getFault: ReadFault;
  readonly keyFault: KeyFault;
}

/** A fit key no workspace uses: what the confused DescribeKey answers describe. */
const BYSTANDER_KEY = keyArn(MANAGEMENT, REGION, 21);
const KEY_KINDS: readonly KeyKind[] = ["none", "fit", "rotation-off", "public"];

/** What a readable workspace with this key must be blocked by (none: compliant). */
const EXPECTED: Record<KeyKind, string | undefined> = {
  none: "workspace-cmk-required",
  fit: undefined,
  "rotation-off": "cmk-key-rotation",
  public: "cmk-key-policy-public",
};

const READ_FAULTS: Record<Exclude<ReadFault, "none">, InjectedFault> = {
  denied: { kind: "error", code: "AccessDeniedException", status: 403 },
  "not-found": { kind: "error", code: "ResourceNotFoundException", status: 404 },
  malformed: { kind: "malformed" },
  "html-502": { kind: "html-502" },
};

const plan = fc.array(
  fc.record({
    key: fc.constantFrom(...KEY_KINDS),
    getFault: fc.constantFrom<ReadFault>("none", "none", "denied", "not-found", "malformed", "html-502"),
    keyFault: fc.constantFrom<KeyFault>(
      "none",
      "none",
      "describe-denied",
      "policy-denied",
      "tags-malformed",
      "another-key",
    ),
  }),
  { minLength: 1, maxLength: 5 },
);

const domainId = (i: number) => `dzd_w${i}`;
const keyOfCall = (call: FakeAwsCall) => (call.input as { KeyId?: string }).KeyId;

/** Each workspace gets its own key (the same kind may repeat): a key fault stays on its workspace. */
function keyFor(i: number, kind: Exclude<KeyKind, "none">): string {
  return keyArn(MANAGEMENT, REGION, 100 + i * 10 + KEY_KINDS.indexOf(kind));
}

function faultsOf(workspaces: readonly WorkspacePlan[]): FaultRule[] {
  const rules: FaultRule[] = [];
  workspaces.forEach((w, i) => {
    if (w.getFault !== "none") {
      rules.push({
        service: "datazone",
        operation: "GetDomain",
        when: (call) =>
          (call.input as { params?: { identifier?: string } }).params?.identifier === domainId(i),
        fault: READ_FAULTS[w.getFault],
      });
    }
    if (w.key === "none" || w.keyFault === "none") return;
    const arn = keyFor(i, w.key);
    const about = (call: FakeAwsCall) => keyOfCall(call) === arn;
    const other = BYSTANDER_KEY;
    const fault: Record<Exclude<KeyFault, "none">, FaultRule> = {
      "describe-denied": { service: "kms", operation: "DescribeKey", when: about, fault: READ_FAULTS.denied },
      "policy-denied": { service: "kms", operation: "GetKeyPolicy", when: about, fault: READ_FAULTS.denied },
      "tags-malformed": {
        service: "kms",
        operation: "ListResourceTags",
        when: about,
        fault: { kind: "malformed" },
      },
      "another-key": {
        service: "kms",
        operation: "DescribeKey",
        when: about,
        fault: {
          kind: "rewrite",
          edit: (answer: { KeyMetadata: Record<string, unknown> }) => ({
            KeyMetadata: { ...answer.KeyMetadata, Arn: other, KeyId: other.split("/")[1] },
          }),
        },
      },
    };
    rules.push(fault[w.keyFault]);
  });
  return rules;
}

/** Mandatory findings that mean "not read", which the audit reports as NOT VERIFIED (exit 4). */
const NOT_VERIFIED_POLICIES = new Set(["cmk-unverifiable", "cmk-key-verifiable"]);

describe("audit under random AWS faults (property, built CLI)", function () {
  const runs = depth(25, 3);
  this.timeout(runs * 60_000);
  before(() => assertBuilt());

  it("never passes a resource whose facts were not read; still reports every readable violation; the exit code agrees", async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (workspaces) => {
        const world = await FakeWorld.start();
        try {
          world.accounts.addUser("AKIDMANAGEMENT", MANAGEMENT);
          const tagged = { EnableBedrock: "true" };
          world.kms.addKey({ arn: BYSTANDER_KEY, rotationEnabled: true, tags: tagged });
          workspaces.forEach((w, i) => {
            if (w.key !== "none") {
              world.kms.addKey({
                arn: keyFor(i, w.key),
                rotationEnabled: w.key !== "rotation-off",
                tags: tagged,
                ...(w.key === "public" ? { policy: PUBLIC_POLICY } : {}),
              });
            }
            world.dataZone.addDomain(MANAGEMENT, REGION, {
              id: domainId(i),
              name: `w${i}`,
              domainExecutionRole: `arn:aws:iam::${MANAGEMENT}:role/studio`,
              ...(w.key === "none" ? {} : { kmsKeyIdentifier: keyFor(i, w.key) }),
            });
          });
          world.server.faults = { inject: faultsOf(workspaces) };
          const run = await runAudit(["--regions", REGION, "-f", "json", "-q"], {
            server: world.server,
            accessKeyId: "AKIDMANAGEMENT",
          });
          const report = JSON.parse(run.stdout) as Report;
          let anyBlocked = false;
          let anyUnread = false;
          workspaces.forEach((w, i) => {
            const reported = report.resources.find((r) => r.name === `w${i}` || r.name === domainId(i));
            assert.ok(reported, `w${i} is missing from the report: ${describeAudit(run)}`);
            const read = w.getFault === "none";
            const keyRead = w.key === "none" || w.keyFault === "none";
            // cmk-unverifiable and cmk-key-verifiable (a key that could not be verified) say NOT
            // VERIFIED (exit 4), not blocked.
            const blocking = reported.findings
              .filter((f) => f.level === "mandatory" && !NOT_VERIFIED_POLICIES.has(f.policy))
              .map((f) => f.policy);
            if (!read || !keyRead) {
              anyUnread = true;
              assert.ok(reported.findings.length > 0, `w${i} was not fully read but has no finding`);
            }
            const expected = EXPECTED[w.key];
            if (read && keyRead && expected !== undefined) {
              assert.ok(
                blocking.includes(expected),
                `w${i} (${w.key}) not blocked by ${expected}: ${blocking.join(", ")}`,
              );
              anyBlocked = true;
            }
            if (read && w.key === "none") anyBlocked = true;
            if (blocking.length > 0) anyBlocked = true;
          });
          const expectedCode = anyBlocked ? 1 : anyUnread ? 4 : 0;
          assert.equal(run.code, expectedCode, describeAudit(run));
          assert.equal(
            report.summary.verdict,
            { 0: "passed", 1: "blocked", 4: "not-verified" }[expectedCode],
          );
        } finally {
          await world.close();
        }
      }),
      { numRuns: runs },
    );
  });
});
