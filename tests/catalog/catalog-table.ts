/**
 * The catalog table of docs/catalog.md, generated from the catalog (`npm run docs:catalog`): one
 * row per guarded type (resource, SDK class, type token, key property, compliance mapping, default
 * level, policies, accepted key forms), then a note for each type whose key applies only under a
 * condition, so that no table cell grows long.
 */
import { FAMILIES, type KeyForm } from "../../policy-pack/catalog/bedrock-resources";
import { KEY_USE_FAMILIES, type KeyUser } from "../../policy-pack/catalog/key-users";

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

const USER_LABELS: Record<KeyUser["kind"], (user: KeyUser) => string> = {
  role: (user) => (user.kind === "role" ? `role in \`${user.property}\`` : ""),
  service: (user) => (user.kind === "service" ? `service \`${user.service}\`` : ""),
  caller: (user) => user.title.replace(/^the /, ""),
};

/**
 * The key policy statements AWS documents per family (`workspace-key-usable`), generated from
 * policy-pack/catalog/key-users.ts: one row per statement of each recipe, with what the service
 * sends (kms:ViaService, the encryption context key) and the AWS page.
 */
export function keyUseTable(): string {
  const rows = [
    "| Family | Recipe | Statement | Who | Actions | Sent with the request | AWS page |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  // Pages as reference links, numbered in order of first use: a URL would not fit a table cell.
  const pages: string[] = [];
  const pageRef = (url: string) => {
    if (!pages.includes(url)) pages.push(url);
    return `[page ${pages.indexOf(url) + 1}][key-use-${pages.indexOf(url) + 1}]`;
  };
  for (const entry of KEY_USE_FAMILIES) {
    for (const recipe of entry.recipes) {
      for (const requirement of recipe.requirements) {
        const sent = [
          `\`${requirement.via}.<region>\``,
          ...(requirement.encryptionContextKey === undefined
            ? []
            : [`\`${requirement.encryptionContextKey}\``]),
          ...(requirement.grantOperations === undefined ? [] : ["grant for an AWS resource"]),
        ].join(", ");
        rows.push(
          `| ${entry.family.title} | ${recipe.name} | \`${requirement.sid}\` | ${USER_LABELS[requirement.user.kind](requirement.user)} | ` +
            `${requirement.actions.map((a) => `\`${a.replace(/^kms:/, "")}\``).join(", ")} | ${sent} | ${pageRef(requirement.source.url)} |`,
        );
      }
    }
  }
  return [...rows, "", ...pages.map((url, index) => `[key-use-${index + 1}]: ${url}`)].join("\n");
}

if (require.main === module) process.stdout.write(`${catalogTable()}\n\n${keyUseTable()}\n`);
