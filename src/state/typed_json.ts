/**
 * dlt's typed JSON: values JSON has no type for are strings behind a private-use tag character
 * (U+F027 datetime, U+F028 date, U+F02B bytes), so Python dlt reads them back typed too.
 * Encoding also checks that state holds nothing JSON cannot keep, naming the key path if it does.
 *
 * @module
 */
import { StateNotSerializableError } from "../errors.ts";
import { fromBase64, toBase64 } from "./_base64.ts";
import { setOwn } from "./own_keys.ts";
import { IsoDateTime } from "./iso_date_time.ts";
import { temporalApi } from "./temporal.ts";

/** Tag of an instant (dlt: datetime). */
export const DATETIME_TAG = "\uF027";
/** Tag of a calendar date. */
export const DATE_TAG = "\uF028";
/** Tag of bytes (base64). */
export const BYTES_TAG = "\uF02B";

/** A JSON value, the output of {@linkcode encodeTyped}. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

function describe(value: unknown): string {
  switch (typeof value) {
    case "bigint":
      return `a BigInt (${value}n); store it as a string or number`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "number":
      return `the number ${value}, which JSON cannot hold`;
    case "undefined":
      return "undefined";
  }
  const name = (value as object).constructor?.name;
  if (value instanceof Date) return "an invalid Date";
  if (value instanceof Map) return "a Map; store Object.fromEntries(map)";
  if (value instanceof Set) return "a Set; store [...set]";
  return `an instance of ${name ?? "an unknown class"}`;
}

function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Converts a state value to plain JSON, tagging Dates, `Temporal.Instant`, `PlainDateTime`,
 * `PlainDate`, {@linkcode IsoDateTime} and bytes. Throws {@linkcode StateNotSerializableError}
 * (with the key path, prefixed by `path`) for anything else JSON cannot hold, for cycles, and
 * for a `Temporal.ZonedDateTime`, whose time zone the datetime tag cannot carry.
 */
export function encodeTyped(value: unknown, path = ""): JsonValue {
  return encodeValue(value, path, new Set());
}

function encodeValue(value: unknown, path: string, parents: Set<object>): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    return value;
  }
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    throw new StateNotSerializableError(path || "(root)", describe(value));
  }
  if (typeof value !== "object") {
    throw new StateNotSerializableError(path || "(root)", describe(value));
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new StateNotSerializableError(path || "(root)", describe(value));
    }
    return DATETIME_TAG + value.toISOString();
  }
  if (value instanceof IsoDateTime) {
    return (value.kind === "date" ? DATE_TAG : DATETIME_TAG) + value.toString();
  }
  const temporal = temporalApi();
  if (temporal !== undefined) {
    if (value instanceof temporal.Instant) {
      return DATETIME_TAG + value.toString({ fractionalSecondDigits: 9 });
    }
    if (value instanceof temporal.ZonedDateTime) {
      // Tagged text with a bracketed zone would not parse as a datetime in Python dlt, and an
      // instant would drop the zone without a word: refuse, and say what to store.
      throw new StateNotSerializableError(
        path || "(root)",
        `a Temporal.ZonedDateTime (${value}), whose time zone state cannot keep; store .toInstant() for the moment, or .toString() for the text with its zone`,
      );
    }
    if (value instanceof temporal.PlainDateTime) return DATETIME_TAG + value.toString();
    if (value instanceof temporal.PlainDate) return DATE_TAG + value.toString();
  }
  if (value instanceof Uint8Array) return BYTES_TAG + toBase64(value);
  if (parents.has(value)) {
    throw new StateNotSerializableError(path || "(root)", "a reference to itself (a cycle)");
  }
  if (Array.isArray(value)) {
    parents.add(value);
    const out: JsonValue[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      out[i] = item === undefined ? null : encodeValue(item, joinPath(path, i), parents);
    }
    parents.delete(value);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new StateNotSerializableError(path || "(root)", describe(value));
  }
  parents.add(value);
  const out: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    setOwn(out, key, encodeValue(item, joinPath(path, key), parents));
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    throw new StateNotSerializableError(path || "(root)", "a symbol-keyed property");
  }
  parents.delete(value);
  return out;
}

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A tagged datetime: a `Date` when milliseconds hold it, else a finer type (see decodeTyped); in
 * each case only when it encodes back to the same text. Text another writer formatted its own way
 * (Python dlt's `+00:00` and microseconds) becomes an `IsoDateTime`, which keeps it: the state
 * then hashes as its writer hashed it, and a restored state is not a new version.
 */
function decodeDateTime(body: string): unknown {
  const zoned = OFFSET.test(body);
  if (zoned && (/\.(\d+)/.exec(body)?.[1] ?? "").length <= 3) {
    const date = new Date(body);
    if (!Number.isNaN(date.getTime()) && date.toISOString() === body) return date;
  }
  const temporal = temporalApi();
  if (temporal !== undefined) {
    if (zoned) {
      const instant = temporal.Instant.from(body);
      if (instant.toString({ fractionalSecondDigits: 9 }) === body) return instant;
    } else {
      const local = temporal.PlainDateTime.from(body);
      if (local.toString() === body) return local;
    }
  }
  // The text itself, written back as it came; a bare date stays tagged text.
  const value = new IsoDateTime(body);
  return value.kind === "date" ? undefined : value;
}

function decodeDate(body: string): unknown {
  const temporal = temporalApi();
  if (temporal !== undefined) return temporal.PlainDate.from(body);
  const date = new IsoDateTime(body);
  return date.kind === "date" ? date : undefined;
}

function decodeString(value: string): unknown {
  const tag = value.charCodeAt(0);
  if (tag < 0xf026 || tag > 0xf02d) return value;
  const body = value.slice(1);
  try {
    switch (value[0]) {
      case DATETIME_TAG:
        return decodeDateTime(body) ?? value;
      case DATE_TAG:
        return decodeDate(body) ?? value;
      case BYTES_TAG:
        return fromBase64(body);
    }
  } catch {
    // An undecodable payload stays the tagged string, as dlt does.
  }
  return value;
}

/**
 * Reverses {@linkcode encodeTyped}: tagged strings become `Date` (an instant that milliseconds
 * hold), `Temporal.Instant` (a finer instant), `Temporal.PlainDateTime` (no offset),
 * `Temporal.PlainDate` or `Uint8Array`. Where the runtime has no `Temporal` (Deno 2.5), the
 * three Temporal cases become {@linkcode IsoDateTime}, which keeps the exact text; so do
 * datetimes in a form {@linkcode encodeTyped} does not write (Python dlt's
 * `2024-01-01T10:00:00.000050+00:00`). Encoding the result gives the same strings again.
 * Returns a new structure.
 */
export function decodeTyped(value: unknown): unknown {
  if (typeof value === "string") return decodeString(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decodeTyped);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setOwn(out, key, decodeTyped(item));
  return out;
}

/**
 * JSON with keys sorted at every level and no whitespace: the form hashed for `_version_hash`.
 * The input must already be plain JSON (see {@linkcode encodeTyped}).
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ",";
    out += JSON.stringify(keys[i]) + ":" + canonicalJson(value[keys[i]]);
  }
  return out + "}";
}
