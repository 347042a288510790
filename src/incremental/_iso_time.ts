/**
 * ISO-8601 dates and timestamps in strings, parsed by hand (no RegExp, no Date) because the
 * incremental filter parses one per row. Parsing writes into a caller-owned {@linkcode IsoParts};
 * formatting rebuilds a string in the layout of a parsed one (used by lag).
 *
 * @module
 */

/** What an ISO string denotes. */
export const IsoKind = {
  /** Not an ISO date or timestamp. */
  NONE: 0,
  /** A timestamp with an offset (`Z`, `+02:00`): an instant. */
  INSTANT: 1,
  /** A timestamp without an offset: a wall-clock time in no particular zone. */
  LOCAL: 2,
  /** A calendar date (`2024-01-31`). */
  DATE: 3,
} as const;

/** The parsed form of an ISO string; reused across calls to avoid allocation. */
export interface IsoParts {
  /** One of {@linkcode IsoKind}. */
  kind: number;
  /** Milliseconds since the epoch of the instant (UTC wall time for local times and dates). */
  ms: number;
  /** Nanoseconds within the millisecond, 0..999999. */
  sub: number;
  /** Layout: the separator between date and time (`T`, `t` or space) as a char code. */
  sep: number;
  /** Layout: whether seconds are written. */
  hasSeconds: boolean;
  /** Layout: the number of fraction digits written. */
  fractionDigits: number;
  /** Layout: the fraction separator (`.` or `,`) as a char code. */
  fractionSep: number;
  /** Layout: the offset as written (`Z`, `+02:00`, `+0200`, `+02`), `""` for local times. */
  offsetText: string;
  /** The offset in minutes east of UTC. */
  offsetMinutes: number;
}

/** A fresh {@linkcode IsoParts}. */
export function newIsoParts(): IsoParts {
  return {
    kind: IsoKind.NONE,
    ms: 0,
    sub: 0,
    sep: 84,
    hasSeconds: true,
    fractionDigits: 0,
    fractionSep: 46,
    offsetText: "",
    offsetMinutes: 0,
  };
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The `[year, month, day]` of a day number (inverse of {@linkcode daysFromCivil}). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day];
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses `s` as `YYYY-MM-DD`, or `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]][Z|±HH[:MM]]`, into `out`.
 * Returns the kind (also stored in `out.kind`); {@linkcode IsoKind.NONE} leaves the other fields
 * unspecified.
 */
export function parseIso(s: string, out: IsoParts): number {
  out.kind = IsoKind.NONE;
  const length = s.length;
  if (length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return IsoKind.NONE;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  if (year < 0 || month < 1 || month > 12 || day < 1) return IsoKind.NONE;
  if (day > 28 && day > daysInMonth(year, month)) return IsoKind.NONE;
  const dayMs = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (length === 10) {
    out.ms = dayMs;
    out.sub = 0;
    out.offsetText = "";
    out.offsetMinutes = 0;
    return (out.kind = IsoKind.DATE);
  }
  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 116 && sep !== 32) || length < 16 || s.charCodeAt(13) !== 58) {
    return IsoKind.NONE;
  }
  const hour = two(s, 11);
  const minute = two(s, 14);
  if (hour < 0 || hour > 24 || minute < 0 || minute > 59) return IsoKind.NONE;
  let i = 16;
  let second = 0;
  let hasSeconds = false;
  if (i < length && s.charCodeAt(i) === 58) {
    second = two(s, i + 1);
    if (second < 0 || second > 60) return IsoKind.NONE;
    hasSeconds = true;
    i += 3;
  }
  let milli = 0;
  let sub = 0;
  let fractionDigits = 0;
  let fractionSep = 46;
  if (hasSeconds && i < length && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
    fractionSep = s.charCodeAt(i);
    i++;
    let scale = 100_000_000;
    let nanos = 0;
    while (i < length) {
      const d = digit(s, i);
      if (d < 0) break;
      if (scale >= 1) nanos += d * scale;
      scale /= 10;
      fractionDigits++;
      i++;
    }
    if (fractionDigits === 0) return IsoKind.NONE;
    milli = Math.floor(nanos / 1_000_000);
    sub = nanos - milli * 1_000_000;
  }
  let offsetMinutes = 0;
  let offsetText = "";
  if (i < length) {
    const c = s.charCodeAt(i);
    if (c === 90 || c === 122) {
      if (i + 1 !== length) return IsoKind.NONE;
    } else if (c === 43 || c === 45) {
      const rest = length - i - 1;
      const oh = two(s, i + 1);
      let om = 0;
      if (rest === 2) om = 0;
      else if (rest === 4) om = two(s, i + 3);
      else if (rest === 5 && s.charCodeAt(i + 3) === 58) om = two(s, i + 4);
      else return IsoKind.NONE;
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return IsoKind.NONE;
      offsetMinutes = (c === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return IsoKind.NONE;
    }
    offsetText = s.slice(i);
  }
  out.ms = dayMs + hour * 3_600_000 + minute * 60_000 + second * 1000 + milli -
    offsetMinutes * 60_000;
  out.sub = sub;
  out.sep = sep;
  out.hasSeconds = hasSeconds;
  out.fractionDigits = fractionDigits;
  out.fractionSep = fractionSep;
  out.offsetText = offsetText;
  out.offsetMinutes = offsetMinutes;
  return (out.kind = offsetText === "" ? IsoKind.LOCAL : IsoKind.INSTANT);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/**
 * Writes the instant `ms` + `sub` ns in the layout of `layout` (kind, separator, precision and
 * offset), truncating what the layout cannot show.
 */
export function formatIso(layout: IsoParts, ms: number, sub: number): string {
  const wall = ms + layout.offsetMinutes * 60_000;
  const days = Math.floor(wall / MS_PER_DAY);
  const [year, month, day] = civilFromDays(days);
  const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  if (layout.kind === IsoKind.DATE) return date;
  let rest = wall - days * MS_PER_DAY;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  let text = `${date}${String.fromCharCode(layout.sep)}${pad(hour, 2)}:${pad(minute, 2)}`;
  if (layout.hasSeconds) {
    text += `:${pad(second, 2)}`;
    if (layout.fractionDigits > 0) {
      const nanos = pad(milli * 1_000_000 + sub, 9);
      const digits = layout.fractionDigits <= 9
        ? nanos.slice(0, layout.fractionDigits)
        : nanos + "0".repeat(layout.fractionDigits - 9);
      text += String.fromCharCode(layout.fractionSep) + digits;
    }
  }
  return text + layout.offsetText;
}

/**
 * The layout of an ISO string, for comparing strings as text: the positions and char codes of
 * its separators and of its whole offset. Two ISO strings of one layout (same length, same
 * separators, same offset) compare as instants exactly as they compare as text, digit by digit.
 */
export interface IsoLayout {
  /** The string length. */
  length: number;
  /** Positions that must hold exactly the code in {@linkcode IsoLayout.codes}. */
  positions: Int32Array;
  /** The char codes at {@linkcode IsoLayout.positions}. */
  codes: Int32Array;
}

/** The layout of `s`, or `undefined` when `s` is not an ISO date or timestamp. */
export function isoLayout(s: string): IsoLayout | undefined {
  const parts = newIsoParts();
  if (parseIso(s, parts) === IsoKind.NONE) return undefined;
  const offsetStart = s.length - parts.offsetText.length;
  const positions: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (i >= offsetStart || c < 48 || c > 57) positions.push(i);
  }
  return {
    length: s.length,
    positions: Int32Array.from(positions),
    codes: Int32Array.from(positions, (i) => s.charCodeAt(i)),
  };
}

/**
 * Whether `s` has `layout`: its length, separators and offset. Digit positions are not read (that
 * would cost more than the rest of the filter); a string with a non-digit where a digit belongs
 * therefore compares as text on this path instead of being rejected.
 */
export function hasLayout(s: string, layout: IsoLayout): boolean {
  if (s.length !== layout.length) return false;
  const positions = layout.positions;
  const codes = layout.codes;
  for (let i = 0; i < positions.length; i++) {
    if (s.charCodeAt(positions[i]) !== codes[i]) return false;
  }
  return true;
}

/** Whether two layouts are the same. */
export function sameLayout(a: IsoLayout | undefined, b: IsoLayout | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  if (a.positions.length !== b.positions.length) return false;
  for (let i = 0; i < a.positions.length; i++) {
    if (a.positions[i] !== b.positions[i] || a.codes[i] !== b.codes[i]) return false;
  }
  return true;
}
