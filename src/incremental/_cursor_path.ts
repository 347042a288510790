/**
 * Cursor paths: a field name (`updated_at`), a dotted path with indexes (`data.items[0].created_at`)
 * or the small JSONPath subset dlt users write (`$.a.b`, `a[*].b`, `a['odd key']`, `a|b`).
 * A path compiles once into a reader; the reader runs per row, so a plain field name reads the
 * property directly and never allocates.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";

/** Returned by a {@linkcode CursorReader} when the path does not exist in the row. */
export const MISSING: unique symbol = Symbol("missing");

/**
 * Reads the cursor value of a row: the value, `null`/`undefined` when the path holds no value,
 * or {@linkcode MISSING} when the path does not exist.
 */
export type CursorReader = (row: unknown) => unknown;

type Step = string | number | typeof WILDCARD;
const WILDCARD: unique symbol = Symbol("wildcard");

function invalid(path: string, why: string): never {
  throw new ConfigurationError(
    `Write the cursor path ${
      JSON.stringify(path)
    } as a field name or a path like "data.items[0].created_at": ${why}`,
  );
}

function parseAlternative(path: string, text: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  if (text.startsWith("$")) {
    i = 1;
    if (i < text.length && text[i] !== "." && text[i] !== "[") {
      invalid(path, '"$" must be followed by "." or "["');
    }
  }
  let expectField = i === 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ".") {
      if (text[i + 1] === ".") invalid(path, 'recursive descent ("..") is not supported');
      i++;
      expectField = true;
      continue;
    }
    if (c === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) invalid(path, 'a "[" has no matching "]"');
      const inner = text.slice(i + 1, close).trim();
      if (inner === "*") steps.push(WILDCARD);
      else if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push(inner.slice(1, -1));
      else invalid(path, `[${inner}] is not an index, [*] or a quoted name`);
      i = close + 1;
      expectField = false;
      continue;
    }
    if (!expectField) invalid(path, `expected "." or "[" at position ${i}`);
    let end = i;
    while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
    const name = text.slice(i, end).trim();
    if (name === "") invalid(path, "it has an empty field name");
    if (/[\]'"?()@]/.test(name)) {
      invalid(path, `field ${JSON.stringify(name)} uses unsupported syntax`);
    }
    steps.push(name === "*" ? WILDCARD : name);
    i = end;
    expectField = false;
  }
  if (expectField || steps.length === 0) invalid(path, "it ends without a field name");
  return steps;
}

function hasOwn(value: object, key: string | number): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/** Collects every match of `steps` in `value` (in document order) into `out`. */
function collect(value: unknown, steps: readonly Step[], at: number, out: unknown[]): void {
  if (at === steps.length) {
    out.push(value);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const step = steps[at];
  if (step === WILDCARD) {
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) collect(child, steps, at + 1, out);
    return;
  }
  if (typeof step === "number") {
    if (Array.isArray(value) && step < value.length) collect(value[step], steps, at + 1, out);
    return;
  }
  if (!Array.isArray(value) && hasOwn(value, step)) {
    collect((value as Record<string, unknown>)[step], steps, at + 1, out);
  }
}

const SIMPLE_FIELD = /^[^.[\]|$*'"]+$/;

/** The field name when `path` is a single field (read directly), else `undefined`. */
export function simpleField(path: string): string | undefined {
  return SIMPLE_FIELD.test(path) ? path : undefined;
}

/**
 * Compiles `path` into a reader. A single field reads the property; a longer path takes its
 * first match, and reports "no value" when any match is `null`, as dlt does.
 * Throws {@linkcode ConfigurationError} for syntax it does not support.
 */
export function compileCursorPath(path: string): CursorReader {
  if (typeof path !== "string" || path.trim() === "") {
    invalid(String(path), "it is empty");
  }
  if (SIMPLE_FIELD.test(path)) {
    const field = path;
    return (row) => {
      if (row === null || typeof row !== "object") return MISSING;
      const value = (row as Record<string, unknown>)[field];
      if (value !== undefined) return value;
      return hasOwn(row, field) ? undefined : MISSING;
    };
  }
  const alternatives = path.split("|").map((part) => parseAlternative(path, part.trim()));
  if (alternatives.length === 1 && alternatives[0].every((step) => step !== WILDCARD)) {
    const steps = alternatives[0];
    return (row) => {
      let value: unknown = row;
      for (let i = 0; i < steps.length; i++) {
        if (value === null || typeof value !== "object") return MISSING;
        const step = steps[i];
        if (typeof step === "number") {
          if (!Array.isArray(value) || step >= value.length) return MISSING;
        } else if (Array.isArray(value) || !hasOwn(value, step as string)) {
          return MISSING;
        }
        value = (value as Record<string | number, unknown>)[step as string | number];
      }
      return value;
    };
  }
  return (row) => {
    const matches: unknown[] = [];
    for (const steps of alternatives) collect(row, steps, 0, matches);
    if (matches.length === 0) return MISSING;
    for (const match of matches) if (match === null || match === undefined) return null;
    return matches[0];
  };
}
