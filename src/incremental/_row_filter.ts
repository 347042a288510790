/**
 * dlt's per-row algorithm (`JsonIncremental.__call__`): whether a row is kept, how it moves the
 * last value and the boundary, and when the rows are out of range for good. Rows are classified
 * once into a {@linkcode CursorKey} and compared with the bounds' keys; the page loop of
 * `BoundIncremental` sends here every row its fast paths cannot decide.
 *
 * @module
 */
import {
  IncrementalCursorInvalidCoercion,
  IncrementalCursorPathHasValueNone,
  IncrementalCursorPathMissing,
} from "../errors.ts";
import type { BoundaryHashes } from "./_boundary.ts";
import {
  compareKeys,
  compareValues,
  CursorKey,
  mismatchDetails,
  valuesEqual,
  valuesMismatch,
} from "./_compare.ts";
import { MISSING } from "./_cursor_path.ts";
import { FastPath, TEXT_ADVANCE, TEXT_INSIDE } from "./_fast_path.ts";
import type { ResolvedOptions } from "./_resolve_options.ts";

type Row = Record<string, unknown>;

/** What a {@linkcode RowFilter} starts from. */
export interface RowFilterStart {
  /** The resource, for errors. */
  resourceName: string;
  /** The cursor path, for errors. */
  cursorPath: string;
  /** The (lag-adjusted) start value; `undefined` when there is none. */
  startValue: unknown;
  /** Whether rows at the boundary are deduplicated. */
  dedup: boolean;
  /** The boundary hashes of the run. */
  boundary: BoundaryHashes;
  /** The run's start, the upper bound of `cutoffAtRunStart`. */
  runStartedAt: Date | undefined;
}

/** The filter of one run: the moving last value, the bounds, and the range flags. */
export class RowFilter {
  /** The fast-path copies of the bounds, for the page loop. */
  readonly fast: FastPath;
  /** The last value so far (meaningful when {@linkcode hasLast}). */
  last: unknown;
  /** False until there is a last value (no start value and no row yet). */
  hasLast: boolean;
  /** True once the rows are out of range for good (`rowOrder`); stays true. */
  canClose = false;
  readonly #options: ResolvedOptions;
  readonly #resourceName: string;
  readonly #cursorPath: string;
  readonly #dedup: boolean;
  readonly #boundary: BoundaryHashes;
  readonly #startValue: unknown;
  readonly #startKey: CursorKey | undefined;
  readonly #endKey: CursorKey | undefined;
  readonly #cutoff: unknown;
  readonly #cutoffKey: CursorKey | undefined;
  readonly #rowKey = new CursorKey();
  readonly #lastKey = new CursorKey();
  /** `#lastKey` lags behind `last` after a fast-path advance; refreshed before slow use. */
  #lastKeyStale = false;
  #startOut = false;
  #endOut = false;

  /** Sets up the filter of a run with `options`. */
  constructor(options: ResolvedOptions, start: RowFilterStart) {
    this.#options = options;
    this.#resourceName = start.resourceName;
    this.#cursorPath = start.cursorPath;
    this.#dedup = start.dedup;
    this.#boundary = start.boundary;
    const startValue = start.startValue;
    this.#startValue = startValue;
    if (startValue !== undefined) {
      this.#startKey = new CursorKey();
      this.#startKey.set(startValue);
      this.#lastKey.copy(this.#startKey);
    }
    this.last = startValue;
    this.hasLast = startValue !== undefined;
    if (options.endValue !== undefined) {
      this.#endKey = new CursorKey();
      this.#endKey.set(options.endValue);
    }
    if (options.cutoffAtRunStart) {
      this.#cutoff = start.runStartedAt ?? new Date();
      this.#cutoffKey = new CursorKey();
      this.#cutoffKey.set(this.#cutoff);
    }
    this.fast = new FastPath(options, startValue);
  }

  /** Records a run of numeric rows that moved the last value on the page loop's fast path. */
  advancedFast(last: number, row: Row): void {
    this.last = last;
    this.fast.lastNumber = last;
    this.#lastKeyStale = true;
    if (this.#dedup) this.#boundary.defer(row);
  }

  /**
   * The fast path for an ISO string in the layout of the last value that moves the last value or
   * lies strictly between the start and the last value. True when the row is kept; false sends
   * the row down the full path ({@linkcode filter}), which decides everything else.
   */
  fastText(row: Row, value: string): boolean {
    const verdict = this.fast.text(value);
    if (verdict === TEXT_ADVANCE) {
      this.last = value;
      this.#lastKeyStale = true;
      if (this.#dedup) this.#boundary.defer(row);
      return true;
    }
    return verdict === TEXT_INSIDE;
  }

  /** The full path: decides one row, moves the last value and sets the range flags. */
  filter(row: Row): boolean {
    this.#boundary.settle();
    this.#startOut = false;
    this.#endOut = false;
    if (row === null || row === undefined) return true;
    const options = this.#options;
    const value = options.read(row);
    let keep: boolean;
    if (value === MISSING || value === null || value === undefined) {
      if (options.onMissing === "raise") {
        throw value === MISSING
          ? new IncrementalCursorPathMissing(this.#resourceName, this.#cursorPath, row)
          : new IncrementalCursorPathHasValueNone(this.#resourceName, this.#cursorPath, row);
      }
      keep = options.onMissing === "include";
    } else if (options.direction !== 0) {
      keep = this.#filterOrdered(row, value, options.direction);
    } else {
      keep = this.#filterCustom(row, value);
    }
    if (options.rowOrder !== undefined && !this.canClose) {
      this.canClose = options.rowOrder === "asc" ? this.#endOut : this.#startOut;
    }
    return keep;
  }

  #coercion(value: unknown, bound: unknown, details: string): IncrementalCursorInvalidCoercion {
    return new IncrementalCursorInvalidCoercion(
      this.#resourceName,
      this.#cursorPath,
      value,
      bound,
      details,
    );
  }

  #mismatch(value: unknown, bound: unknown, boundKey: CursorKey, name: string): never {
    throw this.#coercion(
      value,
      bound,
      `${mismatchDetails(this.#rowKey, boundKey)}; compared with ${name}`,
    );
  }

  /** dlt's per-row algorithm for `max` (direction 1) and `min` (-1), on classified keys. */
  #filterOrdered(row: Row, value: unknown, direction: 1 | -1): boolean {
    const key = this.#rowKey;
    key.set(value);
    const options = this.#options;
    if (this.#endKey !== undefined) {
      const order = compareKeys(key, this.#endKey);
      if (order !== order) this.#mismatch(value, options.endValue, this.#endKey, "endValue");
      const beyond = order * direction;
      if (beyond > 0 || (beyond === 0 && options.rangeEndOpen)) {
        this.#endOut = true;
        return false;
      }
    }
    if (this.#cutoffKey !== undefined) {
      const order = compareKeys(key, this.#cutoffKey);
      if (order !== order) {
        this.#mismatch(value, this.#cutoff, this.#cutoffKey, "the run's start time");
      }
      if (order > 0) {
        this.#endOut = true;
        return false;
      }
    }
    if (!this.hasLast) {
      this.#advance(row, value);
      return true;
    }
    if (this.#lastKeyStale) {
      this.#lastKey.set(this.last);
      this.#lastKeyStale = false;
    }
    const order = compareKeys(key, this.#lastKey);
    if (order !== order) this.#mismatch(value, this.last, this.#lastKey, "the last value");
    const beyondLast = order * direction;
    if (beyondLast > 0) {
      this.#advance(row, value);
      return true;
    }
    const startKey = this.#startKey;
    if (startKey !== undefined) {
      const startOrder = compareKeys(key, startKey);
      if (startOrder !== startOrder) {
        this.#mismatch(value, this.#startValue, startKey, "the start value");
      }
      const beyondStart = startOrder * direction;
      if (beyondStart < 0 || (beyondStart === 0 && options.rangeStartOpen)) {
        this.#startOut = true;
        return false;
      }
      if (beyondStart === 0 && this.#dedup && this.#boundary.seenBefore(row)) {
        this.#startOut = true;
        return false;
      }
    }
    if (beyondLast === 0 && this.#dedup) this.#boundary.add(row);
    return true;
  }

  /** Calls the custom `lastValueFunc`; its failures are coercion errors naming `name`. */
  call(values: readonly unknown[], bound: unknown, name: string): unknown {
    try {
      return this.#options.custom!(values);
    } catch (error) {
      throw this.#coercion(
        values[0],
        bound,
        `lastValueFunc failed comparing with ${name}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }

  /** dlt's per-row algorithm for a custom `lastValueFunc`, with Python's `==` as equality. */
  #filterCustom(row: Row, value: unknown): boolean {
    const options = this.#options;
    const end = options.endValue;
    if (end !== undefined) {
      if (
        !valuesEqual(this.call([value, end], end, "endValue"), end) ||
        (options.rangeEndOpen && valuesEqual(this.call([value], end, "endValue"), end))
      ) {
        this.#endOut = true;
        return false;
      }
    }
    const last = this.last;
    const next = this.hasLast
      ? this.call([value, last], last, "the last value")
      : this.call([value], last, "the last value");
    if (!this.hasLast || !valuesEqual(next, last)) {
      this.#advance(row, next);
      return true;
    }
    const own = this.call([value], last, "the last value");
    const start = this.#startValue;
    if (start !== undefined) {
      if (options.rangeStartOpen && valuesEqual(own, start)) {
        this.#startOut = true;
        return false;
      }
      if (valuesEqual(this.call([value, start], start, "the start value"), start)) {
        if (!valuesEqual(own, start)) {
          this.#startOut = true;
          return false;
        }
        if (this.#dedup && this.#boundary.seenBefore(row)) {
          this.#startOut = true;
          return false;
        }
      }
    }
    if (this.#dedup && valuesEqual(own, last)) this.#boundary.add(row);
    return true;
  }

  /** The row moves the last value: the boundary starts over with this row alone. */
  #advance(row: Row, value: unknown): void {
    this.last = value;
    this.hasLast = true;
    if (this.#options.direction !== 0) {
      this.#lastKey.copy(this.#rowKey);
      this.#lastKeyStale = false;
      this.fast.setLast(value);
    }
    if (this.#dedup) this.#boundary.restart(row);
  }

  /**
   * With lag, rows re-read inside the lag window must not move the stored value backwards: keeps
   * `stored` (the slot's last value) as the last value when it lies further.
   */
  keepFurthest(stored: unknown): void {
    const direction = this.#options.direction;
    if (direction === 0) {
      this.last = this.call([this.last, stored], stored, "the stored last value");
      return;
    }
    const order = compareValues(stored, this.last);
    if (order !== order) {
      // Unreachable in practice: the stored value was written from the same cursor.
      throw this.#coercion(
        this.last,
        stored,
        `${valuesMismatch(this.last, stored)}; compared with the stored last value`,
      );
    }
    if (order * direction > 0) {
      this.last = stored;
      this.#lastKey.set(stored);
      this.#lastKeyStale = false;
      this.fast.setLast(stored);
    }
  }
}
