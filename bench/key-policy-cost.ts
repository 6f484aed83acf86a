/**
 * What the key policy evaluator costs (printed by `npm run bench`): the time to load the IAM
 * simulator in a fresh process (it is loaded lazily, on the first key policy that needs a
 * simulation), and the time to judge one key policy, uncached (each document unique) and cached.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { analyseKeyPolicy } from "../policy-pack/key-policy/analysis";
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
  return lines.join("\n");
}
