/**
 * Feature detection of `Temporal`. Deno 2.5, the runtime floor (Deno Deploy's), has no `Temporal`
 * global, and Deploy passes no `--unstable-temporal` flag; newer Deno has it. Library code never
 * names the global: it asks {@linkcode temporalApi}, accepts Temporal values where there are any,
 * and reads dates and times from state as {@linkcode IsoDateTime} where there are none.
 *
 * @module
 */
import { IsoDateTime } from "./iso_date_time.ts";

/**
 * The `Temporal` namespace where the runtime has one, else `undefined`. Looked up on every call
 * (one property read), so that a test can hide the global to exercise the other path.
 *
 * @example Accepting a Temporal value only where Temporal exists
 * ```ts
 * import { temporalApi } from "./temporal.ts";
 *
 * function isInstant(value: unknown): boolean {
 *   const temporal = temporalApi();
 *   return temporal !== undefined && value instanceof temporal.Instant;
 * }
 * console.log(isInstant(new Date())); // false
 * ```
 */
export function temporalApi(): typeof Temporal | undefined {
  return (globalThis as { Temporal?: typeof Temporal }).Temporal;
}

/**
 * An instant finer than a `Date`: a `Temporal.Instant`, or an {@linkcode IsoDateTime} of kind
 * `"instant"` (where the runtime has no Temporal). Both have `epochMilliseconds` and an ISO
 * `toString()`.
 *
 * @example Milliseconds of a precise instant
 * ```ts
 * import { type PreciseInstant, preciseInstantFrom } from "./temporal.ts";
 *
 * const at: PreciseInstant = preciseInstantFrom("1970-01-01T00:00:01.000001Z");
 * console.log(at.epochMilliseconds); // 1000
 * ```
 */
export type PreciseInstant = Temporal.Instant | IsoDateTime;

/**
 * Whether `value` is a {@linkcode PreciseInstant}: a `Temporal.Instant` (where Temporal exists)
 * or an {@linkcode IsoDateTime} of kind `"instant"`. Both have `epochMilliseconds`, `equals()`
 * and an ISO `toString()`.
 *
 * @example Telling precise instants from other values
 * ```ts
 * import { IsoDateTime } from "./iso_date_time.ts";
 * import { isPreciseInstant } from "./temporal.ts";
 *
 * console.log(isPreciseInstant(new IsoDateTime("2024-01-01T00:00:00.000001Z"))); // true
 * console.log(isPreciseInstant(new IsoDateTime("2024-01-01"))); // false
 * ```
 */
export function isPreciseInstant(value: unknown): value is PreciseInstant {
  if (value instanceof IsoDateTime) return value.kind === "instant";
  const temporal = temporalApi();
  return temporal !== undefined && value instanceof temporal.Instant;
}

/**
 * Reads an ISO instant (with an offset) as the precise instant type of this runtime:
 * `Temporal.Instant` where Temporal exists, else {@linkcode IsoDateTime}. Throws `RangeError`
 * for text that is not an instant.
 *
 * @example Reading an instant with microseconds
 * ```ts
 * import { preciseInstantFrom } from "./temporal.ts";
 *
 * console.log(String(preciseInstantFrom("2024-01-01T00:00:00.000001Z")));
 * // 2024-01-01T00:00:00.000001Z
 * ```
 */
export function preciseInstantFrom(text: string): PreciseInstant {
  const temporal = temporalApi();
  if (temporal !== undefined) return temporal.Instant.from(text);
  const value = new IsoDateTime(text);
  if (value.kind !== "instant") {
    throw new RangeError(
      `Give an instant with an offset such as "Z" or "+02:00": ${JSON.stringify(text)} has none`,
    );
  }
  return value;
}

function epochNanoseconds(value: PreciseInstant): bigint {
  if (value instanceof IsoDateTime) {
    return BigInt(value.epochMilliseconds) * 1_000_000n +
      BigInt(value.nanosecondsWithinMillisecond);
  }
  return value.epochNanoseconds;
}

/**
 * Whether two precise instants are the same point in time, whatever their types and offsets.
 *
 * @example The same instant written with two offsets
 * ```ts
 * import { IsoDateTime } from "./iso_date_time.ts";
 * import { sameInstant } from "./temporal.ts";
 *
 * const utc = new IsoDateTime("2024-01-01T10:00:00.000001Z");
 * const berlin = new IsoDateTime("2024-01-01T11:00:00.000001+01:00");
 * console.log(sameInstant(utc, berlin)); // true
 * ```
 */
export function sameInstant(a: PreciseInstant, b: PreciseInstant): boolean {
  return epochNanoseconds(a) === epochNanoseconds(b);
}
