/**
 * One incremental bound to one run of one resource: the row filter and its state slot.
 *
 * @module
 */
import { IncrementalCursorInvalidCoercion } from "../errors.ts";
import { BoundaryHashes } from "./_boundary.ts";
import { compareValues, valuesMismatch } from "./_compare.ts";
import { applyLag } from "./_lag.ts";
import { type RawOptions, type ResolvedOptions, resolveOptions } from "./_resolve_options.ts";
import { RowFilter } from "./_row_filter.ts";
import { rowHash } from "./_row_hash.ts";
import { show } from "./_show.ts";
import { fromState, openSlot, type Slot, toState } from "./_state_slot.ts";
import type { CursorValue } from "./cursor_value.ts";
import type { IncrementalBinding, IncrementalOptions } from "./options.ts";
import { type IncrementalFilter, IncrementalTransform } from "./transform.ts";

type Row = Record<string, unknown>;

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
 * An incremental bound to one run of one resource (made by `incremental.bind()`): it filters
 * rows synchronously and keeps the state slot `resources.<resource>.incremental.<cursorPath>` =
 * `{ initial_value, last_value, start_value, unique_hashes }` up to date after every page, as dlt
 * does after every batch. A resource reads it as `ctx.incremental`. A `Temporal.ZonedDateTime`
 * cursor value is stored as its `Temporal.Instant`: state keeps no time zones, and the moment is
 * what the cursor compares.
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
  readonly #slot: Slot;
  readonly #where: string;
  readonly #warn: (message: string) => void;
  readonly #dedup: boolean;
  readonly #lagActive: boolean;
  readonly #rawStart: unknown;
  readonly #startValue: unknown;
  readonly #boundary: BoundaryHashes;
  readonly #filter: RowFilter;

  /** Binds `incremental` to a run; use `incremental.bind(binding)` rather than this. */
  constructor(incremental: IncrementalDeclaration<T>, binding: IncrementalBinding) {
    const options = resolveOptions(incremental.cursorPath, incremental.options as RawOptions);
    this.#options = options;
    const resourceName = this.resourceName = binding.resourceName;
    const cursorPath = this.cursorPath = incremental.cursorPath;
    this.#where = `incremental ${JSON.stringify(cursorPath)} of resource ${
      JSON.stringify(resourceName)
    }`;
    // deno-lint-ignore no-console
    this.#warn = binding.warn ?? ((message) => console.warn(message));
    const dedupKey = options.primaryKey !== undefined ? options.primaryKey : binding.primaryKey;
    const lagged = options.lag !== undefined && options.direction !== 0;
    const dedup = this.#dedup = !options.rangeStartOpen && options.endValue === undefined &&
      !lagged && !(Array.isArray(dedupKey) && dedupKey.length === 0);
    this.#lagActive = lagged && options.endValue === undefined;
    if (options.lag !== undefined && options.direction === 0) {
      this.#warn(
        `Use lastValueFunc "max" or "min" with lag on ${this.#where}: lag is ignored with a custom function`,
      );
    }

    const slot = this.#slot = openSlot(
      binding.resourceState,
      cursorPath,
      options.initialValue,
      options.endValue !== undefined,
    );
    this.#rawStart = fromState(slot.last_value);
    const startValue = this.#startValue = this.#lag(this.#rawStart);
    this.#boundary = new BoundaryHashes(
      slot.unique_hashes,
      dedup,
      options.maxBoundaryHashes,
      (row, format) => rowHash(row, dedupKey, resourceName, cursorPath, format),
    );
    this.#filter = new RowFilter(options, {
      resourceName,
      cursorPath,
      startValue,
      dedup,
      boundary: this.#boundary,
      runStartedAt: binding.runStartedAt,
    });
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
   * `initialValue` on a fresh state. Constant during the run. Typed {@linkcode CursorValue}: it
   * is a row's value as the state gave it back, in any form that compares with `T`.
   */
  get startValue(): CursorValue<T> | undefined {
    return this.#startValue as CursorValue<T> | undefined;
  }

  /**
   * The stored last value (lag-adjusted), updated after every page; `initialValue` during a
   * backfill (`endValue` set), whose slot is never stored. Typed {@linkcode CursorValue}: it is
   * the value of a row, in any form that compares with `T`.
   */
  get lastValue(): CursorValue<T> | undefined {
    if (this.#options.endValue !== undefined) {
      return this.#options.initialValue as CursorValue<T> | undefined;
    }
    return this.#lag(fromState(this.#slot.last_value)) as CursorValue<T> | undefined;
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
    return this.#filter.canClose;
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
    const filter = this.#filter;
    const fast = filter.fast;
    const field = fast.field;
    // The numeric fast path runs on locals and is written back before anything else looks.
    const maxFirst = fast.maxFirst;
    const start = fast.startNumber;
    const end = fast.endNumber;
    const endOpen = fast.endOpen;
    let last = fast.lastNumber;
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
          keep = filter.fastText(row, value);
        }
      }
      if (!keep) {
        if (advancedTo !== undefined) {
          filter.advancedFast(last, advancedTo);
          advancedTo = undefined;
        }
        keep = filter.filter(row);
        last = fast.lastNumber;
      }
      if (keep) {
        if (kept !== undefined) kept.push(row);
      } else if (kept === undefined) {
        kept = rows.slice(0, i);
      }
    }
    if (advancedTo !== undefined) filter.advancedFast(last, advancedTo);
    this.#endBatch(kept === undefined || kept.length > 0);
    return kept ?? rows as Row[];
  }

  /** Filters a single row as a page of its own: true to keep it. Updates the state slot. */
  filterRow(row: Record<string, unknown>): boolean {
    return this.filterPage([row]).length > 0;
  }

  /** A `TransformStream` that filters rows and pages through this bound incremental. */
  transform<R extends object = Record<string, unknown>>(): IncrementalTransform<T, R> {
    return new IncrementalTransform<T, R>(this);
  }

  /** Writes the state slot after a page, as dlt does after each batch. */
  #endBatch(kept: boolean): void {
    const options = this.#options;
    const slot = this.#slot;
    const filter = this.#filter;
    this.#boundary.settle();
    if (options.lag !== undefined) {
      // Rows re-read inside the lag window must not move the stored value backwards.
      const stored = fromState(slot.last_value);
      if (stored !== undefined && filter.hasLast) filter.keepFurthest(stored);
    }
    slot.last_value = toState(filter.last);
    if (kept) slot.start_value = toState(this.#rawStart);
    if (!this.#dedup) {
      const hashes = slot.unique_hashes;
      if (!Array.isArray(hashes) || hashes.length > 0) slot.unique_hashes = [];
      return;
    }
    const hashes = this.#boundary.flush();
    if (hashes !== undefined) slot.unique_hashes = hashes;
    if (this.#boundary.takeCapWarning()) {
      const cap = options.maxBoundaryHashes;
      this.#warn(
        `Use a finer cursor than ${JSON.stringify(this.cursorPath)} for resource ${
          JSON.stringify(this.resourceName)
        }, or give it a primaryKey and writeDisposition "merge": more than ${cap} rows share the cursor value ${
          show(filter.last)
        }, so only ${cap} of their hashes are kept (maxBoundaryHashes) and the others may load again on the next run`,
      );
    }
  }
}
