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
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.kind === "object" && nextNonSpace(text, end) === COLON) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) found.push(top.path === "" ? "(document)" : top.path);
        top.keys.add(key);
        top.key = key;
      }
      i = end;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const kind = c === OPEN_OBJECT ? "object" : "array";
      stack.push({ kind, path: childPath(), keys: new Set(), index: 0, key: "" });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    } else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.kind === "array") top.index += 1;
    }
    i += 1;
  }
  return [...new Set(found)];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** The index just after the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote >= 0) {
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/** The first character after `from` that is not JSON whitespace (space, tab, CR, LF). */
function nextNonSpace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
    i += 1;
  }
}
