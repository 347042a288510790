/**
 * The incremental filter as a Web Stream.
 *
 * @module
 */
import type { CursorValue } from "./cursor_value.ts";

/**
 * A bound incremental as its consumers see it: the read-outs and the row filter.
 * `BoundIncremental` is the implementation (made by `incremental.bind()`); this interface lets
 * the stream, and code that only filters, depend on it without importing the binding.
 *
 * @example Filtering rows through any bound incremental
 * ```ts
 * import { incremental } from "./incremental.ts";
 * import type { IncrementalFilter } from "./transform.ts";
 *
 * function keepNew(filter: IncrementalFilter, rows: Record<string, unknown>[]) {
 *   return filter.filterPage(rows);
 * }
 * const bound = incremental<number>("id", { initialValue: 2 }).bind({
 *   resourceName: "users",
 *   resourceState: {},
 * });
 * console.log(keepNew(bound, [{ id: 1 }, { id: 3 }])); // [ { id: 3 } ]
 * ```
 */
export interface IncrementalFilter<T = unknown> {
  /** The resource this run belongs to. */
  readonly resourceName: string;
  /** The cursor path; also the key of the state slot. */
  readonly cursorPath: string;
  /** The `initialValue` option. */
  readonly initialValue: T | undefined;
  /** The lower bound of the run (see `BoundIncremental.startValue`). */
  readonly startValue: CursorValue<T> | undefined;
  /** The live last value (see `BoundIncremental.lastValue`). */
  readonly lastValue: CursorValue<T> | undefined;
  /** The `endValue` option. */
  readonly endValue: T | undefined;
  /** True once the rows are out of range for good; stays true. */
  readonly canClose: boolean;
  /** Filters one page and returns the rows to keep (the same array when all are kept). */
  filterPage(rows: readonly Record<string, unknown>[]): Record<string, unknown>[];
  /** Filters a single row as a page of its own: true to keep it. */
  filterRow(row: Record<string, unknown>): boolean;
}

/**
 * A `TransformStream` that filters rows through a bound incremental ({@linkcode IncrementalFilter})
 * and keeps its state slot. A chunk is a row or a page (an array of rows); a page comes out
 * filtered (the same array when every row is kept) and is dropped when nothing is left of it. Once the incremental can
 * close (`rowOrder`), the stream ends after the current chunk and cancels its source, which runs
 * the `return()` (the `finally` blocks) of a generator behind it.
 *
 * Get one from `incremental.transform()`, or from `bound.transform()`.
 *
 * @example Filtering a stream of pages
 * ```ts
 * import { incremental } from "./incremental.ts";
 *
 * const cursor = incremental<number>("id", { initialValue: 2 });
 * const state = {};
 * const pages = ReadableStream.from([[{ id: 1 }, { id: 2 }], [{ id: 3 }]]);
 * const kept = await Array.fromAsync(pages.pipeThrough(cursor.transform({ state })));
 * console.log(kept); // [ [ { id: 2 } ], [ { id: 3 } ] ]
 * ```
 */
export class IncrementalTransform<T = unknown, R extends object = Record<string, unknown>>
  extends TransformStream<R | R[], R | R[]> {
  /** The bound incremental that filters the rows. */
  readonly incremental: IncrementalFilter<T>;

  /** Creates the stream over `incremental`; usually via `incremental.transform()`. */
  constructor(incremental: IncrementalFilter<T>) {
    super({
      transform(chunk, controller) {
        if (Array.isArray(chunk)) {
          if (chunk.length > 0) {
            const kept = incremental.filterPage(chunk as unknown as Record<string, unknown>[]);
            if (kept.length > 0) controller.enqueue(kept as unknown as R[]);
          }
        } else if (incremental.filterRow(chunk as unknown as Record<string, unknown>)) {
          controller.enqueue(chunk);
        }
        if (incremental.canClose) controller.terminate();
      },
    });
    this.incremental = incremental;
  }
}
