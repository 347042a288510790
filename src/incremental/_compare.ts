/**
 * Comparing cursor values. Numbers compare as numbers and plain strings as text, as in dlt; beyond
 * dlt, instants compare as instants whatever their form: ISO strings with any offset, `Date`,
 * `Temporal.Instant` and `Temporal.ZonedDateTime` (where the runtime has Temporal), and
 * `IsoDateTime` (what state gives where it has not). Values that do not compare (a number and a
 * string, a zoned and an unzoned timestamp) give `NaN`, and {@linkcode mismatchDetails} says why.
 *
 * A value is classified once into a reusable {@linkcode CursorKey}, so the filter compares a row
 * with several bounds without parsing it again and without allocating.
 *
 * @module
 */
import { IsoDateTime } from "../state/iso_date_time.ts";
import { temporalApi } from "../state/temporal.ts";
import { daysFromCivil, IsoKind, newIsoParts, parseIso } from "./_iso_time.ts";

/** The comparable kinds of cursor values. */
export const KeyKind = {
  /** No value (`null`/`undefined`). */
  NONE: 0,
  /** A number or a BigInt. */
  NUMBER: 1,
  /** A string that is not an ISO date or timestamp. */
  TEXT: 2,
  /** A point in time: an offset ISO string, `Date`, `Temporal.Instant`/`ZonedDateTime`, an instant `IsoDateTime`. */
  INSTANT: 3,
  /** A wall-clock date-time without zone: an ISO string without offset, `Temporal.PlainDateTime`, a local `IsoDateTime`. */
  LOCAL: 4,
  /** A calendar date: `YYYY-MM-DD`, `Temporal.PlainDate`, a date `IsoDateTime`. */
  DATE: 5,
  /** A boolean. */
  BOOLEAN: 6,
  /** Anything else: compares with nothing. */
  OTHER: 7,
} as const;

const KIND_NAMES = [
  "no value",
  "a number",
  "a string",
  "a zoned timestamp",
  "an unzoned timestamp",
  "a date",
  "a boolean",
  "an uncomparable value",
];

const scratchIso = newIsoParts();
const MS_PER_DAY = 86_400_000;

/** The comparable form of one cursor value; mutable so one instance serves many rows. */
export class CursorKey {
  /** One of {@linkcode KeyKind}. */
  kind: number = KeyKind.NONE;
  /** The number, for {@linkcode KeyKind.NUMBER} and {@linkcode KeyKind.BOOLEAN}. */
  num: number | bigint = 0;
  /** The text, for {@linkcode KeyKind.TEXT}. */
  text = "";
  /** Epoch milliseconds (UTC wall time for local values) for the time kinds. */
  ms = 0;
  /** Nanoseconds within the millisecond for the time kinds. */
  sub = 0;

  /** Classifies `value` into this key and returns its kind. */
  set(value: unknown): number {
    switch (typeof value) {
      case "number":
        this.num = value;
        return (this.kind = value === value ? KeyKind.NUMBER : KeyKind.OTHER);
      case "string": {
        const iso = parseIso(value, scratchIso);
        if (iso === IsoKind.NONE) {
          this.text = value;
          return (this.kind = KeyKind.TEXT);
        }
        this.ms = scratchIso.ms;
        this.sub = scratchIso.sub;
        return (this.kind = iso === IsoKind.INSTANT
          ? KeyKind.INSTANT
          : iso === IsoKind.LOCAL
          ? KeyKind.LOCAL
          : KeyKind.DATE);
      }
      case "bigint":
        this.num = value;
        return (this.kind = KeyKind.NUMBER);
      case "boolean":
        this.num = value ? 1 : 0;
        return (this.kind = KeyKind.BOOLEAN);
      case "undefined":
        return (this.kind = KeyKind.NONE);
      case "object":
        if (value === null) return (this.kind = KeyKind.NONE);
        return this.#setObject(value);
    }
    return (this.kind = KeyKind.OTHER);
  }

  #setObject(value: object): number {
    if (value instanceof Date) {
      const ms = value.getTime();
      if (ms !== ms) return (this.kind = KeyKind.OTHER);
      this.ms = ms;
      this.sub = 0;
      return (this.kind = KeyKind.INSTANT);
    }
    if (value instanceof IsoDateTime) {
      this.ms = value.epochMilliseconds;
      this.sub = value.nanosecondsWithinMillisecond;
      return (this.kind = value.kind === "instant"
        ? KeyKind.INSTANT
        : value.kind === "local"
        ? KeyKind.LOCAL
        : KeyKind.DATE);
    }
    const temporal = temporalApi();
    if (temporal === undefined) return (this.kind = KeyKind.OTHER);
    if (value instanceof temporal.Instant || value instanceof temporal.ZonedDateTime) {
      this.#setNanos(value.epochNanoseconds);
      return (this.kind = KeyKind.INSTANT);
    }
    if (value instanceof temporal.PlainDateTime) {
      const days = daysFromCivil(value.year, value.month, value.day);
      this.ms = days * MS_PER_DAY + value.hour * 3_600_000 + value.minute * 60_000 +
        value.second * 1000 + value.millisecond;
      this.sub = value.microsecond * 1000 + value.nanosecond;
      return (this.kind = KeyKind.LOCAL);
    }
    if (value instanceof temporal.PlainDate) {
      this.ms = daysFromCivil(value.year, value.month, value.day) * MS_PER_DAY;
      this.sub = 0;
      return (this.kind = KeyKind.DATE);
    }
    return (this.kind = KeyKind.OTHER);
  }

  #setNanos(nanos: bigint): void {
    const ms = nanos / 1_000_000n;
    let sub = Number(nanos - ms * 1_000_000n);
    let msNumber = Number(ms);
    if (sub < 0) {
      sub += 1_000_000;
      msNumber -= 1;
    }
    this.ms = msNumber;
    this.sub = sub;
  }

  /** Copies `other` into this key. */
  copy(other: CursorKey): void {
    this.kind = other.kind;
    this.num = other.num;
    this.text = other.text;
    this.ms = other.ms;
    this.sub = other.sub;
  }
}

/**
 * Compares two keys: -1, 0 or 1, or `NaN` when they do not compare (different kinds, or a kind
 * that compares with nothing).
 */
export function compareKeys(a: CursorKey, b: CursorKey): number {
  const kind = a.kind;
  if (kind !== b.kind) return NaN;
  switch (kind) {
    case KeyKind.NONE:
      return 0;
    case KeyKind.NUMBER:
    case KeyKind.BOOLEAN:
      return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
    case KeyKind.TEXT:
      return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
    case KeyKind.INSTANT:
    case KeyKind.LOCAL:
    case KeyKind.DATE:
      if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
      return a.sub < b.sub ? -1 : a.sub > b.sub ? 1 : 0;
  }
  return NaN;
}

/** Why two keys that gave `NaN` do not compare, for an error message. */
export function mismatchDetails(a: CursorKey, b: CursorKey): string {
  const kinds = new Set([a.kind, b.kind]);
  if (kinds.has(KeyKind.INSTANT) && (kinds.has(KeyKind.LOCAL) || kinds.has(KeyKind.DATE))) {
    return `${KIND_NAMES[a.kind]} and ${
      KIND_NAMES[b.kind]
    } do not compare as instants; write every timestamp with an offset (such as "Z") or none`;
  }
  if (kinds.has(KeyKind.LOCAL) && kinds.has(KeyKind.DATE)) {
    return "a date and a date-time do not compare; use one form for every value";
  }
  if (
    kinds.has(KeyKind.TEXT) &&
    (kinds.has(KeyKind.INSTANT) || kinds.has(KeyKind.LOCAL) || kinds.has(KeyKind.DATE))
  ) {
    return "a string that is not an ISO-8601 date or timestamp does not compare with a date or time";
  }
  if (
    kinds.has(KeyKind.NUMBER) &&
    (kinds.has(KeyKind.INSTANT) || kinds.has(KeyKind.LOCAL) || kinds.has(KeyKind.DATE))
  ) {
    return `${KIND_NAMES[a.kind]} does not compare with ${
      KIND_NAMES[b.kind]
    }: numbers are not read as epoch times (as in dlt); give both as dates or both as numbers`;
  }
  if (a.kind === KeyKind.OTHER || b.kind === KeyKind.OTHER) {
    return "only numbers, strings, booleans, Dates and Temporal values compare (and NaN compares with nothing)";
  }
  return `${KIND_NAMES[a.kind]} does not compare with ${KIND_NAMES[b.kind]}`;
}

const leftKey = new CursorKey();
const rightKey = new CursorKey();

/**
 * Compares two cursor values (-1, 0, 1, or `NaN` when they do not compare). Allocates nothing;
 * for hot loops classify into a {@linkcode CursorKey} once instead.
 */
export function compareValues(a: unknown, b: unknown): number {
  leftKey.set(a);
  rightKey.set(b);
  return compareKeys(leftKey, rightKey);
}

/** Why `a` and `b` do not compare (after {@linkcode compareValues} gave `NaN`). */
export function valuesMismatch(a: unknown, b: unknown): string {
  const left = new CursorKey();
  const right = new CursorKey();
  left.set(a);
  right.set(b);
  return mismatchDetails(left, right);
}

/**
 * Python's `==` for cursor values: equal kinds that compare equal (two instants in different
 * forms are equal); values that do not compare are equal only when identical.
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const order = compareValues(a, b);
  return order === 0;
}
