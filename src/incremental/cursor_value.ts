/**
 * The types of cursor values as they are at run time, which is not always the type of
 * `initialValue`: the read-outs of an incremental hold what the rows held, or what the state gave
 * back, in whatever form compares with the bounds.
 *
 * @module
 */
import type { IsoDateTime } from "../state/iso_date_time.ts";

/**
 * A date or time as a cursor can hold it: a `Date`, a Temporal value, or an {@linkcode IsoDateTime}
 * (what state gives back for a `Temporal` value on a runtime without `Temporal`).
 *
 * @example Showing any time cursor value
 * ```ts
 * import type { TimeValue } from "./cursor_value.ts";
 *
 * function show(value: TimeValue | string): string {
 *   return value instanceof Date ? value.toISOString() : String(value);
 * }
 * console.log(show(new Date(0))); // 1970-01-01T00:00:00.000Z
 * ```
 */
export type TimeValue =
  | Date
  | Temporal.Instant
  | Temporal.ZonedDateTime
  | Temporal.PlainDateTime
  | Temporal.PlainDate
  | IsoDateTime;

/**
 * What `startValue` and `lastValue` of an incremental declared with type `T` (given, or inferred
 * from `initialValue`) can hold: every form that compares with a `T`, because the read-outs hold
 * the rows' values and what the state gave back, not only `initialValue`.
 *
 * - A string or a date/time `T`: any ISO string or {@linkcode TimeValue}. Instants compare as
 *   instants in every form, so an incremental with `initialValue: new Date(…)` over rows whose
 *   cursor is an ISO string reads back that string; and state returns a stored instant as a `Date`
 *   (milliseconds), a `Temporal.Instant` or an {@linkcode IsoDateTime} (finer), whatever form it
 *   was stored from.
 * - A number `T`: a number, or a BigInt a row held (numbers and BigInts compare; state cannot keep
 *   a BigInt, so such a run fails when it commits).
 * - Any other `T` (booleans, the values of a custom `lastValueFunc`): `T`.
 * - `unknown`: `unknown`.
 *
 * Numbers never compare with dates and times (a number is not read as an epoch, as in dlt):
 * mixing them fails with `IncrementalCursorInvalidCoercion`.
 *
 * @example Reading a Date cursor over rows that hold ISO strings
 * ```ts
 * import { incremental } from "./incremental.ts";
 * import type { CursorValue } from "./cursor_value.ts";
 *
 * const created = incremental("created_at", { initialValue: new Date("2024-01-01T00:00:00Z") });
 * const bound = created.bind({ resourceName: "events", resourceState: {} });
 * bound.filterPage([{ created_at: "2024-03-01T10:00:00+02:00" }]);
 * const last: CursorValue<Date> | undefined = bound.lastValue;
 * console.log(typeof last, String(last)); // string 2024-03-01T10:00:00+02:00
 * ```
 */
export type CursorValue<T = unknown> = T extends string | TimeValue ? string | TimeValue
  : T extends number | bigint ? number | bigint
  : T;
