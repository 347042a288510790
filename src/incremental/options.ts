/**
 * The options of an incremental and what a run gives it: the types that the declaration
 * (`Incremental`), its binding (`BoundIncremental`) and the pipeline share.
 * Nothing here imports the rest of the incremental layer, so every other file can import it.
 *
 * @module
 */

/**
 * Options of `incremental()`, with dlt's semantics.
 *
 * @example A cursor with a lower and an upper bound
 * ```ts
 * import type { IncrementalOptions } from "./options.ts";
 *
 * const options: IncrementalOptions<string> = {
 *   initialValue: "2024-01-01T00:00:00Z",
 *   endValue: "2024-02-01T00:00:00Z",
 *   rowOrder: "asc",
 * };
 * ```
 */
export interface IncrementalOptions<T = unknown> {
  /**
   * The cursor value of the first run: rows before it are skipped. Stored in the state slot when
   * the slot is created, and never changed afterwards (as in dlt).
   * @default {undefined}
   */
  initialValue?: T;
  /**
   * The end of the range (a backfill): needs `initialValue`, must lie beyond it, and makes the
   * run stateless: the cursor slot is neither read nor written.
   * @default {undefined}
   */
  endValue?: T;
  /**
   * How the last value moves: `"max"` (ascending cursors), `"min"` (descending), or a function
   * given `[rowValue, lastValue]` (or `[rowValue]`) that returns one of them. A function is given
   * what the rows hold (and what the state gave back) unchecked: declare `T` as that type, not
   * only as the type of `initialValue`.
   * @default {"max"}
   */
  lastValueFunc?: "max" | "min" | ((values: readonly T[]) => T);
  /**
   * The column(s) whose value identifies a row for deduplication at the boundary; inherits the
   * resource's `primaryKey`; `[]` turns deduplication off; without any, the whole row is hashed.
   * @default {undefined}
   */
  primaryKey?: string | readonly string[];
  /**
   * The order the resource yields cursor values in, so the generator can be closed as soon as
   * the rows leave the range (`"asc"`: past `endValue`; `"desc"`: below the start value).
   * @default {undefined}
   */
  rowOrder?: "asc" | "desc";
  /**
   * What to do with a row that lacks the cursor or holds `null` there: throw, keep it, or drop it.
   * @default {"raise"}
   */
  onCursorValueMissing?: "raise" | "include" | "exclude";
  /**
   * Re-read a window before the last value: a number for numeric cursors, a duration
   * (`{ seconds: 90 }`, `{ days: 1 }`) for dates and timestamps. Never reaches before
   * `initialValue`; turns off boundary deduplication (merge the rows instead), as in dlt.
   * @default {undefined}
   */
  lag?: number | { seconds?: number; minutes?: number; hours?: number; days?: number };
  /**
   * Whether rows at the start value are loaded (`"closed"`, deduplicated by hash) or skipped
   * (`"open"`, no hashes kept).
   * @default {"closed"}
   */
  rangeStart?: "closed" | "open";
  /**
   * Whether rows at `endValue` are skipped (`"open"`) or loaded (`"closed"`).
   * @default {"open"}
   */
  rangeEnd?: "open" | "closed";
  /**
   * The most hashes of rows at the last value kept in state for deduplication. Beyond it, one
   * warning is logged and the other rows at that value may load again on the next run.
   * @default {1000}
   */
  maxBoundaryHashes?: number;
  /**
   * Leave rows whose cursor is later than the moment the run started for the next run, so the
   * stored last value never passes the run's start. For sources where rows become visible some
   * time after their timestamp (long transactions, replicas): nothing written while the run is in
   * flight is skipped. Needs a timestamp cursor and `lastValueFunc: "max"`.
   * @default {false}
   */
  cutoffAtRunStart?: boolean;
}

/**
 * What a pipeline run gives `Incremental.bind()`.
 *
 * @example Binding by hand
 * ```ts
 * import { incremental } from "./incremental.ts";
 * import type { IncrementalBinding } from "./options.ts";
 *
 * const binding: IncrementalBinding = { resourceName: "events", resourceState: {} };
 * const bound = incremental<number>("id", { initialValue: 0 }).bind(binding);
 * console.log(binding.resourceState); // { incremental: { id: { initial_value: 0, last_value: 0, unique_hashes: [], start_value: 0 } } }
 * ```
 */
export interface IncrementalBinding {
  /** The resource's name, used in errors and warnings. */
  resourceName: string;
  /** The resource's live, writable state; the slot is `resourceState.incremental[cursorPath]`. */
  resourceState: Record<string, unknown>;
  /** The resource's primary key, used for deduplication when the incremental has none. */
  primaryKey?: string | readonly string[];
  /**
   * When the run started, for `cutoffAtRunStart`.
   * @default {new Date() at binding}
   */
  runStartedAt?: Date;
  /**
   * Where warnings go (the pipeline's logger).
   * @default {console.warn}
   */
  warn?: (message: string) => void;
}

/**
 * Options of `Incremental.transform()`.
 *
 * @example A standalone transform over a plain state object
 * ```ts
 * import { incremental } from "./incremental.ts";
 * import type { IncrementalTransformOptions } from "./options.ts";
 *
 * const options: IncrementalTransformOptions = { state: {}, resourceName: "events" };
 * const stream = incremental("id").transform(options);
 * await stream.writable.close();
 * ```
 */
export interface IncrementalTransformOptions {
  /**
   * A resource state object to keep the slot in (at `state.incremental[cursorPath]`). Given, the
   * transform binds to it even inside a run; omitted outside a run, a fresh object is used.
   * @default {the running resource's state, else {}}
   */
  state?: Record<string, unknown>;
  /**
   * The name used in errors and warnings of a standalone transform.
   * @default {"standalone"}
   */
  resourceName?: string;
  /**
   * The primary key to inherit, as a resource's would be.
   * @default {undefined}
   */
  primaryKey?: string | readonly string[];
  /**
   * Where warnings go.
   * @default {console.warn}
   */
  warn?: (message: string) => void;
}
