/**
 * The judging layer's invariant, as a property: take a compliant world (a guarded resource of any
 * unconditional catalog type, using a fit key of the stack), replace one value that decides a
 * mandatory policy by the engine's unknown, and judge. When values are final (`up`, `check`,
 * `audit`, `policy analyze`) the resource is never PASS: it carries a blocking finding (a
 * violation, or cmk-unverifiable). At preview it is never silent: a blocking finding or a pending
 * "not determinable yet" item names it.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { familyOf } from "../../policy-pack/catalog/bedrock-resources";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";
import { cmkRequired } from "../../policy-pack/rules/cmk-required";
import { blocks, type ValueMode } from "../../policy-pack/judging/final-values";
import type { Judgment } from "../../policy-pack/judging/judgment";
import { levelOf } from "../../policy-pack/judging/levels";
import { judgeResource } from "../../policy-pack/judging/resource";
import { judgeStack, NO_OUTSIDE_KEY_EVIDENCE, traceResources } from "../../policy-pack/judging/stack";
import type { StackResource } from "../../policy-pack/facts/key-tracing";
import type { PackState } from "../../policy-pack/settings/pack-state";
import { depth } from "../support/depth";
import { fitKeyProps, guardedResource, keyArn, packState, resource, UNCONDITIONAL_TYPES } from "./world";

const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_TOKEN = "aws:kms/key:Key";

/** Every value the mandatory policies read, in the key or in the resource that uses it. */
const DECISIVE_KEY_PROPERTIES = [
  "keyUsage",
  "customerMasterKeySpec",
  "isEnabled",
  "enableKeyRotation",
  "rotationPeriodInDays",
  "deletionWindowInDays",
  "bypassPolicyLockoutSafetyCheck",
  "policy",
] as const;

type Mutation =
  | { readonly on: "key"; readonly property: (typeof DECISIVE_KEY_PROPERTIES)[number] }
  | { readonly on: "key-policy-principal" }
  | { readonly on: "reference" }
  | { readonly on: "region" };

const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...DECISIVE_KEY_PROPERTIES).map((property) => ({ on: "key" as const, property })),
  fc.constant({ on: "key-policy-principal" as const }),
  fc.constant({ on: "reference" as const }),
  fc.constant({ on: "region" as const }),
);

function world(
  typeIndex: number,
  mutation: Mutation | undefined,
): { resources: StackResource[]; guardedUrn: string } {
  const type = UNCONDITIONAL_TYPES[typeIndex]!;
  let keyProps = fitKeyProps(KEY_ID);
  if (mutation?.on === "key") keyProps = { ...keyProps, [mutation.property]: UNKNOWN_SENTINEL };
  if (mutation?.on === "key-policy-principal") {
    keyProps = {
      ...keyProps,
      policy: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: UNKNOWN_SENTINEL }, Action: "kms:*", Resource: "*" },
        ],
      },
    };
  }
  const key = resource(KEY_TOKEN, "key", keyProps);
  const reference = mutation?.on === "reference" ? UNKNOWN_SENTINEL : keyArn(KEY_ID);
  let guarded = guardedResource(type, "guarded", reference);
  if (mutation?.on === "region") guarded = { ...guarded, providerProps: { region: UNKNOWN_SENTINEL } };
  return { resources: [key, guarded], guardedUrn: guarded.urn };
}

/** Everything judged about the resource, resource- and stack-level, as the pack reports it. */
function judgeWorld(resources: readonly StackResource[], state: PackState): Judgment[] {
  const stack = judgeStack(traceResources(resources, state), state, NO_OUTSIDE_KEY_EVIDENCE);
  return [...resources.map((r) => judgeResource(r, state)), stack];
}

function blockingOn(judgments: readonly Judgment[], urn: string, state: PackState): string[] {
  const level = levelOf(state);
  return judgments.flatMap((j) =>
    j.findings.filter((f) => f.urn === urn && blocks(level(f.policy))).map((f) => f.policy),
  );
}

function pendingOn(judgments: readonly Judgment[], urn: string): string[] {
  return judgments.flatMap((j) => j.pending.filter((p) => p.urn === urn).map((p) => p.policy));
}

// A region that is unknown could be any: the stack config must not decide it for the resource.
const NO_STACK_REGION = {};

describe("judging: unknown is never a pass (property)", function () {
  this.timeout(120_000);

  it("judges every baseline world PASS in both modes (so the property below is not vacuous)", () => {
    assert.ok(UNCONDITIONAL_TYPES.length >= 20, `only ${UNCONDITIONAL_TYPES.length} types`);
    for (let i = 0; i < UNCONDITIONAL_TYPES.length; i++) {
      for (const mode of ["preview", "final"] as ValueMode[]) {
        const state = packState(mode, NO_STACK_REGION);
        const { resources, guardedUrn } = world(i, undefined);
        const blocking = blockingOn(judgeWorld(resources, state), guardedUrn, state);
        assert.deepEqual(blocking, [], `${UNCONDITIONAL_TYPES[i]!.token} (${mode}): ${blocking.join(", ")}`);
      }
    }
  });

  it("a decisive unknown is a blocking finding when values are final, and never silent at preview", () => {
    fc.assert(
      fc.property(fc.nat(UNCONDITIONAL_TYPES.length - 1), mutations, (typeIndex, mutation) => {
        const { resources, guardedUrn } = world(typeIndex, mutation);
        const final = packState("final", NO_STACK_REGION);
        const judgedFinal = judgeWorld(resources, final);
        const blocking = blockingOn(judgedFinal, guardedUrn, final);
        // The key reference and region decide the family's key-reference policies, which are
        // advisory for configuration-only families: those must say so, not block.
        const family = familyOf(UNCONDITIONAL_TYPES[typeIndex]!.token)!;
        const decidesMandatory =
          mutation.on !== "reference" && mutation.on !== "region"
            ? true
            : blocks(levelOf(final)(cmkRequired(family).id));
        if (decidesMandatory) {
          assert.ok(
            blocking.length > 0,
            `final: ${UNCONDITIONAL_TYPES[typeIndex]!.token} with ${JSON.stringify(mutation)} passed`,
          );
        } else {
          const said = judgedFinal
            .flatMap((j) => [...j.findings, ...j.pending])
            .filter((f) => f.urn === guardedUrn);
          assert.ok(said.length > 0, `final: advisory family ${family.id} said nothing`);
        }
        const preview = packState("preview", NO_STACK_REGION);
        const judgedPreview = judgeWorld(resources, preview);
        const said = [
          ...blockingOn(judgedPreview, guardedUrn, preview),
          ...pendingOn(judgedPreview, guardedUrn),
        ];
        assert.ok(said.length > 0, `preview: ${JSON.stringify(mutation)} was silent`);
      }),
      { numRuns: depth(5_000, 300), seed: 18 },
    );
  });

  it("names what it could not judge: cmk-unverifiable says NOT VERIFIED and which policy", () => {
    const { resources, guardedUrn } = world(0, { on: "key", property: "enableKeyRotation" });
    const state = packState("final", NO_STACK_REGION);
    const finding = judgeWorld(resources, state)
      .flatMap((j) => j.findings)
      .find((f) => f.urn === guardedUrn && f.policy === "cmk-unverifiable");
    assert.ok(finding !== undefined);
    assert.match(finding.message, /NOT VERIFIED/);
    assert.match(finding.message, /cmk-key-rotation/);
  });

  it("at preview the same gap is a pending item, not a finding", () => {
    const { resources, guardedUrn } = world(0, { on: "key", property: "enableKeyRotation" });
    const state = packState("preview", NO_STACK_REGION);
    const judged = judgeWorld(resources, state);
    assert.deepEqual(blockingOn(judged, guardedUrn, state), []);
    assert.ok(pendingOn(judged, guardedUrn).includes("cmk-key-rotation"));
  });
});
