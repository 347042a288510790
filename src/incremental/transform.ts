/**
 * The incremental filter as a Web Stream.
 *
 * @module
 */
import type { BoundIncremental } from "./bound_incremental.ts";

/**
 * A `TransformStream` that filters rows through a {@linkcode BoundIncremental} and keeps its state
 * slot. A chunk is a row or a page (an array of rows); a page comes out filtered (the same array
 * when every row is kept) and is dropped when nothing is left of it. Once the incremental can
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
  readonly incremental: BoundIncremental<T>;

  /** Creates the stream over `incremental`; usually via `incremental.transform()`. */
  constructor(incremental: BoundIncremental<T>) {
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
