/**
 * Lag: re-reading a window before the last value. dlt takes a bare float that means seconds for
 * datetimes and days for dates; here a time cursor needs a unit (`{ seconds: 90 }`,
 * `{ days: 1 }`), a numeric cursor a number, and the lagged value keeps the form of the value it
 * came from (an ISO string stays a string in the same layout and offset).
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { IsoDateTime } from "../state/iso_date_time.ts";
import { temporalApi } from "../state/temporal.ts";
import {
  civilFromDays,
  daysFromCivil,
  formatIso,
  IsoKind,
  newIsoParts,
  parseIso,
} from "./_iso_time.ts";

/** A lag as given in the options. */
export type LagOption = number | {
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
};

/** A validated, non-zero lag. */
export interface Lag {
  /** `number` for numeric cursors, `duration` for time cursors. */
  unit: "number" | "duration";
  /** The amount for a numeric lag. */
  amount: number;
  /** Whole milliseconds of a duration. */
  ms: number;
  /** Nanoseconds beyond {@linkcode Lag.ms}. */
  sub: number;
  /** How the option was written, for messages. */
  text: string;
}

const MS_PER_DAY = 86_400_000;
const UNIT_MS = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: MS_PER_DAY } as const;

/** Validates the `lag` option; `undefined` for no lag (also for a zero lag, as in dlt). */
export function resolveLag(lag: LagOption | undefined, where: string): Lag | undefined {
  if (lag === undefined || lag === null) return undefined;
  const text = JSON.stringify(lag);
  if (typeof lag === "number") {
    if (!Number.isFinite(lag) || lag < 0) {
      throw new ConfigurationError(
        `Give the lag of ${where} as a non-negative number or a duration such as { seconds: 90 }: got ${text}`,
      );
    }
    return lag === 0 ? undefined : { unit: "number", amount: lag, ms: 0, sub: 0, text };
  }
  if (typeof lag !== "object" || Array.isArray(lag)) {
    throw new ConfigurationError(
      `Give the lag of ${where} as a number or a duration such as { seconds: 90 }: got ${
        String(lag)
      }`,
    );
  }
  let total = 0;
  for (const [unit, amount] of Object.entries(lag)) {
    if (!(unit in UNIT_MS)) {
      throw new ConfigurationError(
        `Write the lag of ${where} with seconds, minutes, hours or days: "${unit}" is not a unit`,
      );
    }
    if (amount === undefined) continue;
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
      throw new ConfigurationError(
        `Give the lag ${unit} of ${where} as a non-negative number: got ${JSON.stringify(amount)}`,
      );
    }
    total += amount * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (total === 0) return undefined;
  const ms = Math.floor(total);
  return { unit: "duration", amount: 0, ms, sub: Math.round((total - ms) * 1_000_000), text };
}

function needsNumber(lag: Lag, where: string, value: unknown): never {
  throw new ConfigurationError(
    `Give the lag of ${where} as a number: its cursor value ${
      JSON.stringify(value)
    } is numeric, and ${lag.text} is a duration`,
  );
}

function needsUnit(lag: Lag, where: string): never {
  throw new ConfigurationError(
    `Give the lag of ${where} a unit, such as { seconds: ${lag.amount} } or { days: ${lag.amount} }: its cursor is a date or timestamp`,
  );
}

function wholeDays(lag: Lag, where: string): number {
  if (lag.unit !== "duration") needsUnit(lag, where);
  if (lag.sub !== 0 || lag.ms % MS_PER_DAY !== 0) {
    throw new ConfigurationError(
      `Give the lag of ${where} in whole days, such as { days: 1 }: its cursor is a date, and ${lag.text} is not a number of days`,
    );
  }
  return lag.ms / MS_PER_DAY;
}

const parts = newIsoParts();

/**
 * Moves `value` back by `lag` for `max` (`direction` 1) or forward for `min` (-1), keeping the
 * form of `value`. Throws {@linkcode ConfigurationError} when the lag's unit does not fit the
 * value, or the value cannot be lagged (a plain string).
 */
export function applyLag(value: unknown, lag: Lag, direction: 1 | -1, where: string): unknown {
  const sign = direction === 1 ? -1 : 1;
  if (typeof value === "number") {
    if (lag.unit !== "number") needsNumber(lag, where, value);
    const lagged = value + sign * lag.amount;
    return Number.isInteger(value) ? Math.trunc(lagged) : lagged;
  }
  if (typeof value === "bigint") {
    if (lag.unit !== "number") needsNumber(lag, where, String(value));
    if (Number.isInteger(lag.amount)) return value + BigInt(sign * lag.amount);
    return BigInt(Math.trunc(Number(value) + sign * lag.amount));
  }
  const lagNanos = (BigInt(lag.ms) * 1_000_000n + BigInt(lag.sub)) * BigInt(sign);
  if (value instanceof Date) {
    if (lag.unit !== "duration") needsUnit(lag, where);
    const nanos = BigInt(value.getTime()) * 1_000_000n + lagNanos;
    const ms = nanos / 1_000_000n - (nanos % 1_000_000n < 0n ? 1n : 0n);
    return new Date(Number(ms));
  }
  if (value instanceof IsoDateTime) {
    // Lagged as its text is, so the result keeps the layout and offset it was stored in.
    return new IsoDateTime(applyLag(value.toString(), lag, direction, where) as string);
  }
  const temporal = temporalApi();
  if (temporal !== undefined) {
    if (value instanceof temporal.Instant) {
      if (lag.unit !== "duration") needsUnit(lag, where);
      return temporal.Instant.fromEpochNanoseconds(value.epochNanoseconds + lagNanos);
    }
    if (value instanceof temporal.ZonedDateTime) {
      if (lag.unit !== "duration") needsUnit(lag, where);
      return temporal.Instant.fromEpochNanoseconds(value.epochNanoseconds + lagNanos)
        .toZonedDateTimeISO(value.timeZoneId);
    }
    if (value instanceof temporal.PlainDateTime) {
      if (lag.unit !== "duration") needsUnit(lag, where);
      const shift = { milliseconds: lag.ms, nanoseconds: lag.sub };
      return sign < 0 ? value.subtract(shift) : value.add(shift);
    }
    if (value instanceof temporal.PlainDate) {
      return value.add({ days: sign * wholeDays(lag, where) });
    }
  }
  if (typeof value === "string") {
    const kind = parseIso(value, parts);
    if (kind === IsoKind.DATE) {
      return formatIso(parts, parts.ms + sign * wholeDays(lag, where) * MS_PER_DAY, 0);
    }
    if (kind === IsoKind.INSTANT || kind === IsoKind.LOCAL) {
      if (lag.unit !== "duration") needsUnit(lag, where);
      let ms = parts.ms + sign * lag.ms;
      let sub = parts.sub + sign * lag.sub;
      if (sub < 0) {
        sub += 1_000_000;
        ms -= 1;
      } else if (sub >= 1_000_000) {
        sub -= 1_000_000;
        ms += 1;
      }
      return formatIso(parts, ms, sub);
    }
    const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
    if (compact) {
      const days = daysFromCivil(Number(compact[1]), Number(compact[2]), Number(compact[3])) +
        sign * wholeDays(lag, where);
      const [y, m, d] = civilFromDays(days);
      return `${String(y).padStart(4, "0")}${String(m).padStart(2, "0")}${
        String(d).padStart(2, "0")
      }`;
    }
  }
  throw new ConfigurationError(
    `Remove the lag of ${where} or use a numeric, date or timestamp cursor: ${
      JSON.stringify(value) ?? String(value)
    } cannot be lagged`,
  );
}
