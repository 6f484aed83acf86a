/**
 * The catalog table of docs/catalog.md, generated from the catalog (`npm run docs:catalog`): one
 * row per guarded type (resource, SDK class, type token, key property, compliance mapping, default
 * level, policies, accepted key forms), then a note for each type whose key applies only under a
 * condition, so that no table cell grows long.
 */
import { FAMILIES, type KeyForm } from "../../policy-pack/catalog/bedrock-resources";

const FORM_LABELS: Record<KeyForm, string> = {
  "key-arn": "key ARN",
  "key-id": "key id",
  "alias-name": "alias name",
  "alias-arn": "alias ARN",
};

export function catalogTable(): string {
  const rows = [
    "| Resource | SDK class | Type token | Key property | Compliance | Default | Policies | Key forms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const notes: string[] = [];
  for (const family of FAMILIES) {
    const compliance =
      family.compliance === undefined
        ? "none"
        : `${family.compliance}${family.risk ? ` (${family.risk})` : ""}`;
    for (const type of family.types) {
      const conditions = [
        type.appliesWhen ? `the key is required ${type.appliesWhen.description}` : undefined,
        type.keyType
          ? `\`${type.keyType.path.join(".")}\` must also be \`${type.keyType.customerManaged}\``
          : undefined,
      ].filter((condition) => condition !== undefined);
      const mark = conditions.length > 0 ? ` (note ${notes.length + 1})` : "";
      if (conditions.length > 0)
        notes.push(`${notes.length + 1}. ${type.displayName}: ${conditions.join("; ")}.`);
      rows.push(
        `| ${type.displayName}${mark} | \`${type.sdkClass}\` | \`${type.token}\` | \`${type.keyProperty.join(".")}\` | ` +
          `${compliance} | ${family.defaultLevel} | \`${family.id}-cmk-*\` | ` +
          `${type.acceptedKeyForms.map((f) => FORM_LABELS[f]).join(", ")} |`,
      );
    }
  }
  return `${rows.join("\n")}\n\nNotes:\n\n${notes.join("\n")}`;
}

if (require.main === module) process.stdout.write(`${catalogTable()}\n`);
