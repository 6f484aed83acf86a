/**
 * The text report's two lengths: findings only by default (what needs attention, then how many
 * passed), every resource and each skipped check with --verbose.
 */
import { strict as assert } from "assert";
import { formatText } from "../../cli/report/text";
import { summarise, type Finding, type Report, type ResourceReport } from "../../cli/report/report";

const blocked: Finding = {
  policy: "workspace-cmk-required",
  level: "mandatory",
  message: "`kmsKeyIdentifier` is not set.\nFix: set it.",
  fix: "set it.",
  stage: "resource",
};

function resource(name: string, findings: Finding[] = []): ResourceReport {
  return {
    urn: `urn:pulumi:dev::p::aws:datazone/domain:Domain::${name}`,
    type: "aws:datazone/domain:Domain",
    name,
    findings,
    skipped: [{ policy: "workspace-cmk-key-arn", reason: "not determinable yet" }],
  };
}

function report(resources: ResourceReport[]): Report {
  return {
    reportVersion: 1,
    command: "check",
    sourceKind: "stack-export",
    source: "stack.json",
    project: "p",
    stack: "dev",
    pack: { name: "bedrock-cmk-guard", version: "0.1.0", policies: [] },
    resources,
    stackFindings: [],
    warnings: [],
    summary: summarise(resources, []),
  };
}

describe("text report: findings only by default, everything with --verbose", () => {
  const mixed = report([resource("good"), resource("bad", [blocked]), resource("fine")]);

  it("lists only the resources with findings, and counts the others", () => {
    const text = formatText(mixed, { verbose: false });
    assert.match(text, /^Resources with findings \(1 of 3\):\n {2}✗ aws:datazone\/domain:Domain {2}bad\n/m);
    assert.match(text, /^ {2}2 other resources passed \(--verbose lists every resource\)\.$/m);
    assert.doesNotMatch(text, /✓|good|fine|- skipped/);
    assert.match(text, /Result: BLOCKED/);
  });

  it("lists every resource and each skipped check with --verbose", () => {
    const text = formatText(mixed, { verbose: true });
    assert.match(text, /^Resources \(3\):$/m);
    assert.match(text, /✓ aws:datazone\/domain:Domain {2}good/);
    assert.match(text, /- skipped workspace-cmk-key-arn: not determinable yet/);
    assert.doesNotMatch(text, /passed \(--verbose/);
  });

  it("says that every resource passed when none has a finding", () => {
    const text = formatText(report([resource("good")]), { verbose: false });
    assert.match(
      text,
      /^Resources with findings \(0 of 1\):\n {2}1 resource passed \(--verbose lists every resource\)\.$/m,
    );
  });
});
