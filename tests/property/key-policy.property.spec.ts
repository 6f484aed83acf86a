/**
 * The key policy evaluator against policies whose verdict is known by construction: restricted
 * documents (grants to named principals of the key's account, grants to everyone narrowed by the
 * caller's account or organization, any Deny) and public ones (a grant to everyone whose
 * conditions an outside caller can meet: values it chooses, variables that always hold, absent
 * keys, IfExists, account, ARN, name, type and organization patterns an outsider fits by choosing
 * its own), in any statement order; and JSON texts with a repeated key.
 * Modest run counts by default; KEY_POLICY_RUNS raises them, FC_SEED changes the seed.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { analyseKeyPolicy } from "../../policy-pack/key-policy/analysis";
import { PROPERTY_RUNS } from "./arbitraries";
import { patient } from "../support/patience";
import { policyDocument } from "../support/builders";

const RUNS = { numRuns: Number(process.env.KEY_POLICY_RUNS ?? 40), seed: PROPERTY_RUNS.seed };
const OWN = "111122223333";
const ORG = "o-a1b2c3d4e5";
/** The key at `up`: its ARN, and a fixed "now" so that verdicts do not depend on the clock. */
const KNOWN_KEY = {
  keyArn: `arn:aws:kms:us-east-1:${OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  now: Date.UTC(2026, 0, 1),
};

const admin = {
  Sid: "Admin",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${OWN}:root` },
  Action: "kms:*",
  Resource: "*",
};

const useActions = fc.constantFrom<unknown>(
  "kms:*",
  "kms:Decrypt",
  ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
  "kms:CreateGrant",
  "kms:GenerateDataKeyWithoutPlaintext",
  "*",
);
const everyone = fc.constantFrom<unknown>("*", { AWS: "*" }, { AWS: ["*"] });

/** Conditions an outside caller can meet whatever else holds: values it picks, or always true. */
const satisfiable = fc.constantFrom<Record<string, Record<string, unknown>>>(
  { StringEquals: { "kms:ViaService": "bedrock.us-east-1.amazonaws.com" } },
  { StringLike: { "kms:EncryptionContext:aws:bedrock:arn": "arn:aws:bedrock:*" } },
  { Bool: { "aws:SecureTransport": "true" } },
  { StringEquals: { "kms:CallerAccount": "${aws:PrincipalAccount}" } },
  { StringEquals: { "aws:PrincipalAccount": "${aws:PrincipalAccount}" } },
  { StringEqualsIfExists: { "aws:SourceAccount": OWN } },
  { Null: { "aws:PrincipalOrgID": "true" } },
  { "ForAllValues:StringEquals": { "aws:PrincipalOrgPaths": `${ORG}/r-ab12/` } },
  { StringNotEquals: { "kms:CallerAccount": OWN } },
  { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
  { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } },
  // Issue 19: patterns an outsider fits by choosing its account, names, type or organization.
  { StringLike: { "aws:PrincipalAccount": "1111*" } },
  { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/app-*" } },
  { StringEquals: { "aws:username": "alice" } },
  { StringEquals: { "aws:PrincipalType": "FederatedUser" } },
  { StringLike: { "aws:PrincipalOrgID": "o-*" } },
);

/** Conditions that keep every outside caller out (a positive test on the caller's account or org). */
const narrowing = fc.constantFrom<Record<string, Record<string, unknown>>>(
  { StringEquals: { "kms:CallerAccount": OWN } },
  { StringEquals: { "aws:PrincipalAccount": [OWN] } },
  { StringEquals: { "aws:PrincipalOrgID": ORG } },
  { StringEquals: { "kms:CallerAccount": [OWN, "*"] } },
  { StringEquals: { "aws:ResourceAccount": "${aws:PrincipalAccount}" } },
  { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${OWN}:role/*` } },
);

/** Deny statements an outside caller can always dodge (so they never close a public grant). */
const dodgeableDeny = fc.constantFrom<Record<string, unknown>>(
  {
    Effect: "Deny",
    Principal: "*",
    Action: "kms:*",
    Resource: "*",
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  },
  {
    Effect: "Deny",
    Principal: "*",
    Action: "kms:ScheduleKeyDeletion",
    Resource: "*",
  },
);

/** Any Deny statement (a Deny never opens a key). */
const anyDeny = fc.record({
  Effect: fc.constant("Deny"),
  Principal: everyone,
  Action: useActions,
  Resource: fc.constant("*"),
  Condition: fc.option(fc.oneof(satisfiable, narrowing), { nil: undefined }),
});

const namedGrant = fc.record({
  Effect: fc.constant("Allow"),
  Principal: fc.constantFrom<unknown>(
    { AWS: `arn:aws:iam::${OWN}:role/studio` },
    { AWS: [`arn:aws:iam::${OWN}:role/a`, `arn:aws:iam::${OWN}:user/b`] },
    { AWS: "444455556666" },
  ),
  Action: useActions,
  Resource: fc.constant("*"),
});

/** A service acting for the key's own account only. */
const serviceGrant = fc.record({
  Effect: fc.constant("Allow"),
  Principal: fc.constantFrom<unknown>(
    { Service: "datazone.amazonaws.com" },
    { Service: ["bedrock.amazonaws.com", "datazone.amazonaws.com"] },
  ),
  Action: useActions,
  Resource: fc.constant("*"),
  Condition: fc.constantFrom<unknown>(
    { StringEquals: { "aws:SourceAccount": OWN } },
    { ArnLike: { "aws:SourceArn": `arn:aws:datazone:us-east-1:${OWN}:domain/*` } },
  ),
});

/** A grant to everyone with `narrow` among its conditions (and perhaps satisfiable ones too). */
const narrowedGrant = fc
  .tuple(everyone, useActions, narrowing, fc.option(satisfiable, { nil: undefined }))
  .map(([principal, action, narrow, extra]) => ({
    Effect: "Allow",
    Principal: principal,
    Action: action,
    Resource: "*",
    Condition: mergeConditions(narrow, extra),
  }));

const openGrant = fc
  .tuple(everyone, useActions, fc.option(satisfiable, { nil: undefined }))
  .map(([principal, action, condition]) => ({
    Effect: "Allow",
    Principal: principal,
    Action: action,
    Resource: "*",
    ...(condition === undefined ? {} : { Condition: condition }),
  }));

function mergeConditions(
  a: Record<string, Record<string, unknown>>,
  b: Record<string, Record<string, unknown>> | undefined,
): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = { ...a };
  for (const [operator, entries] of Object.entries(b ?? {})) {
    // The narrowing condition wins a clash: the grant stays narrowed by construction.
    merged[operator] = { ...entries, ...(merged[operator] ?? {}) };
  }
  return merged;
}

const document = (statements: readonly unknown[]) => policyDocument(...statements);

describe("key policy evaluator (property): verdicts known by construction", function () {
  this.timeout(patient(120_000));

  it("finds restricted every policy that grants only named principals or narrowed wildcards", () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([admin], { minLength: 0 }),
        fc.array(fc.oneof(namedGrant, serviceGrant, narrowedGrant, anyDeny), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (base, rest, known) => {
          const statements = [...base, ...rest];
          const verdict = analyseKeyPolicy(document(statements), known ? KNOWN_KEY : {});
          assert.equal(verdict.kind, "restricted", JSON.stringify({ statements, verdict }));
        },
      ),
      RUNS,
    );
  });

  it("finds public every policy with a grant to everyone that an outside caller can meet", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(namedGrant, serviceGrant, narrowedGrant, dodgeableDeny), { maxLength: 3 }),
        openGrant,
        fc.nat(),
        fc.boolean(),
        (rest, open, at, known) => {
          const statements = [admin, ...rest];
          statements.splice(at % (statements.length + 1), 0, open);
          const verdict = analyseKeyPolicy(document(statements), known ? KNOWN_KEY : {});
          assert.equal(verdict.kind, "public", JSON.stringify({ statements, verdict }));
          if (verdict.kind === "public")
            assert.ok(verdict.grant.statements.includes(`Statement[${statements.indexOf(open)}]`));
        },
      ),
      RUNS,
    );
  });

  it("reaches the same verdict whatever the order of the statements", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(namedGrant, narrowedGrant, openGrant, anyDeny), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (statements, seed) => {
          const shuffled = [...statements].sort(
            (a, b) => hash(JSON.stringify(a), seed) - hash(JSON.stringify(b), seed),
          );
          assert.equal(
            analyseKeyPolicy(document(statements), KNOWN_KEY).kind,
            analyseKeyPolicy(document(shuffled), KNOWN_KEY).kind,
          );
        },
      ),
      RUNS,
    );
  });

  it("refuses any policy text that repeats a key in one object, and only those", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(namedGrant, narrowedGrant), { minLength: 1, maxLength: 3 }),
        fc.constantFrom("Statement", "Version", "Effect", "Principal", "Condition"),
        (statements, repeated) => {
          const text = document(statements);
          assert.notEqual(analyseKeyPolicy(text, KNOWN_KEY).kind, "duplicate-key");
          // Repeat `repeated` inside the first object that has it (the document or a statement).
          const needle = `"${repeated}":`;
          const at = text.indexOf(needle);
          fc.pre(at >= 0);
          const withDuplicate = `${text.slice(0, at)}${needle}${repeated === "Condition" ? "{}" : '"x"'},${text.slice(at)}`;
          assert.equal(analyseKeyPolicy(withDuplicate, KNOWN_KEY).kind, "duplicate-key");
        },
      ),
      RUNS,
    );
  });
});

/** A small deterministic hash, to shuffle by a generated seed. */
function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i += 1) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}
