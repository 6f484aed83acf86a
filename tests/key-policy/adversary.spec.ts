/**
 * Issue 19: key policies judged as an adversary reads them. Each case cites the documentation that
 * decides it and is judged at `up` (the key's ARN known) and at preview (the key not created yet),
 * in-process: through the evaluator (policy-pack/key-policy/analysis.ts) and, for the verdict a
 * user sees, through the cmk-key-policy-public rule.
 */
import { strict as assert } from "assert";
import {
  analyseKeyPolicy,
  type KeyContext,
  type KeyPolicyVerdict,
} from "../../policy-pack/key-policy/analysis";
import { MAX_SIMULATIONS } from "../../policy-pack/key-policy/probes";
import { kmsKeyType } from "../../policy-pack/catalog/kms-types";
import { WORKSPACE_FAMILY } from "../../policy-pack/catalog/bedrock-resources";
import { keyPolicyPublic } from "../../policy-pack/rules/key-policy-public";
import { CONSUMED_KEY_SCOPE, DEFAULT_LIMITS } from "../../policy-pack/rules/key-fitness-input";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";

const OWN = "123456789012";
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:us-east-1:${OWN}:key/${KEY_ID}`;
const NOW = Date.UTC(2026, 5, 1);
const AT_UP: KeyContext = { keyArn: KEY_ARN, now: NOW };
const AT_PREVIEW: KeyContext = { now: NOW };
const PHASES: [string, KeyContext][] = [
  ["up", AT_UP],
  ["preview", AT_PREVIEW],
];

const ADMIN = {
  Sid: "Admin",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${OWN}:root` },
  Action: "kms:*",
  Resource: "*",
};
const policy = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const grant = (principal: unknown, condition?: unknown, extra: Record<string, unknown> = {}) => ({
  Effect: "Allow",
  Principal: principal,
  Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
  Resource: "*",
  ...(condition === undefined ? {} : { Condition: condition }),
  ...extra,
});
const denyOutside = (resource: unknown, condition: unknown) => ({
  Effect: "Deny",
  Principal: "*",
  Action: "kms:*",
  Resource: resource,
  Condition: condition,
});
const BEDROCK = { Service: "bedrock.amazonaws.com" };
const S3 = { Service: "s3.amazonaws.com" };

/** [label, documented reason, policy] for policies an outsider can use, at up and at preview. */
const PUBLIC: [string, string, string][] = [
  [
    "* narrowed by an account-id pattern with a wildcard",
    "IAM condition operators: StringLike matches any account that fits; Access Analyzer reports it",
    policy(ADMIN, grant("*", { StringLike: { "aws:PrincipalAccount": "1234567890*" } })),
  ],
  [
    "* narrowed by kms:CallerAccount with a ? wildcard",
    "KMS condition keys: kms:CallerAccount is the caller's account, which any account fitting the pattern has",
    policy(ADMIN, grant("*", { StringLike: { "kms:CallerAccount": "12345678901?" } })),
  ],
  [
    "* narrowed by an organization-id pattern",
    "IAM global condition keys: aws:PrincipalOrgID is the caller's organization: o-* fits every one",
    policy(ADMIN, grant("*", { StringLike: { "aws:PrincipalOrgID": "o-*" } })),
  ],
  [
    "* narrowed by an organization path of any organization",
    "aws:PrincipalOrgPaths starts with the caller's own organization id",
    policy(ADMIN, grant("*", { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-*/r-ab12/*" } })),
  ],
  [
    "* narrowed by a principal ARN with * in the account field",
    "IAM global condition keys: aws:PrincipalArn is the caller's ARN, whose account the caller's is",
    policy(ADMIN, grant("*", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Deploy" } })),
  ],
  [
    "* narrowed by the principal type",
    "aws:PrincipalType is User, AssumedRole, FederatedUser or Account: any account has each",
    policy(ADMIN, grant("*", { StringEquals: { "aws:PrincipalType": "User" } })),
  ],
  [
    "* narrowed by a user name",
    "aws:username is the IAM user's name, which its own account chooses",
    policy(ADMIN, grant("*", { StringEquals: { "aws:username": "alice" } })),
  ],
  [
    "* narrowed by a role session name in aws:userid",
    "aws:userid of a role session is role-id:session-name; the caller names its session",
    policy(ADMIN, grant("*", { StringLike: { "aws:userid": "*:alice@example.com" } })),
  ],
  [
    "* narrowed by a policy variable that always holds",
    "Policy variables: ${aws:PrincipalAccount} is the caller's own account",
    policy(ADMIN, grant("*", { StringEquals: { "kms:CallerAccount": "${aws:PrincipalAccount}" } })),
  ],
  [
    "* behind a Deny the outsider steps around with an account pattern",
    "The Deny applies outside 1234567890*, but an outside account can fit that pattern",
    policy(ADMIN, grant("*"), denyOutside("*", { StringNotLike: { "aws:PrincipalAccount": "1234567890*" } })),
  ],
  [
    "* behind a Deny on the principal type",
    "A Deny unless the caller is an AssumedRole: the outsider assumes a role",
    policy(ADMIN, grant("*"), denyOutside("*", { StringNotEquals: { "aws:PrincipalType": "AssumedRole" } })),
  ],
  [
    "* behind a Deny scoped to alias ARNs (never the key)",
    "Policy evaluation logic: a statement applies only to the resources it names; a key is not an alias",
    policy(
      ADMIN,
      grant("*"),
      denyOutside("arn:aws:kms:*:*:alias/*", { StringNotEquals: { "kms:CallerAccount": OWN } }),
    ),
  ],
  [
    "* behind a Deny whose NotResource excludes every resource",
    'NotResource "*" applies to nothing',
    policy(ADMIN, grant("*"), {
      ...denyOutside("*", { StringNotEquals: { "kms:CallerAccount": OWN } }),
      Resource: undefined,
      NotResource: "*",
    }),
  ],
  [
    "a service narrowed by an S3 source ARN without aws:SourceAccount",
    "Confused deputy: an S3 bucket ARN names no account; use aws:SourceAccount with it",
    policy(ADMIN, grant(S3, { ArnLike: { "aws:SourceArn": "arn:aws:s3:::logs-*" } })),
  ],
  [
    "a service narrowed by one literal S3 bucket ARN without aws:SourceAccount",
    "Confused deputy: whoever owns the bucket now is the source; the ARN does not pin the account",
    policy(ADMIN, grant(S3, { ArnEquals: { "aws:SourceArn": "arn:aws:s3:::my-logs" } })),
  ],
  [
    "a service narrowed by a source ARN with * in the account field",
    "Confused deputy: the source ARN must pin the account",
    policy(ADMIN, grant(BEDROCK, { ArnLike: { "aws:SourceArn": "arn:aws:bedrock:us-east-1:*:agent/*" } })),
  ],
  [
    "a service narrowed by a wildcard source account",
    "Confused deputy: aws:SourceAccount must be the key's account",
    policy(ADMIN, grant(BEDROCK, { StringLike: { "aws:SourceAccount": "*" } })),
  ],
  [
    "* narrowed to one service by aws:PrincipalServiceName, with no source account",
    "IAM global condition keys: aws:PrincipalServiceName is the calling service's name; confused deputy: that service acts for any account",
    policy(ADMIN, grant("*", { StringEquals: { "aws:PrincipalServiceName": "datazone.amazonaws.com" } })),
  ],
  [
    "* narrowed by a service-name list with a wildcard",
    "aws:PrincipalServiceNamesList holds every service of the call; a pattern fits some service, which acts for any account",
    policy(
      ADMIN,
      grant("*", { "ForAnyValue:StringLike": { "aws:PrincipalServiceNamesList": "bedrock*.amazonaws.com" } }),
    ),
  ],
  [
    "* for a time window that is still open",
    "aws:CurrentTime is the time of the request: the grant holds until its end",
    policy(ADMIN, grant("*", { DateLessThan: { "aws:CurrentTime": "2027-01-01T00:00:00Z" } })),
  ],
];

/** [label, documented reason, policy, verdict at preview] for policies no outsider can use now. */
const NOT_PUBLIC: [string, string, string, KeyPolicyVerdict["kind"]][] = [
  [
    "* with a Deny that excludes every other account on the key's own ARN",
    "Policy evaluation logic: an explicit Deny on this key wins; at preview the key's ARN is not known yet",
    policy(ADMIN, grant("*"), denyOutside(KEY_ARN, { StringNotEquals: { "kms:CallerAccount": OWN } })),
    "undetermined",
  ],
  [
    "* with a Deny that excludes every other account on every key",
    "The Deny names every key ARN of the account; at preview the key's account is not known yet",
    policy(
      ADMIN,
      grant("*"),
      denyOutside(`arn:aws:kms:*:${OWN}:key/*`, { StringNotEquals: { "kms:CallerAccount": OWN } }),
    ),
    "undetermined",
  ],
  [
    "* for a time window that has passed",
    "aws:CurrentTime is after the window's end: the grant matches no request any more",
    policy(ADMIN, grant("*", { DateLessThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } })),
    "restricted",
  ],
  [
    "* until an epoch time that has passed",
    "aws:EpochTime is the time of the request, in seconds",
    policy(ADMIN, grant("*", { NumericLessThan: { "aws:EpochTime": String(NOW / 1000 - 60) } })),
    "restricted",
  ],
  [
    "* narrowed by a literal account under StringLike",
    "StringLike without a wildcard matches one value: the key's account",
    policy(ADMIN, grant("*", { StringLike: { "kms:CallerAccount": OWN } })),
    "restricted",
  ],
  [
    "* narrowed by principal ARNs of the key's account",
    "aws:PrincipalArn carries the caller's own account",
    policy(ADMIN, grant("*", { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${OWN}:role/*` } })),
    "restricted",
  ],
  [
    "* narrowed by the organization (a literal id)",
    "aws:PrincipalOrgID: only the organization's accounts have that id",
    policy(ADMIN, grant("*", { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } })),
    "restricted",
  ],
  [
    "* narrowed by a role's unique id in aws:userid",
    "aws:userid starts with the unique id AWS gave the role: nobody else has it",
    policy(ADMIN, grant("*", { StringLike: { "aws:userid": "AROAEXAMPLEROLEID0001:*" } })),
    "restricted",
  ],
  [
    "a service narrowed by a source ARN of the key's account",
    "Confused deputy: the source ARN pins the account",
    policy(
      ADMIN,
      grant(BEDROCK, { ArnLike: { "aws:SourceArn": `arn:aws:bedrock:us-east-1:${OWN}:agent/*` } }),
    ),
    "restricted",
  ],
  [
    "a service narrowed by an S3 source ARN and aws:SourceAccount",
    "Confused deputy: the guidance's own fix for ARNs without an account",
    policy(
      ADMIN,
      grant(S3, {
        ArnLike: { "aws:SourceArn": "arn:aws:s3:::logs-*" },
        StringEquals: { "aws:SourceAccount": OWN },
      }),
    ),
    "restricted",
  ],
  [
    "* to IAM principals only, the principal's account under IfExists",
    "AWS KMS takes only requests signed with AWS credentials (SigV4): no anonymous request reaches the " +
      "key, so every IAM principal's request carries aws:PrincipalAccount, and services are excluded",
    policy(
      ADMIN,
      grant("*", {
        Bool: { "aws:PrincipalIsAWSService": "false" },
        StringEqualsIfExists: { "aws:PrincipalAccount": OWN },
      }),
    ),
    "restricted",
  ],
];

function verdictOf(text: string, key: KeyContext): KeyPolicyVerdict {
  return analyseKeyPolicy(text, key);
}

describe("key policies judged as an adversary reads them (issue 19)", function () {
  this.timeout(60_000);

  for (const [phase, key] of PHASES) {
    for (const [label, reason, text] of PUBLIC) {
      it(`finds public at ${phase}: ${label} (${reason})`, () => {
        const verdict = verdictOf(text, key);
        assert.equal(verdict.kind, "public", JSON.stringify(verdict));
      });
    }
    for (const [label, reason, text, atPreview] of NOT_PUBLIC) {
      const expected = phase === "up" ? "restricted" : atPreview;
      it(`finds ${expected} at ${phase}: ${label} (${reason})`, () => {
        const verdict = verdictOf(text, key);
        assert.equal(verdict.kind, expected, JSON.stringify(verdict));
        if (verdict.kind === "undetermined") {
          assert.equal(verdict.cause, "key-identity");
          assert.match(verdict.reason, /key's ARN/);
        }
      });
    }
  }

  it("judges a grant that ends in the future public until its end, then not", () => {
    const text = policy(ADMIN, grant("*", { DateLessThan: { "aws:CurrentTime": "2026-07-01T00:00:00Z" } }));
    assert.equal(verdictOf(text, { keyArn: KEY_ARN, now: Date.UTC(2026, 5, 30) }).kind, "public");
    assert.equal(verdictOf(text, { keyArn: KEY_ARN, now: Date.UTC(2026, 6, 2) }).kind, "restricted");
  });

  const refused: [string, unknown][] = [
    ['"Principal": "foo"', "foo"],
    ["an AWS principal with * in the account field", { AWS: "arn:aws:iam::*:root" }],
    ["an AWS principal that is neither an ARN nor an account", { AWS: "alice" }],
    ["a principal type IAM does not know", { Bogus: "x" }],
    ["an empty principal object", {}],
    ["a service name with a space", { Service: "bed rock" }],
  ];
  for (const [phase, key] of PHASES) {
    for (const [label, principal] of refused) {
      it(`refuses ${label} at ${phase} (PutKeyPolicy rejects it), without quoting it`, () => {
        const verdict = verdictOf(policy(ADMIN, grant(principal)), key);
        assert.equal(verdict.kind, "invalid", JSON.stringify(verdict));
        if (verdict.kind === "invalid") {
          assert.match(
            verdict.problems.join(";"),
            /Statement\[1\]: (a Principal that KMS does not accept|not valid in an IAM policy document)/,
          );
          assert.ok(!JSON.stringify(verdict).includes("foo") && !JSON.stringify(verdict).includes("alice"));
        }
      });
    }
  }

  for (const [phase, key] of PHASES) {
    it(`says a Federated or CanonicalUser grant is undetermined at ${phase}, not restricted`, () => {
      for (const principal of [
        { Federated: "cognito-identity.amazonaws.com" },
        { CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" },
      ]) {
        const verdict = verdictOf(policy(ADMIN, grant(principal)), key);
        assert.equal(verdict.kind, "undetermined", JSON.stringify(verdict));
        if (verdict.kind === "undetermined") assert.equal(verdict.cause, "principal-meaning");
      }
    });
  }

  it("fails closed, with a budget reason, on conditions with more combinations than the budget", () => {
    // 12 condition keys the caller chooses, 5 values each: 5^12 combinations, far past a budget of
    // 200 requests, and none of them lets the caller in (the Deny applies to any outside account).
    const free = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`aws:PrincipalTag/t${i}`, ["a", "b", "c"]]),
    );
    const text = policy(
      ADMIN,
      grant("*", { StringEquals: free }),
      denyOutside("*", { StringNotEquals: { "kms:CallerAccount": OWN } }),
    );
    const verdict = verdictOf(text, { ...AT_UP, budget: 200 });
    assert.equal(verdict.kind, "undetermined", JSON.stringify(verdict));
    if (verdict.kind === "undetermined") {
      assert.equal(verdict.cause, "budget");
      assert.match(verdict.reason, /more than 200 simulated requests/);
    }
  });

  it("judges a policy naming a hundred services alike with one search (restricted)", () => {
    const services = Array.from({ length: 100 }, (_, i) => `service${i}.amazonaws.com`);
    const statements = services.map((service, i) => ({
      ...grant({ Service: service }, { StringEquals: { "aws:SourceAccount": OWN } }),
      Sid: `Service${i}`,
    }));
    assert.equal(verdictOf(policy(ADMIN, ...statements), AT_UP).kind, "restricted");
    const open = [...statements, { ...grant({ Service: "service7.amazonaws.com" }), Sid: "Open" }];
    const verdict = verdictOf(policy(ADMIN, ...open), AT_UP);
    assert.equal(verdict.kind, "public", JSON.stringify(verdict));
    if (verdict.kind === "public") assert.deepEqual(verdict.grant.statements, ["Statement[101]"]);
  });

  it("names every statement that opens the key, not only the first (one run shows the whole fix)", () => {
    // AWS's documented SageMaker Unified Studio domain key policy (tests/corpus/aws-doc-smus-domain-key-policy)
    // is open twice: DataZone's service principal without aws:SourceAccount, and `*` bounded by values the caller sets.
    const text = policy(
      ADMIN,
      grant(BEDROCK, { StringEquals: { "aws:SourceAccount": OWN } }),
      grant({ Service: "datazone.amazonaws.com" }),
      grant("*", { StringEquals: { "aws:PrincipalTag/AmazonDataZoneDomain": "dzd_0123456789" } }),
    );
    const verdict = verdictOf(text, AT_UP);
    assert.equal(verdict.kind, "public", JSON.stringify(verdict));
    if (verdict.kind !== "public") return;
    const named = [verdict.grant, ...verdict.otherGrants].map((g) => g.statements.join(","));
    assert.deepEqual(new Set(named), new Set(["Statement[2]", "Statement[3]"]));
    assert.match(
      [verdict.grant, ...verdict.otherGrants].map((g) => g.caller).join(" / "),
      /AWS service \(datazone\.amazonaws\.com\).*IAM principal|IAM principal.*AWS service \(datazone\.amazonaws\.com\)/,
    );
  });

  describe("through the cmk-key-policy-public rule", () => {
    const rule = keyPolicyPublic(CONSUMED_KEY_SCOPE);
    const keyType = kmsKeyType("aws:kms/key:Key")!;
    const evaluate = (text: string, arn: unknown) =>
      rule.evaluate({
        facts: keyType.normalise({ policy: text, arn }),
        keyType,
        limits: DEFAULT_LIMITS,
        now: NOW,
        consumer: { family: WORKSPACE_FAMILY, props: {} },
      });

    it("reads the key's ARN at up and defers a verdict that depends on it at preview", () => {
      const text = NOT_PUBLIC[0]![2];
      assert.equal(evaluate(text, KEY_ARN).kind, "compliant");
      const atPreview = evaluate(text, UNKNOWN_SENTINEL);
      assert.equal(atPreview.kind, "undetermined");
      if (atPreview.kind === "undetermined") assert.match(atPreview.reason, /key's ARN/);
    });

    it(`blocks a policy past the default budget of ${MAX_SIMULATIONS} requests (waiting will not help)`, function () {
      // The whole default budget is spent: about 1 s on a quiet machine, 16 s at a load average of 29.
      this.timeout(300_000);
      const free = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`aws:PrincipalTag/t${i}`, ["a", "b"]]),
      );
      const outcome = evaluate(
        policy(
          ADMIN,
          grant("*", { StringEquals: free }),
          denyOutside("*", { StringNotEquals: { "kms:CallerAccount": OWN } }),
        ),
        KEY_ARN,
      );
      assert.equal(outcome.kind, "non-compliant");
      if (outcome.kind === "non-compliant") assert.match(outcome.problem, /could not be verified/);
    });

    it("blocks a public grant at preview and at up, naming the statement", () => {
      for (const arn of [KEY_ARN, UNKNOWN_SENTINEL]) {
        const outcome = evaluate(PUBLIC[0]![2], arn);
        assert.equal(outcome.kind, "non-compliant");
        if (outcome.kind === "non-compliant") assert.match(outcome.problem, /Statement\[1\]/);
      }
    });
  });
});
