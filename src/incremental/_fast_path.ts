/**
 * The fast paths of the filter for `max`/`min` cursors: copies of the bounds as plain numbers, or
 * as ISO strings of one layout, so that the common row (a number, or a timestamp written like the
 * last one) is decided by one or two primitive comparisons. Anything these cannot decide takes
 * the full path of `RowFilter`, which also sets the range flags.
 *
 * @module
 */
import { hasLayout, type IsoLayout, isoLayout, sameLayout } from "./_iso_time.ts";
import type { ResolvedOptions } from "./_resolve_options.ts";

/** The row's ISO string cannot be decided here. */
export const TEXT_SLOW = 0;
/** The row's ISO string moves the last value (the caller records it). */
export const TEXT_ADVANCE = 1;
/** The row's ISO string lies strictly between the start and the last value: keep it. */
export const TEXT_INSIDE = 2;

/** The bounds of the fast paths, kept in step with the last value. */
export class FastPath {
  /** The cursor field when the cursor is one field of a `max`/`min` incremental, else none. */
  readonly field: string | undefined;
  /** True for `max`. */
  readonly maxFirst: boolean;
  /** True for `rangeEnd: "open"`. */
  readonly endOpen: boolean;
  /** The last value when it is a number, else `NaN`. */
  lastNumber = NaN;
  /** The start value when it is a number, else `NaN`. */
  readonly startNumber: number = NaN;
  /** The end value when it is a number; ±Infinity without an end; else `NaN`. */
  readonly endNumber: number = NaN;
  readonly #hasEnd: boolean;
  readonly #startValue: unknown;
  readonly #endValue: unknown;
  readonly #startLayout: IsoLayout | undefined;
  readonly #endLayout: IsoLayout | undefined;
  #lastText: string | undefined;
  #layout: IsoLayout | undefined;
  #startText: string | undefined;
  #endText: string | undefined;

  /** Sets up the bounds of a run that starts at `start`. */
  constructor(options: ResolvedOptions, start: unknown) {
    this.field = options.direction !== 0 && !options.cutoffAtRunStart ? options.field : undefined;
    this.maxFirst = options.direction === 1;
    this.endOpen = options.rangeEndOpen;
    const end = options.endValue;
    this.#hasEnd = end !== undefined;
    this.#startValue = start;
    this.#endValue = end;
    if (typeof start === "number") this.startNumber = start;
    // Without an end every number is inside it; ±Infinity itself takes the full path.
    if (end === undefined) this.endNumber = this.maxFirst ? Infinity : -Infinity;
    else if (typeof end === "number") this.endNumber = end;
    this.#startLayout = typeof start === "string" ? isoLayout(start) : undefined;
    this.#endLayout = typeof end === "string" ? isoLayout(end) : undefined;
    this.setLast(start);
  }

  /** Keeps the copies of the last value (and the bounds of its layout) in step with it. */
  setLast(value: unknown): void {
    if (typeof value === "number") {
      this.lastNumber = value;
      this.#lastText = undefined;
      return;
    }
    this.lastNumber = NaN;
    if (typeof value !== "string") {
      this.#lastText = undefined;
      return;
    }
    if (this.#layout === undefined || !hasLayout(value, this.#layout)) {
      const layout = isoLayout(value);
      if (layout === undefined) {
        this.#lastText = undefined;
        return;
      }
      this.#layout = layout;
      this.#startText = sameLayout(layout, this.#startLayout)
        ? this.#startValue as string
        : undefined;
      this.#endText = sameLayout(layout, this.#endLayout) ? this.#endValue as string : undefined;
    }
    this.#lastText = value;
  }

  /**
   * Decides an ISO string in the layout of the last value, compared as text (for one layout the
   * order of the texts is the order of the instants): {@linkcode TEXT_ADVANCE} (and the copy of
   * the last value is moved), {@linkcode TEXT_INSIDE}, or {@linkcode TEXT_SLOW}.
   */
  text(value: string): number {
    const last = this.#lastText;
    if (last === undefined || !hasLayout(value, this.#layout!)) return TEXT_SLOW;
    const maxFirst = this.maxFirst;
    if (maxFirst ? value > last : value < last) {
      if (this.#hasEnd) {
        const end = this.#endText;
        if (
          end === undefined ||
          (this.endOpen
            ? !(maxFirst ? value < end : value > end)
            : !(maxFirst ? value <= end : value >= end))
        ) {
          return TEXT_SLOW;
        }
      }
      this.#lastText = value;
      return TEXT_ADVANCE;
    }
    const start = this.#startText;
    return start !== undefined &&
        (maxFirst ? value > start && value < last : value < start && value > last)
      ? TEXT_INSIDE
      : TEXT_SLOW;
  }
}
