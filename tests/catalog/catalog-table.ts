/**
 * The README's "What is guarded" table, generated from the catalog (`npm run docs:catalog`):
 * resource, SDK class, key property, compliance mapping, default level, accepted key forms.
 */
import { FAMILIES, type KeyForm } from "../../policy-pack/catalog";

const FORM_LABELS: Record<KeyForm, string> = {
  "key-arn": "key ARN",
  "key-id": "key id",
  "alias-name": "alias name",
  "alias-arn": "alias ARN",
};

export function catalogTable(): string {
  const rows = [
    "| Resource | SDK class (type token) | Key property | Compliance | Default level | Accepted key forms |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const family of FAMILIES) {
    const policies = `\`${family.id}-cmk-*\``;
    for (const type of family.types) {
      const condition = type.appliesWhen ? ` (only ${type.appliesWhen.description})` : "";
      const keyType = type.keyType
        ? `; \`${type.keyType.path.join(".")}\` must be \`${type.keyType.customerManaged}\``
        : "";
      rows.push(
        `| ${type.displayName} | \`${type.sdkClass}\` (\`${type.token}\`) | \`${type.keyProperty.join(".")}\`${condition}${keyType} | ` +
          `${family.compliance === undefined ? "none" : `${family.compliance}${family.risk ? ` (${family.risk})` : ""}`} | ` +
          `${family.defaultLevel} (${policies}) | ${type.acceptedKeyForms.map((f) => FORM_LABELS[f]).join(", ")} |`,
      );
    }
  }
  return rows.join("\n");
}

if (require.main === module) process.stdout.write(`${catalogTable()}\n`);
