/**
 * `incremental()`: load only what is new, with dlt's semantics (`dlt.sources.incremental`). An
 * {@linkcode Incremental} is the declaration; each run binds it to the resource's state as a
 * {@linkcode BoundIncremental}, which filters rows and keeps the cursor in
 * `resources.<resource>.incremental.<cursorPath>`.
 *
 * @module
 */
import { type RawOptions, resolveOptions } from "./_options.ts";
import { BoundIncremental } from "./bound_incremental.ts";
import type { IncrementalTransform } from "./transform.ts";

export { BoundIncremental } from "./bound_incremental.ts";
export { IncrementalTransform } from "./transform.ts";

/**
 * Options of {@linkcode incremental}, with dlt's semantics.
 *
 * @example A cursor with a lower and an upper bound
 * ```ts
 * import type { IncrementalOptions } from "./incremental.ts";
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
   * given `[rowValue, lastValue]` (or `[rowValue]`) that returns one of them.
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
 * What a pipeline run gives {@linkcode Incremental.bind}.
 *
 * @example Binding by hand
 * ```ts
 * import { incremental, type IncrementalBinding } from "./incremental.ts";
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
 * Options of {@linkcode Incremental.transform}.
 *
 * @example A standalone transform over a plain state object
 * ```ts
 * import { incremental, type IncrementalTransformOptions } from "./incremental.ts";
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

type Resolver = (incremental: Incremental<unknown>) => BoundIncremental<unknown> | undefined;

let resolver: Resolver | undefined;

/**
 * Registers how an {@linkcode Incremental} finds its binding in the run that is current (the
 * pipeline layer keeps that in an `AsyncLocalStorage`); the incremental layer cannot import it.
 *
 * @example Resolving from a map
 * ```ts
 * import { type BoundIncremental, type Incremental, setIncrementalResolver } from "./incremental.ts";
 *
 * const running = new Map<Incremental<unknown>, BoundIncremental<unknown>>();
 * setIncrementalResolver((incremental) => running.get(incremental));
 * ```
 */
export function setIncrementalResolver(
  // deno-lint-ignore no-explicit-any
  resolve: (incremental: Incremental<any>) => BoundIncremental<any> | undefined,
): void {
  resolver = resolve;
}

/**
 * A cursor declaration: which field to follow and how. Attach it to a resource
 * (`options.incremental`); each run binds it to the resource's state. Read-outs delegate to the
 * binding of the running resource; outside a run they show what a fresh run would start from.
 *
 * @example Declaring and reading a cursor
 * ```ts
 * import { Incremental } from "./incremental.ts";
 *
 * const updatedAt = new Incremental<string>("updated_at", { initialValue: "2024-01-01T00:00:00Z" });
 * console.log(updatedAt.cursorPath, updatedAt.startValue); // updated_at 2024-01-01T00:00:00Z
 * ```
 */
export class Incremental<T = unknown> {
  /** The field name or path of the cursor; also the key of its state slot. */
  readonly cursorPath: string;
  /** The options as given (frozen). */
  readonly options: Readonly<IncrementalOptions<T>>;
  #standalone: BoundIncremental<T> | undefined;

  /**
   * Declares a cursor on `cursorPath`. Throws `ConfigurationError` for a bad path, option or
   * range (`endValue` without `initialValue`, or not beyond it).
   */
  constructor(cursorPath: string, options: IncrementalOptions<T> = {}) {
    resolveOptions(cursorPath, options as RawOptions);
    this.cursorPath = cursorPath;
    this.options = Object.freeze({ ...options });
  }

  /**
   * Binds to one run of one resource. Creates the state slot as dlt does, unless `endValue` is
   * set (a backfill never writes it).
   */
  bind(binding: IncrementalBinding): BoundIncremental<T> {
    return new BoundIncremental(this, binding);
  }

  /**
   * The filter as a `TransformStream`. Inside a running resource that declares this incremental,
   * it is the run's binding; with `options.state` (or outside a run) it binds standalone to that
   * state object, and the read-outs of this incremental follow it.
   */
  transform<R extends object = Record<string, unknown>>(
    options: IncrementalTransformOptions = {},
  ): IncrementalTransform<T, R> {
    if (options.state === undefined) {
      const bound = this.#current();
      if (bound !== undefined && bound !== this.#standalone) return bound.transform<R>();
    }
    const bound = this.bind({
      resourceName: options.resourceName ?? "standalone",
      resourceState: options.state ?? {},
      primaryKey: options.primaryKey,
      warn: options.warn,
    });
    this.#standalone = bound;
    return bound.transform<R>();
  }

  #current(): BoundIncremental<T> | undefined {
    return (resolver?.(this as Incremental<unknown>) as BoundIncremental<T> | undefined) ??
      this.#standalone;
  }

  /** The `initialValue` option. */
  get initialValue(): T | undefined {
    return this.options.initialValue ?? undefined;
  }

  /** The running binding's start value; outside a run, `initialValue`. */
  get startValue(): T | undefined {
    const bound = this.#current();
    return bound ? bound.startValue : this.initialValue;
  }

  /** The running binding's live last value; outside a run, `initialValue`. */
  get lastValue(): T | undefined {
    const bound = this.#current();
    return bound ? bound.lastValue : this.initialValue;
  }

  /** The `endValue` option. */
  get endValue(): T | undefined {
    return this.options.endValue ?? undefined;
  }
}

/**
 * Declares an incremental cursor (dlt's `dlt.sources.incremental`).
 *
 * @example Loading only new issues
 * ```ts
 * import { incremental } from "./incremental.ts";
 *
 * const updatedAt = incremental<string>("updated_at", { initialValue: "2024-01-01T00:00:00Z" });
 * const state = {};
 * const rows = ReadableStream.from([
 *   { id: 1, updated_at: "2023-12-31T23:00:00Z" },
 *   { id: 2, updated_at: "2024-01-02T00:00:00+02:00" },
 * ]);
 * console.log(await Array.fromAsync(rows.pipeThrough(updatedAt.transform({ state }))));
 * // [ { id: 2, updated_at: "2024-01-02T00:00:00+02:00" } ]
 * ```
 */
export function incremental<T = unknown>(
  cursorPath: string,
  options?: IncrementalOptions<T>,
): Incremental<T> {
  return new Incremental<T>(cursorPath, options);
}
