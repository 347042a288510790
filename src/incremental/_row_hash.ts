/**
 * Boundary deduplication hashes, computed exactly as dlt's `compute_unique_value`: SHAKE128,
 * base64 without padding, of the canonical JSON (sorted keys, compact) of the primary key value,
 * or of the whole row without one. Two formats, as in dlt 1.29 and later:
 *
 * - `"short"` (dlt ≥ 1.29, 12 characters): a 9-byte digest, datetimes written as whole
 *   microseconds since the epoch (a naive one read as UTC), so one instant hashes alike in any
 *   zone;
 * - `"legacy"` (dlt before 1.29, 20 characters): a 15-byte digest, datetimes as RFC 3339 with
 *   `Z` for UTC.
 *
 * A stored set keeps its format until the last value moves (`_boundary.ts`), so either tool
 * continues the other's boundary.
 *
 * @module
 */
import { shake128Base64 } from "../state/hash.ts";
import { IsoDateTime } from "../state/iso_date_time.ts";
import { temporalApi } from "../state/temporal.ts";
import { IncrementalPrimaryKeyMissing } from "../errors.ts";

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** Formats an instant as orjson does: seconds, then microseconds only when not zero, then `Z`. */
function instantJson(iso: string): string {
  // iso is `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z` as Date/Temporal print it.
  const dot = iso.indexOf(".");
  if (dot < 0) return iso;
  const micros = iso.slice(dot + 1, -1).padEnd(6, "0").slice(0, 6);
  return Number(micros) === 0 ? `${iso.slice(0, dot)}Z` : `${iso.slice(0, dot)}.${micros}Z`;
}

/** An `IsoDateTime` as orjson writes the datetime or date it stands for. */
function isoDateTimeJson(value: IsoDateTime): string {
  if (value.kind === "date") return value.toString();
  const ms = value.epochMilliseconds;
  const base = new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19);
  const micros = (((ms % 1000) + 1000) % 1000) * 1000 +
    Math.floor(value.nanosecondsWithinMillisecond / 1000);
  const zone = value.kind === "instant" ? "Z" : "";
  return micros === 0 ? `${base}${zone}` : `${base}.${pad(micros, 6)}${zone}`;
}

function localJson(value: Temporal.PlainDateTime): string {
  const base = `${value.toPlainDate().toString()}T${pad(value.hour, 2)}:${pad(value.minute, 2)}:${
    pad(value.second, 2)
  }`;
  const micros = value.millisecond * 1000 + value.microsecond;
  return micros === 0 ? base : `${base}.${pad(micros, 6)}`;
}

/** The two hash formats: dlt ≥ 1.29's 12-character one and the 20-character one before it. */
export type HashFormat = "short" | "legacy";

/** How long a hash of each format is. */
export const HASH_LENGTH: Readonly<Record<HashFormat, number>> = { short: 12, legacy: 20 };

const MICROS_PER_MS = 1000n;

/** Whole microseconds since the epoch of epoch milliseconds plus nanoseconds (floored). */
function epochMicros(ms: number, nanosWithinMs: number): string {
  return String(BigInt(ms) * MICROS_PER_MS + BigInt(Math.floor(nanosWithinMs / 1000)));
}

/** Floors epoch nanoseconds to microseconds (toward minus infinity, as Python's `//`). */
function floorMicros(ns: bigint): string {
  const micros = ns / 1000n;
  return String(ns < 0n && micros * 1000n !== ns ? micros - 1n : micros);
}

/**
 * A datetime as the short format writes it (epoch microseconds), or `undefined` for values that
 * are not datetimes (dates stay ISO text).
 */
function datetimeMicros(value: object): string | undefined {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "null" : epochMicros(value.getTime(), 0);
  }
  if (value instanceof IsoDateTime) {
    return value.kind === "date"
      ? undefined
      : epochMicros(value.epochMilliseconds, value.nanosecondsWithinMillisecond);
  }
  const temporal = temporalApi();
  if (temporal === undefined) return undefined;
  if (value instanceof temporal.Instant || value instanceof temporal.ZonedDateTime) {
    return floorMicros(value.epochNanoseconds);
  }
  if (value instanceof temporal.PlainDateTime) {
    return floorMicros(value.toZonedDateTime("UTC").epochNanoseconds);
  }
  return undefined;
}

/**
 * Canonical JSON of `value`: object keys sorted at every level, no whitespace, `undefined`
 * properties left out (`null` in arrays), Dates, Temporal values and `IsoDateTime` as orjson
 * writes datetimes (`"legacy"`, the default) or as epoch microseconds (`"short"`; dates stay ISO
 * text).
 */
export function canonicalJson(value: unknown, format: HashFormat = "legacy"): string {
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return "null";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonicalJson(value[i], format);
    }
    return out + "]";
  }
  if (format === "short") {
    const micros = datetimeMicros(value as object);
    if (micros !== undefined) return micros;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "null" : `"${instantJson(value.toISOString())}"`;
  }
  if (value instanceof IsoDateTime) return `"${isoDateTimeJson(value)}"`;
  const temporal = temporalApi();
  if (temporal !== undefined) {
    if (value instanceof temporal.Instant) return `"${instantJson(value.toString())}"`;
    if (value instanceof temporal.ZonedDateTime) {
      return `"${instantJson(value.toInstant().toString())}"`;
    }
    if (value instanceof temporal.PlainDateTime) return `"${localJson(value)}"`;
    if (value instanceof temporal.PlainDate) return `"${value.toString()}"`;
  }
  const object = value as Record<string, unknown>;
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") {
    return canonicalJson((object as { toJSON: () => unknown }).toJSON(), format);
  }
  const keys = Object.keys(object).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
    if (!first) out += ",";
    first = false;
    out += JSON.stringify(key) + ":" + canonicalJson(item, format);
  }
  return out + "}";
}

/**
 * dlt's `digest128`: SHAKE128, base64 without `=`; 15 bytes (20 characters) by default, 9 bytes
 * (12 characters) for the short format.
 */
export function digest128(text: string, format: HashFormat = "legacy"): string {
  return shake128Base64(text, format === "short" ? 9 : 15);
}

/** Where a dedup hash comes from: the whole row, one column, or several columns. */
export type DedupKey = undefined | string | readonly string[];

/**
 * The dedup hash of `row` in `format`: of `row[key]` for a column name, of `[row[k] for k in key]`
 * for a list, of the whole row when `key` is `undefined`. Throws
 * {@linkcode IncrementalPrimaryKeyMissing} when a key column is absent.
 */
export function rowHash(
  row: Record<string, unknown>,
  key: DedupKey,
  resourceName: string,
  cursorPath: string,
  format: HashFormat,
): string {
  if (key === undefined) return digest128(canonicalJson(row, format), format);
  if (typeof key === "string") {
    const value = row[key];
    if (value === undefined) {
      throw new IncrementalPrimaryKeyMissing(resourceName, cursorPath, key, row);
    }
    return digest128(canonicalJson(value, format), format);
  }
  const values = new Array<unknown>(key.length);
  for (let i = 0; i < key.length; i++) {
    const value = row[key[i]];
    if (value === undefined) {
      throw new IncrementalPrimaryKeyMissing(resourceName, cursorPath, key[i], row);
    }
    values[i] = value;
  }
  return digest128(canonicalJson(values, format), format);
}
