/**
 * {@linkcode IsoDateTime}: a date or date-time from state, kept as its exact ISO text, for runtimes
 * without `Temporal`.
 *
 * @module
 */

/**
 * What an {@linkcode IsoDateTime} denotes: an instant (with an offset), a wall-clock date-time
 * without one, or a calendar date.
 *
 * @example Branching on the kind
 * ```ts
 * import { IsoDateTime, type IsoDateTimeKind } from "./iso_date_time.ts";
 *
 * const kind: IsoDateTimeKind = new IsoDateTime("2024-01-02T03:04:05").kind;
 * console.log(kind === "local" ? "no offset" : "other"); // no offset
 * ```
 */
export type IsoDateTimeKind = "instant" | "local" | "date";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function invalid(text: string): never {
  throw new RangeError(
    `Give IsoDateTime an ISO 8601 date ("2024-01-31") or date-time ("2024-01-31T10:00:00.123456+02:00"): got ${
      JSON.stringify(text)
    }`,
  );
}

/** Milliseconds of a UTC wall time; `Date.UTC` maps years 0..99 to 1900.., `setUTCFullYear` not. */
function utcMs(year: number, month: number, day: number, rest: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() + rest;
}

/**
 * A date or date-time read from typed-JSON state where the runtime has no `Temporal` (Deno 2.5,
 * Deno Deploy), kept as the exact ISO text it was stored as. Decoding gives it in place of
 * `Temporal.Instant` (an instant finer than milliseconds, as Python dlt writes them),
 * `Temporal.PlainDateTime` (no offset) and `Temporal.PlainDate`; encoding writes the text back
 * unchanged, so state read and written again keeps its `_version_hash`. As an incremental cursor
 * it compares as the text would: an instant with instants in any form (other offsets, `Date`s,
 * ISO strings), a local date-time with local ones, a date with dates.
 *
 * Immutable. Like Temporal values it refuses `<`/`>` (`valueOf` throws): compare
 * {@linkcode IsoDateTime.epochMilliseconds} (then
 * {@linkcode IsoDateTime.nanosecondsWithinMillisecond}), or use {@linkcode IsoDateTime.equals}.
 *
 * @example A Python dlt timestamp read without Temporal
 * ```ts
 * import { IsoDateTime } from "./iso_date_time.ts";
 *
 * const at = new IsoDateTime("2024-01-02T03:04:05.123456+02:00");
 * console.log(at.kind, new Date(at.epochMilliseconds).toISOString(), at.nanosecondsWithinMillisecond);
 * // instant 2024-01-02T01:04:05.123Z 456000
 * console.log(String(at)); // 2024-01-02T03:04:05.123456+02:00
 * ```
 */
export class IsoDateTime {
  /**
   * `"instant"` (a date-time with an offset), `"local"` (a wall-clock date-time without one) or
   * `"date"` (a calendar date).
   */
  readonly kind: IsoDateTimeKind;
  /**
   * Milliseconds since 1970-01-01T00:00Z: of the instant; for a local date-time or a date, of its
   * wall-clock time read as UTC.
   */
  readonly epochMilliseconds: number;
  /** The nanoseconds beyond {@linkcode IsoDateTime.epochMilliseconds}, 0 to 999 999. */
  readonly nanosecondsWithinMillisecond: number;
  readonly #text: string;

  /**
   * Reads `text`: `YYYY-MM-DD`, or `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]]` with an optional offset
   * (`Z`, `±HH`, `±HHMM`, `±HH:MM`). Throws `RangeError` for anything else.
   */
  constructor(text: string) {
    const date = DATE.exec(text);
    const time = date === null ? DATE_TIME.exec(text) : null;
    const match = date ?? time ?? invalid(text);
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) invalid(text);
    let rest = 0;
    let sub = 0;
    let kind: IsoDateTimeKind = "date";
    if (time !== null) {
      const hour = Number(time[4]);
      const minute = Number(time[5]);
      const second = time[6] === undefined ? 0 : Number(time[6]);
      if (hour > 23 || minute > 59 || second > 59) invalid(text);
      const nanos = Number((time[7] ?? "").slice(0, 9).padEnd(9, "0"));
      const milli = Math.floor(nanos / 1_000_000);
      sub = nanos - milli * 1_000_000;
      rest = hour * 3_600_000 + minute * 60_000 + second * 1000 + milli;
      const offset = time[8];
      kind = offset === undefined ? "local" : "instant";
      if (offset !== undefined && offset !== "Z" && offset !== "z") {
        const digits = offset.replace(":", "");
        const hours = Number(digits.slice(1, 3));
        const minutes = digits.length > 3 ? Number(digits.slice(3, 5)) : 0;
        if (hours > 23 || minutes > 59) invalid(text);
        rest -= (offset[0] === "-" ? -1 : 1) * (hours * 60 + minutes) * 60_000;
      }
    }
    this.kind = kind;
    this.epochMilliseconds = utcMs(year, month, day, rest);
    this.nanosecondsWithinMillisecond = sub;
    this.#text = text;
    Object.freeze(this);
  }

  /** The ISO text, exactly as given. */
  toString(): string {
    return this.#text;
  }

  /** The ISO text, so JSON holds the value as an ISO string, like Dates and Temporal values. */
  toJSON(): string {
    return this.#text;
  }

  /**
   * True when `other` is an `IsoDateTime` of the same kind at the same point: the same instant
   * (whatever the offsets), or the same wall-clock date-time or date.
   */
  equals(other: IsoDateTime): boolean {
    return other instanceof IsoDateTime && other.kind === this.kind &&
      other.epochMilliseconds === this.epochMilliseconds &&
      other.nanosecondsWithinMillisecond === this.nanosecondsWithinMillisecond;
  }

  /** Throws `TypeError`: an `IsoDateTime` has no primitive value to compare with `<` or `>`. */
  valueOf(): never {
    throw new TypeError(
      "Compare IsoDateTime values with equals() or by epochMilliseconds: they have no primitive value",
    );
  }
}
