/**
 * Paths into the state document, as the command line writes them: dotted keys, `[n]` for list
 * items, and `["any key"]` for keys with dots or brackets (cursor paths such as
 * `incremental["data.items[0].created_at"]`).
 *
 * @module
 */
import { UsageError } from "./exit_codes.ts";

/**
 * One step of a path: an object key or a list index.
 *
 * @example The parts of a path with a dotted key
 * ```ts
 * import { diffStates, type PathPart } from "../../cli.ts";
 *
 * const [change] = diffStates(
 *   { incremental: { "data.created_at": "2024-01-01" } },
 *   { incremental: { "data.created_at": "2024-06-01" } },
 * );
 * const parts: PathPart[] = change.parts;
 * console.log(parts); // [ "incremental", "data.created_at" ]
 * console.log(change.path); // incremental["data.created_at"]
 * ```
 */
export type PathPart = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Parses a path; throws {@linkcode UsageError} when it is malformed. */
export function parseStatePath(text: string, command?: string): PathPart[] {
  const parts: PathPart[] = [];
  let i = text.startsWith("$.") ? 2 : 0;
  const fail = (why: string): never => {
    throw new UsageError(
      `Write the state path ${JSON.stringify(text)} as dotted keys (a.b[0]["c.d"]): ${why}`,
      command,
    );
  };
  let expectKey = true;
  while (i < text.length) {
    const char = text[i];
    if (char === "[") {
      const close = text.startsWith('["', i) ? findQuoteEnd(text, i + 2) : text.indexOf("]", i);
      if (close === -1) fail("a bracket is not closed");
      if (text[i + 1] === '"') {
        try {
          parts.push(JSON.parse(text.slice(i + 1, close + 1)));
        } catch {
          fail("a quoted key is not valid JSON");
        }
        if (text[close + 1] !== "]") fail('a quoted key must end with "]');
        i = close + 2;
      } else {
        const index = text.slice(i + 1, close);
        if (!/^\d+$/.test(index)) fail(`[${index}] is not a list index`);
        parts.push(Number(index));
        i = close + 1;
      }
      expectKey = false;
    } else if (char === ".") {
      if (expectKey) fail("a key is empty");
      i++;
      expectKey = true;
    } else {
      let end = i;
      while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
      parts.push(text.slice(i, end));
      i = end;
      expectKey = false;
    }
  }
  if (parts.length === 0 || expectKey) fail("it is empty or ends with a dot");
  return parts;
}

function findQuoteEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Writes a path back as text (the inverse of {@linkcode parseStatePath}). */
export function formatStatePath(parts: readonly PathPart[]): string {
  let text = "";
  for (const part of parts) {
    if (typeof part === "number") text += `[${part}]`;
    else if (IDENTIFIER.test(part)) text += text === "" ? part : `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

/** The value at `parts`, or `{ found: false }`. */
export function getAtPath(root: unknown, parts: readonly PathPart[]): {
  found: boolean;
  value?: unknown;
} {
  let node = root;
  for (const part of parts) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, part)) {
      return { found: false };
    }
    node = (node as Record<PathPart, unknown>)[part];
  }
  return { found: true, value: node };
}

/** Sets the value at `parts`, creating objects on the way; fails on a non-object in the way. */
export function setAtPath(
  root: Record<string, unknown>,
  parts: readonly PathPart[],
  value: unknown,
) {
  let node: Record<PathPart, unknown> = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (next === undefined) {
      node = node[parts[i]] = {} as Record<PathPart, unknown>;
    } else if (next !== null && typeof next === "object" && !(next instanceof Date)) {
      node = next as Record<PathPart, unknown>;
    } else {
      throw new UsageError(
        `Choose a path through objects: ${formatStatePath(parts.slice(0, i + 1))} holds ${
          JSON.stringify(next)
        }`,
        "set",
      );
    }
  }
  node[parts[parts.length - 1]] = value;
}
