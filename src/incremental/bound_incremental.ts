/**
 * One incremental bound to one run of one resource: the row filter and its state slot.
 *
 * @module
 */
import {
  IncrementalCursorInvalidCoercion,
  IncrementalCursorPathHasValueNone,
  IncrementalCursorPathMissing,
} from "../errors.ts";
import {
  compareKeys,
  compareValues,
  CursorKey,
  mismatchDetails,
  valuesEqual,
  valuesMismatch,
} from "./_compare.ts";
import { MISSING } from "./_cursor_path.ts";
import { hasLayout, type IsoLayout, isoLayout, sameLayout } from "./_iso_time.ts";
import { applyLag } from "./_lag.ts";
import { type RawOptions, type ResolvedOptions, resolveOptions } from "./_options.ts";
import { type DedupKey, rowHash } from "./_row_hash.ts";
import type { IncrementalBinding, IncrementalOptions } from "./options.ts";
import { type IncrementalFilter, IncrementalTransform } from "./transform.ts";

type Row = Record<string, unknown>;

/** Python's `None` is `null` in the state slot and `undefined` in read-outs. */
function fromState(value: unknown): unknown {
  return value === null ? undefined : value;
}

function toState(value: unknown): unknown {
  return value === undefined ? null : value;
}

function show(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return `${value}n`;
  return JSON.stringify(value) ?? String(value);
}

/**
 * What a binding needs of its declaration: the cursor path and the options. An `Incremental` is
 * one.
 *
 * @example A declaration without the Incremental class
 * ```ts
 * import { BoundIncremental, type IncrementalDeclaration } from "./bound_incremental.ts";
 *
 * const declaration: IncrementalDeclaration<number> = { cursorPath: "id", options: {} };
 * const bound = new BoundIncremental(declaration, { resourceName: "r", resourceState: {} });
 * console.log(bound.filterPage([{ id: 1 }]).length); // 1
 * ```
 */
export interface IncrementalDeclaration<T = unknown> {
  /** The field name or path of the cursor; also the key of its state slot. */
  readonly cursorPath: string;
  /** The options as given. */
  readonly options: Readonly<IncrementalOptions<T>>;
}

/**
 * An incremental bound to one run of one resource (made by `incremental.bind()`): it
 * filters rows synchronously and keeps the state slot
 * `resources.<resource>.incremental.<cursorPath>` = `{ initial_value, last_value, start_value,
 * unique_hashes }` up to date after every page, as dlt does after every batch. A resource reads it
 * as `ctx.incremental`.
 *
 * @example Filtering pages against a stored cursor
 * ```ts
 * import { incremental } from "./incremental.ts";
 *
 * const state = { incremental: { id: { initial_value: null, last_value: 2, start_value: null, unique_hashes: [] } } };
 * const bound = incremental<number>("id").bind({ resourceName: "users", resourceState: state });
 * const kept = bound.filterPage([{ id: 1 }, { id: 2 }, { id: 3 }]);
 * console.log(kept, bound.startValue, bound.lastValue); // [ { id: 2 }, { id: 3 } ] 2 3
 * ```
 */
export class BoundIncremental<T = unknown> implements IncrementalFilter<T> {
  /** The resource this run belongs to. */
  readonly resourceName: string;
  /** The cursor path; also the key of the state slot. */
  readonly cursorPath: string;
  readonly #options: ResolvedOptions;
  readonly #slot: Record<string, unknown>;
  readonly #where: string;
  readonly #warn: (message: string) => void;
  readonly #dedup: boolean;
  readonly #dedupKey: DedupKey;
  readonly #lagActive: boolean;
  readonly #rawStart: unknown;
  readonly #startValue: unknown;
  readonly #startKey: CursorKey | undefined;
  readonly #startHashes: ReadonlySet<string>;
  readonly #endKey: CursorKey | undefined;
  readonly #cutoff: unknown;
  readonly #cutoffKey: CursorKey | undefined;
  readonly #rowKey = new CursorKey();
  readonly #lastKey = new CursorKey();
  #last: unknown;
  #hasLast: boolean;
  /** `#lastKey` lags behind `#last` after a fast-path advance; refreshed before slow use. */
  #lastKeyStale = false;
  // The fast paths (filterPage, #fastText): bounds as numbers, or ISO strings of one layout.
  readonly #fastField: string | undefined;
  readonly #maxFirst: boolean;
  #lastNumber = NaN;
  #startNumber = NaN;
  #endNumber = NaN;
  #lastText: string | undefined;
  #layout: IsoLayout | undefined;
  #startText: string | undefined;
  #endText: string | undefined;
  readonly #startLayout: IsoLayout | undefined;
  readonly #endLayout: IsoLayout | undefined;
  readonly #boundary: Set<string>;
  readonly #pending: Row[] = [];
  #pendingCount = 0;
  /** The row a fast-path advance left to start the boundary with (see #settleBoundary). */
  #deferredBoundaryRow: Row | undefined;
  readonly #endOpen: boolean;
  #boundaryChanged = false;
  #capped = false;
  #capWarned = false;
  #startOut = false;
  #endOut = false;
  #canClose = false;

  /** Binds `incremental` to a run; use `incremental.bind(binding)` rather than this. */
  constructor(incremental: IncrementalDeclaration<T>, binding: IncrementalBinding) {
    const options = resolveOptions(incremental.cursorPath, incremental.options as RawOptions);
    this.#options = options;
    this.resourceName = binding.resourceName;
    this.cursorPath = incremental.cursorPath;
    this.#where = `incremental ${JSON.stringify(this.cursorPath)} of resource ${
      JSON.stringify(this.resourceName)
    }`;
    // deno-lint-ignore no-console
    this.#warn = binding.warn ?? ((message) => console.warn(message));
    this.#dedupKey = options.primaryKey !== undefined ? options.primaryKey : binding.primaryKey;
    const lagged = options.lag !== undefined && options.direction !== 0;
    this.#dedup = !options.rangeStartOpen && options.endValue === undefined && !lagged &&
      !(Array.isArray(this.#dedupKey) && this.#dedupKey.length === 0);
    this.#lagActive = lagged && options.endValue === undefined;
    if (options.lag !== undefined && options.direction === 0) {
      this.#warn(
        `Use lastValueFunc "max" or "min" with lag on ${this.#where}: lag is ignored with a custom function`,
      );
    }

    this.#slot = this.#openSlot(binding.resourceState);
    this.#rawStart = fromState(this.#slot.last_value);
    this.#startValue = this.#lag(this.#rawStart);
    if (this.#startValue !== undefined) {
      this.#startKey = new CursorKey();
      this.#startKey.set(this.#startValue);
      this.#lastKey.copy(this.#startKey);
    }
    this.#last = this.#startValue;
    this.#hasLast = this.#startValue !== undefined;

    const stored = this.#slot.unique_hashes;
    this.#startHashes = new Set(Array.isArray(stored) ? stored as string[] : []);
    this.#boundary = new Set();
    if (this.#dedup) {
      for (const hash of this.#startHashes) {
        if (this.#boundary.size >= options.maxBoundaryHashes) {
          this.#capped = true;
          this.#boundaryChanged = true;
          break;
        }
        this.#boundary.add(hash);
      }
    }
    if (options.endValue !== undefined) {
      this.#endKey = new CursorKey();
      this.#endKey.set(options.endValue);
    }
    if (options.cutoffAtRunStart) {
      this.#cutoff = binding.runStartedAt ?? new Date();
      this.#cutoffKey = new CursorKey();
      this.#cutoffKey.set(this.#cutoff);
    }

    this.#fastField = options.direction !== 0 && !options.cutoffAtRunStart
      ? options.field
      : undefined;
    this.#maxFirst = options.direction === 1;
    this.#endOpen = options.rangeEndOpen;
    const start = this.#startValue;
    const end = options.endValue;
    if (typeof start === "number") this.#startNumber = start;
    // Without an end every number is inside it; ±Infinity itself takes the full path.
    if (end === undefined) this.#endNumber = this.#maxFirst ? Infinity : -Infinity;
    else if (typeof end === "number") this.#endNumber = end;
    this.#startLayout = typeof start === "string" ? isoLayout(start) : undefined;
    this.#endLayout = typeof end === "string" ? isoLayout(end) : undefined;
    this.#setFastLast(this.#last);
  }

  /** Keeps the fast-path copies of the last value (and the bounds of its layout) in step. */
  #setFastLast(value: unknown): void {
    if (typeof value === "number") {
      this.#lastNumber = value;
      this.#lastText = undefined;
      return;
    }
    this.#lastNumber = NaN;
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
      this.#endText = sameLayout(layout, this.#endLayout)
        ? this.#options.endValue as string
        : undefined;
    }
    this.#lastText = value;
  }

  #openSlot(resourceState: Record<string, unknown>): Record<string, unknown> {
    const initial = toState(this.#options.initialValue);
    const fresh = () => ({
      initial_value: initial,
      last_value: initial,
      unique_hashes: [],
      start_value: initial,
    });
    // A backfill (endValue) works on a throwaway slot and never touches the resource state.
    if (this.#options.endValue !== undefined) return fresh();
    let all = resourceState.incremental as Record<string, unknown> | undefined;
    if (all === null || typeof all !== "object" || Array.isArray(all)) {
      all = resourceState.incremental = {};
    }
    let slot = all[this.cursorPath] as Record<string, unknown> | undefined;
    if (slot === null || typeof slot !== "object" || Array.isArray(slot)) {
      slot = all[this.cursorPath] = {};
    }
    if (Object.keys(slot).length === 0) Object.assign(slot, fresh());
    return slot;
  }

  /** The lag-adjusted form of a stored last value, never beyond `initialValue`. */
  #lag(value: unknown): unknown {
    if (!this.#lagActive || value === undefined) return value;
    const options = this.#options;
    const direction = options.direction as 1 | -1;
    const lagged = applyLag(value, options.lag!, direction, this.#where);
    const initial = options.initialValue;
    if (initial === undefined) return lagged;
    const order = compareValues(initial, lagged);
    if (order !== order) {
      throw new IncrementalCursorInvalidCoercion(
        this.resourceName,
        this.cursorPath,
        lagged,
        initial,
        `${valuesMismatch(lagged, initial)}; compared the lagged last value with initialValue`,
      );
    }
    return order * direction >= 0 ? initial : lagged;
  }

  /** The `initialValue` option. */
  get initialValue(): T | undefined {
    return this.#options.initialValue as T | undefined;
  }

  /**
   * The lower bound of this run: the stored last value (lag-adjusted) when the run started, or
   * `initialValue` on a fresh state. Constant during the run.
   */
  get startValue(): T | undefined {
    return this.#startValue as T | undefined;
  }

  /**
   * The stored last value (lag-adjusted), updated after every page; `initialValue` during a
   * backfill (`endValue` set), whose slot is never stored.
   */
  get lastValue(): T | undefined {
    if (this.#options.endValue !== undefined) return this.#options.initialValue as T | undefined;
    return this.#lag(fromState(this.#slot.last_value)) as T | undefined;
  }

  /** The `endValue` option. */
  get endValue(): T | undefined {
    return this.#options.endValue as T | undefined;
  }

  /**
   * True once the rows are known to be out of range for good (`rowOrder: "asc"` past the end,
   * `"desc"` below the start): the resource's generator can be closed. Stays true.
   */
  get canClose(): boolean {
    return this.#canClose;
  }

  /**
   * Filters one page of rows and returns the rows to keep (the same array when all are kept),
   * then updates the state slot. An empty page is returned as is, without a state update.
   * Throws the incremental errors (`IncrementalCursorPathMissing`, …).
   */
  filterPage(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
    const count = rows.length;
    if (count === 0) return rows as Row[];
    let kept: Row[] | undefined;
    const field = this.#fastField;
    // The numeric fast path runs on locals and is written back before anything else looks.
    const maxFirst = this.#maxFirst;
    const start = this.#startNumber;
    const end = this.#endNumber;
    const endOpen = this.#endOpen;
    let last = this.#lastNumber;
    let advancedTo: Row | undefined;
    for (let i = 0; i < count; i++) {
      const row = rows[i];
      let keep = false;
      if (field !== undefined && row !== null && typeof row === "object") {
        const value = row[field];
        if (typeof value === "number") {
          if (maxFirst ? value > last : value < last) {
            if (
              endOpen
                ? (maxFirst ? value < end : value > end)
                : (maxFirst ? value <= end : value >= end)
            ) {
              last = value;
              advancedTo = row;
              keep = true;
            }
          } else {
            keep = maxFirst ? value > start && value < last : value < start && value > last;
          }
        } else if (typeof value === "string" && advancedTo === undefined) {
          keep = this.#fastText(row, value);
        }
      }
      if (!keep) {
        if (advancedTo !== undefined) {
          this.#advancedFast(last, advancedTo);
          advancedTo = undefined;
        }
        keep = this.#filter(row);
        last = this.#lastNumber;
      }
      if (keep) {
        if (kept !== undefined) kept.push(row);
      } else if (kept === undefined) {
        kept = rows.slice(0, i);
      }
    }
    if (advancedTo !== undefined) this.#advancedFast(last, advancedTo);
    this.#endBatch(kept === undefined || kept.length > 0);
    return kept ?? rows as Row[];
  }

  /** Filters a single row as a page of its own: true to keep it. Updates the state slot. */
  filterRow(row: Record<string, unknown>): boolean {
    const keep = this.filterPage([row]).length > 0;
    return keep;
  }

  /** A `TransformStream` that filters rows and pages through this bound incremental. */
  transform<R extends object = Record<string, unknown>>(): IncrementalTransform<T, R> {
    return new IncrementalTransform<T, R>(this);
  }

  /** Writes back a run of numeric rows that moved the last value on the fast path. */
  #advancedFast(last: number, row: Row): void {
    this.#last = last;
    this.#lastNumber = last;
    this.#lastKeyStale = true;
    if (this.#dedup) this.#deferredBoundaryRow = row;
  }

  /**
   * The fast path for an ISO string in the layout of the last value that moves the last value or
   * lies strictly between the start and the last value: compared as text, which for one layout
   * is the order of the instants. True when the row is kept; false sends the row down the full
   * path (#filter), which decides everything else and sets the range flags.
   */
  #fastText(row: Row, value: string): boolean {
    const last = this.#lastText;
    if (last === undefined || !hasLayout(value, this.#layout!)) return false;
    const maxFirst = this.#maxFirst;
    if (maxFirst ? value > last : value < last) {
      if (this.#options.endValue !== undefined) {
        const end = this.#endText;
        if (
          end === undefined ||
          (this.#endOpen
            ? !(maxFirst ? value < end : value > end)
            : !(maxFirst ? value <= end : value >= end))
        ) {
          return false;
        }
      }
      this.#last = value;
      this.#lastText = value;
      this.#lastKeyStale = true;
      if (this.#dedup) this.#deferredBoundaryRow = row;
      return true;
    }
    const start = this.#startText;
    return start !== undefined &&
      (maxFirst ? value > start && value < last : value < start && value > last);
  }

  /** Applies a boundary restart the fast path deferred. */
  #settleBoundary(): void {
    const row = this.#deferredBoundaryRow;
    if (row !== undefined) {
      this.#deferredBoundaryRow = undefined;
      this.#restartBoundary(row);
    }
  }

  #filter(row: Row): boolean {
    this.#settleBoundary();
    this.#startOut = false;
    this.#endOut = false;
    if (row === null || row === undefined) return true;
    const options = this.#options;
    const value = options.read(row);
    let keep: boolean;
    if (value === MISSING || value === null || value === undefined) {
      if (options.onMissing === "raise") {
        throw value === MISSING
          ? new IncrementalCursorPathMissing(this.resourceName, this.cursorPath, row)
          : new IncrementalCursorPathHasValueNone(this.resourceName, this.cursorPath, row);
      }
      keep = options.onMissing === "include";
    } else if (options.direction !== 0) {
      keep = this.#filterOrdered(row, value, options.direction);
    } else {
      keep = this.#filterCustom(row, value);
    }
    if (options.rowOrder !== undefined && !this.#canClose) {
      this.#canClose = options.rowOrder === "asc" ? this.#endOut : this.#startOut;
    }
    return keep;
  }

  #mismatch(value: unknown, bound: unknown, boundKey: CursorKey, name: string): never {
    throw new IncrementalCursorInvalidCoercion(
      this.resourceName,
      this.cursorPath,
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
    if (!this.#hasLast) {
      this.#advance(row, value);
      return true;
    }
    if (this.#lastKeyStale) {
      this.#lastKey.set(this.#last);
      this.#lastKeyStale = false;
    }
    const order = compareKeys(key, this.#lastKey);
    if (order !== order) this.#mismatch(value, this.#last, this.#lastKey, "the last value");
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
      if (
        beyondStart === 0 && this.#dedup && this.#startHashes.size > 0 &&
        this.#startHashes.has(this.#hash(row))
      ) {
        this.#startOut = true;
        return false;
      }
    }
    if (beyondLast === 0 && this.#dedup) this.#addBoundaryRow(row);
    return true;
  }

  #call(values: readonly unknown[], bound: unknown, name: string): unknown {
    try {
      return this.#options.custom!(values);
    } catch (error) {
      throw new IncrementalCursorInvalidCoercion(
        this.resourceName,
        this.cursorPath,
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
        !valuesEqual(this.#call([value, end], end, "endValue"), end) ||
        (options.rangeEndOpen && valuesEqual(this.#call([value], end, "endValue"), end))
      ) {
        this.#endOut = true;
        return false;
      }
    }
    const last = this.#last;
    const next = this.#hasLast
      ? this.#call([value, last], last, "the last value")
      : this.#call([value], last, "the last value");
    if (!this.#hasLast || !valuesEqual(next, last)) {
      this.#advance(row, next);
      return true;
    }
    const own = this.#call([value], last, "the last value");
    const start = this.#startValue;
    if (start !== undefined) {
      if (options.rangeStartOpen && valuesEqual(own, start)) {
        this.#startOut = true;
        return false;
      }
      if (valuesEqual(this.#call([value, start], start, "the start value"), start)) {
        if (!valuesEqual(own, start)) {
          this.#startOut = true;
          return false;
        }
        if (this.#dedup && this.#startHashes.size > 0 && this.#startHashes.has(this.#hash(row))) {
          this.#startOut = true;
          return false;
        }
      }
    }
    if (this.#dedup && valuesEqual(own, last)) this.#addBoundaryRow(row);
    return true;
  }

  #hash(row: Row): string {
    return rowHash(row, this.#dedupKey, this.resourceName, this.cursorPath);
  }

  /** The row moves the last value: the boundary starts over with this row alone. */
  #advance(row: Row, value: unknown): void {
    this.#last = value;
    this.#hasLast = true;
    if (this.#options.direction !== 0) {
      this.#lastKey.copy(this.#rowKey);
      this.#lastKeyStale = false;
      this.#setFastLast(value);
    }
    if (this.#dedup) this.#restartBoundary(row);
  }

  #restartBoundary(row: Row): void {
    if (this.#boundary.size > 0) this.#boundary.clear();
    this.#boundaryChanged = true;
    if (this.#options.maxBoundaryHashes > 0) {
      this.#pending[0] = row;
      this.#pendingCount = 1;
      this.#capped = false;
    } else {
      this.#pendingCount = 0;
      this.#capped = true;
    }
  }

  /** Remembers a row at the last value; its hash is computed at the end of the page, if at all. */
  #addBoundaryRow(row: Row): void {
    if (this.#capped) return;
    const cap = this.#options.maxBoundaryHashes;
    if (this.#boundary.size + this.#pendingCount < cap) {
      this.#pending[this.#pendingCount++] = row;
      return;
    }
    this.#hashPending();
    if (this.#boundary.size < cap) {
      this.#pending[this.#pendingCount++] = row;
    } else if (!this.#boundary.has(this.#hash(row))) {
      this.#capped = true;
    }
  }

  #hashPending(): void {
    const count = this.#pendingCount;
    if (count === 0) return;
    const pending = this.#pending;
    for (let i = 0; i < count; i++) this.#boundary.add(this.#hash(pending[i]));
    // Keep the array's capacity (no shrinking and regrowing per page) but drop the rows.
    pending.fill(undefined as unknown as Row, 0, count);
    this.#pendingCount = 0;
    this.#boundaryChanged = true;
  }

  /** Writes the state slot after a page, as dlt does after each batch. */
  #endBatch(kept: boolean): void {
    this.#settleBoundary();
    const options = this.#options;
    const slot = this.#slot;
    if (options.lag !== undefined) {
      // Rows re-read inside the lag window must not move the stored value backwards.
      const stored = fromState(slot.last_value);
      if (stored !== undefined && this.#hasLast) this.#keepFurthest(stored);
    }
    slot.last_value = toState(this.#last);
    if (kept) slot.start_value = toState(this.#rawStart);
    if (this.#dedup) {
      this.#hashPending();
      if (this.#boundaryChanged) {
        slot.unique_hashes = Array.from(this.#boundary);
        this.#boundaryChanged = false;
      }
      if (this.#capped && !this.#capWarned && options.maxBoundaryHashes > 0) {
        this.#capWarned = true;
        this.#warn(
          `Use a finer cursor than ${JSON.stringify(this.cursorPath)} for resource ${
            JSON.stringify(this.resourceName)
          }, or give it a primaryKey and writeDisposition "merge": more than ${options.maxBoundaryHashes} rows share the cursor value ${
            show(this.#last)
          }, so only ${options.maxBoundaryHashes} of their hashes are kept (maxBoundaryHashes) and the others may load again on the next run`,
        );
      }
    } else {
      const hashes = slot.unique_hashes;
      if (!Array.isArray(hashes) || hashes.length > 0) slot.unique_hashes = [];
    }
  }

  #keepFurthest(stored: unknown): void {
    const direction = this.#options.direction;
    if (direction === 0) {
      this.#last = this.#call([this.#last, stored], stored, "the stored last value");
      return;
    }
    const order = compareValues(stored, this.#last);
    if (order !== order) {
      // Unreachable in practice: the stored value was written from the same cursor.
      throw new IncrementalCursorInvalidCoercion(
        this.resourceName,
        this.cursorPath,
        this.#last,
        stored,
        `${valuesMismatch(this.#last, stored)}; compared with the stored last value`,
      );
    }
    if (order * direction > 0) {
      this.#last = stored;
      this.#lastKey.set(stored);
      this.#lastKeyStale = false;
      this.#setFastLast(stored);
    }
  }
}
