/**
 * What the key policy evaluator costs (printed by `npm run bench`): the time to load the IAM
 * simulator in a fresh process (it is loaded lazily, on the first key policy that needs a
 * simulation), and the time to judge one key policy, uncached (each document unique) and cached.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { analyseKeyPolicy } from "../policy-pack/key-policy/analysis";
import { MAX_SIMULATIONS } from "../policy-pack/key-policy/probes";
import { formatMs, median } from "./measure";

const ACCOUNT = "123456789012";
const LOAD_RUNS = 5;
const POLICIES_PER_STYLE = 100;
const KEY = { keyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` };

/** Milliseconds to `require` the simulator and the policy parser in a fresh Node.js process. */
function coldLoadMs(): number {
  const script = `
    const start = process.hrtime.bigint();
    require("@cloud-copilot/iam-simulate");
    require("@cloud-copilot/iam-policy");
    process.stdout.write(String(Number(process.hrtime.bigint() - start) / 1e6));
  `;
  const runs: number[] = [];
  for (let run = 0; run < LOAD_RUNS; run++) {
    const output = execFileSync(process.execPath, ["-e", script], {
      cwd: path.resolve(__dirname, ".."),
      encoding: "utf8",
    });
    runs.push(Number(output));
  }
  return median(runs);
}

const admin = {
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: "kms:*",
  Resource: "*",
};

/** Key policy shapes, each made unique by `n` (a Sid) so that no cache answers. */
const STYLES: readonly { readonly label: string; readonly document: (n: number) => unknown[] }[] = [
  {
    label: "named principals only (no simulation)",
    document: (n) => [
      { ...admin, Sid: `Admin${n}` },
      {
        Sid: "Use",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/r${n}` },
        Action: "kms:Decrypt",
        Resource: "*",
      },
    ],
  },
  {
    label: "service principals for this account (sample stack)",
    document: (n) => [
      admin,
      {
        Sid: `Services${n}`,
        Effect: "Allow",
        Principal: { Service: ["datazone.amazonaws.com", "bedrock.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ],
  },
  {
    label: "everyone narrowed by kms:CallerAccount and kms:ViaService",
    document: (n) => [
      admin,
      {
        Sid: `Bedrock${n}`,
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "bedrock.us-east-1.amazonaws.com" },
        },
      },
    ],
  },
  {
    label: "public (a grant to *)",
    document: (n) => [
      admin,
      { Sid: `Open${n}`, Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" },
    ],
  },
];

/**
 * A valid, restricted key policy near KMS's 32 KB limit, the shape issue 19 measured at 30 s: a
 * hundred service principals bound to the account, grants to everyone narrowed to the account
 * through a service, named roles, and Deny statements. `n` makes it unique (no cache answers).
 */
function largePolicy(n: number): string {
  const services = Array.from({ length: 100 }, (_, i) => ({
    Sid: `Service${i}n${n}`,
    Effect: "Allow",
    Principal: { Service: `service${i}.amazonaws.com` },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
  }));
  const throughServices = ["bedrock", "s3", "logs", "sqs", "sns"].map((service) => ({
    Sid: `Via${service}`,
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"],
    Resource: "*",
    Condition: {
      StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": `${service}.us-east-1.amazonaws.com` },
    },
  }));
  const roles = Array.from({ length: 40 }, (_, i) => ({
    Sid: `Role${i}`,
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/application-role-${i}` },
    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
    Resource: "*",
  }));
  const denies = [
    {
      Sid: "DenyInsecure",
      Effect: "Deny",
      Principal: "*",
      Action: "kms:*",
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
  // As many roles as fit in 32 KB.
  const withRoles = (count: number) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { ...admin, Sid: "Admin" },
        ...services,
        ...throughServices,
        ...roles.slice(0, count),
        ...denies,
      ],
    });
  let count = roles.length;
  while (count > 0 && withRoles(count).length > 32 * 1024) count -= 1;
  return withRoles(count);
}

/** A policy whose conditions an outsider chooses, too many to try: the guard fails closed. */
function pastBudgetPolicy(): string {
  const chosen = Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`aws:PrincipalTag/t${i}`, ["a", "b"]]),
  );
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      admin,
      {
        Effect: "Allow",
        Principal: "*",
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: chosen },
      },
      {
        Effect: "Deny",
        Principal: "*",
        Action: "kms:*",
        Resource: "*",
        Condition: { StringNotEquals: { "kms:CallerAccount": ACCOUNT } },
      },
    ],
  });
}

function perPolicyMs(documents: readonly string[]): number {
  const start = process.hrtime.bigint();
  for (const text of documents) analyseKeyPolicy(text, KEY);
  return Number(process.hrtime.bigint() - start) / 1e6 / documents.length;
}

/** The figures, as lines for the bench's report. */
export function measureKeyPolicyCost(): string {
  const load = coldLoadMs();
  // Warm up: the first simulation loads the libraries in this process.
  analyseKeyPolicy(JSON.stringify({ Version: "2012-10-17", Statement: STYLES[3]!.document(-1) }), KEY);
  const lines = [
    `key policy evaluator: loading @cloud-copilot/iam-simulate + iam-policy in a fresh process ${formatMs(load)} (median of ${LOAD_RUNS}; lazy: only when a key policy needs it)`,
  ];
  for (const style of STYLES) {
    const documents = Array.from({ length: POLICIES_PER_STYLE }, (_, n) =>
      JSON.stringify({ Version: "2012-10-17", Statement: style.document(n) }),
    );
    const uncached = perPolicyMs(documents);
    const cached = perPolicyMs(documents);
    lines.push(
      `  ${style.label}: ${uncached.toFixed(2)} ms per policy uncached, ${(cached * 1000).toFixed(1)} µs cached`,
    );
  }
  const large = [0, 1, 2].map(largePolicy);
  const largeMs = large.map((text) => {
    const start = process.hrtime.bigint();
    const verdict = analyseKeyPolicy(text, KEY).kind;
    if (verdict !== "restricted") throw new Error(`the 32 KB policy should be restricted, not ${verdict}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
  lines.push(
    `  a ${(large[0]!.length / 1024).toFixed(1)} KB restricted policy (100 services, grants through services, roles): ${formatMs(median(largeMs))} uncached (median of ${large.length}; goal under 1 s)`,
  );
  const start = process.hrtime.bigint();
  const budget = analyseKeyPolicy(pastBudgetPolicy(), KEY);
  const budgetMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (budget.kind !== "undetermined") throw new Error(`the past-budget policy gave ${budget.kind}`);
  lines.push(
    `  a policy past the budget of ${MAX_SIMULATIONS} simulated requests: fails closed in ${formatMs(budgetMs)}`,
  );
  return lines.join("\n");
}
