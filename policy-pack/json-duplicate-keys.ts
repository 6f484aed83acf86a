/**
 * Finds object keys that appear twice in one object of a JSON text. `JSON.parse` keeps the last
 * one silently, while a reader of the text (a reviewer, another tool) may see the first: a policy
 * with two `"Statement"` keys means different things to different readers, so the guard refuses it.
 *
 * A single linear scan over text that `JSON.parse` has already accepted: it only needs to tell keys
 * from values and to track which object it is in. Paths name positions (`Statement[1]`), never values.
 */

interface Frame {
  readonly kind: "object" | "array";
  readonly path: string;
  readonly keys: Set<string>;
  /** Arrays: the index of the current element; objects: the key whose value is being read. */
  index: number;
  key: string;
}

/** Paths of the objects holding a duplicate key (e.g. `(document)`, `Statement[0].Condition`). */
export function duplicateKeyPaths(text: string): string[] {
  const found: string[] = [];
  const stack: Frame[] = [];
  const childPath = (): string => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) return "";
    if (parent.kind === "array") return `${parent.path}[${parent.index}]`;
    return parent.path === "" ? parent.key : `${parent.path}.${parent.key}`;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.kind === "object" && nextNonSpace(text, end) === ":") {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) found.push(top.path === "" ? "(document)" : top.path);
        top.keys.add(key);
        top.key = key;
      }
      i = end;
      continue;
    }
    if (c === "{" || c === "[") {
      stack.push({
        kind: c === "{" ? "object" : "array",
        path: childPath(),
        keys: new Set(),
        index: 0,
        key: "",
      });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      const top = stack[stack.length - 1];
      if (top?.kind === "array") top.index += 1;
    }
    i += 1;
  }
  return [...new Set(found)];
}

/** The index just after the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "\\") i += 2;
    else if (text[i] === '"') return i + 1;
    else i += 1;
  }
  return text.length;
}

function nextNonSpace(text: string, from: number): string | undefined {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i += 1;
  return text[i];
}
