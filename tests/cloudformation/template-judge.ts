/** A CloudFormation stack's template judged in process, as the pack judges it (resource and stack). */
import { withTemplateResources } from "../../policy-pack/facts/cloudformation/template-resources";
import { blocks, type ValueMode } from "../../policy-pack/judging/final-values";
import type { Judgment } from "../../policy-pack/judging/judgment";
import { levelOf } from "../../policy-pack/judging/levels";
import { judgeResource } from "../../policy-pack/judging/resource";
import { judgeStack, NO_OUTSIDE_KEY_EVIDENCE, traceResources } from "../../policy-pack/judging/stack";
import { packState, resource } from "../judging/world";

export const ACCOUNT = "123456789012";

/** What the guard says about the template's resources: blocking policies, and pending items. */
export function judgeTemplate(template: unknown, mode: ValueMode): { blocking: string[]; pending: string[] } {
  const body = typeof template === "string" ? template : JSON.stringify(template);
  const host = resource("aws:cloudformation/stack:Stack", "cfn", { templateBody: body });
  const state = packState(mode);
  const judgments: Judgment[] = [
    judgeResource(host, state),
    judgeStack(traceResources(withTemplateResources([host], state), state), state, NO_OUTSIDE_KEY_EVIDENCE),
  ];
  const level = levelOf(state);
  return {
    blocking: judgments.flatMap((j) =>
      j.findings.filter((f) => blocks(level(f.policy))).map((f) => f.policy),
    ),
    pending: judgments.flatMap((j) => j.pending.map((p) => p.policy)),
  };
}

/** A fit key of the template: rotation on, the account's root administers it, tagged for Bedrock. */
export const FIT_KEY = {
  Type: "AWS::KMS::Key",
  Properties: {
    EnableKeyRotation: true,
    KeyPolicy: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
    Tags: [{ Key: "EnableBedrock", Value: "true" }],
  },
};
