/**
 * Issue 20, property: templates generated with parameters (given, defaulted, or SSM-typed and so
 * unknown), conditions over them and resources under those conditions, whose outcome is known by
 * construction (a three-valued model of the generated formulas). Checked through inspectTemplate:
 * which resources exist, whether the domain's key is present, left out, or unknown and untraced,
 * and the key's rotation as the schema's boolean.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import {
  inspectTemplate,
  type StackContext,
} from "../../policy-pack/facts/cloudformation/template-resources";
import { UNKNOWN_SENTINEL } from "../../policy-pack/facts/values";
import { PROPERTY_RUNS } from "../property/arbitraries";

const HOST_URN = "urn:pulumi:dev::test::aws:cloudformation/stack:Stack::cfn";
const CONTEXT: StackContext = { stackConfig: { "aws:region": "us-east-1" }, environmentRegion: undefined };
const PARAMETERS = ["Env", "Tier", "Mode"] as const;
const VALUES = ["a", "b"] as const;

type Truth = boolean | "unknown";

/** A generated condition formula, and how to write it in a template. */
type Formula =
  | { kind: "equals"; parameter: number; literal: string }
  | { kind: "not"; operand: Formula }
  | { kind: "and" | "or"; operands: Formula[] }
  | { kind: "condition"; index: number };

interface Model {
  /** Per parameter: SSM-typed (unknown), its Default, and the stack's value if given. */
  parameters: { ssm: boolean; default: string; given?: string }[];
  /** Condition i may refer to conditions before it only (no cycles). */
  conditions: Formula[];
  domainCondition?: number;
  keyCondition?: number;
  rotationCondition: number;
}

function formula(conditionsBefore: number, depth: number): fc.Arbitrary<Formula> {
  const equals = fc.record({
    kind: fc.constant("equals" as const),
    parameter: fc.integer({ min: 0, max: PARAMETERS.length - 1 }),
    literal: fc.constantFrom(...VALUES),
  });
  const leaves: fc.Arbitrary<Formula>[] = [equals];
  if (conditionsBefore > 0)
    leaves.push(
      fc.record({
        kind: fc.constant("condition" as const),
        index: fc.integer({ min: 0, max: conditionsBefore - 1 }),
      }),
    );
  if (depth === 0) return fc.oneof(...leaves);
  const inner = formula(conditionsBefore, depth - 1);
  return fc.oneof(
    ...leaves,
    fc.record({ kind: fc.constant("not" as const), operand: inner }),
    fc.record({
      kind: fc.constantFrom("and" as const, "or" as const),
      operands: fc.array(inner, { minLength: 2, maxLength: 3 }),
    }),
  );
}

const CONDITIONS = 4;
const model: fc.Arbitrary<Model> = fc.record({
  parameters: fc.tuple(
    ...PARAMETERS.map(() =>
      fc.record(
        { ssm: fc.boolean(), default: fc.constantFrom(...VALUES), given: fc.constantFrom(...VALUES) },
        { requiredKeys: ["ssm", "default"] },
      ),
    ),
  ),
  conditions: fc.tuple(...Array.from({ length: CONDITIONS }, (_, i) => formula(i, 2))),
  domainCondition: fc.option(fc.integer({ min: 0, max: CONDITIONS - 1 }), { nil: undefined }),
  keyCondition: fc.option(fc.integer({ min: 0, max: CONDITIONS - 1 }), { nil: undefined }),
  rotationCondition: fc.integer({ min: 0, max: CONDITIONS - 1 }),
});

function written(f: Formula): unknown {
  switch (f.kind) {
    case "equals":
      return { "Fn::Equals": [{ Ref: PARAMETERS[f.parameter] }, f.literal] };
    case "not":
      return { "Fn::Not": [written(f.operand)] };
    case "and":
      return { "Fn::And": f.operands.map(written) };
    case "or":
      return { "Fn::Or": f.operands.map(written) };
    case "condition":
      return { Condition: `C${f.index}` };
  }
}

/** The model's own three-valued evaluation. */
function truth(m: Model, f: Formula): Truth {
  switch (f.kind) {
    case "equals": {
      const parameter = m.parameters[f.parameter];
      return parameter.ssm ? "unknown" : (parameter.given ?? parameter.default) === f.literal;
    }
    case "not": {
      const operand = truth(m, f.operand);
      return operand === "unknown" ? "unknown" : !operand;
    }
    case "and":
    case "or": {
      const decisive = f.kind === "or";
      const values = f.operands.map((o) => truth(m, o));
      if (values.includes(decisive)) return decisive;
      return values.includes("unknown") ? "unknown" : !decisive;
    }
    case "condition":
      return truth(m, m.conditions[f.index]);
  }
}

function templateOf(m: Model): Record<string, unknown> {
  const Parameters = Object.fromEntries(
    m.parameters.map((p, i) => [
      PARAMETERS[i],
      p.ssm
        ? { Type: "AWS::SSM::Parameter::Value<String>", Default: "/x" }
        : { Type: "String", Default: p.default },
    ]),
  );
  const Conditions = Object.fromEntries(m.conditions.map((c, i) => [`C${i}`, written(c)]));
  const domain: Record<string, unknown> = { Type: "AWS::DataZone::Domain", Properties: {} };
  if (m.domainCondition !== undefined) domain.Condition = `C${m.domainCondition}`;
  if (m.keyCondition !== undefined)
    domain.Properties = {
      KmsKeyIdentifier: {
        "Fn::If": [`C${m.keyCondition}`, { "Fn::GetAtt": ["Key", "Arn"] }, { Ref: "AWS::NoValue" }],
      },
    };
  const key = {
    Type: "AWS::KMS::Key",
    Properties: { EnableKeyRotation: { "Fn::If": [`C${m.rotationCondition}`, "true", "false"] } },
  };
  return { Parameters, Conditions, Resources: { Key: key, Studio: domain } };
}

describe("property: CloudFormation conditions and parameters, outcome known by construction", function () {
  this.timeout(120_000);

  it("creates, chooses and coerces exactly as the three-valued model says", () => {
    fc.assert(
      fc.property(model, (m) => {
        const given = Object.fromEntries(
          m.parameters.flatMap((p, i) => (p.given === undefined ? [] : [[PARAMETERS[i], p.given]])),
        );
        const inspection = inspectTemplate(
          {
            type: "aws:cloudformation/stack:Stack",
            urn: HOST_URN,
            name: "cfn",
            props: { templateBody: JSON.stringify(templateOf(m)), parameters: given },
            propertyDependencies: {},
          },
          CONTEXT,
        )!;
        assert.deepEqual(inspection.unreadable, []);
        const byName = new Map(inspection.resources.map((r) => [r.name, r]));

        const rotation = truth(m, m.conditions[m.rotationCondition]);
        const keyProps = byName.get("cfn/Key")!.props as Record<string, unknown>;
        assert.equal(keyProps.enableKeyRotation, rotation === "unknown" ? UNKNOWN_SENTINEL : rotation);

        const created = m.domainCondition === undefined ? true : truth(m, m.conditions[m.domainCondition]);
        const studio = byName.get("cfn/Studio");
        // A resource whose condition is unknown may be created: it is judged.
        assert.equal(studio !== undefined, created !== false);
        if (studio === undefined || m.keyCondition === undefined) return;
        const chosen = truth(m, m.conditions[m.keyCondition]);
        const props = studio.props as Record<string, unknown>;
        if (chosen === false) assert.ok(!("kmsKeyIdentifier" in props));
        else assert.equal(props.kmsKeyIdentifier, UNKNOWN_SENTINEL);
        assert.deepEqual(
          studio.propertyDependencies.kmsKeyIdentifier,
          chosen === true ? [`${HOST_URN}#template:Key`] : undefined,
          "an undecided choice between the key and no key is not traced to the key",
        );
      }),
      { ...PROPERTY_RUNS, numRuns: Math.min(PROPERTY_RUNS.numRuns, 2_000) },
    );
  });
});
