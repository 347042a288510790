/**
 * `incremental()`: load only what is new, with dlt's semantics (`dlt.sources.incremental`). An
 * {@linkcode Incremental} is the declaration; each run binds it to the resource's state as a
 * {@linkcode BoundIncremental}, which filters rows and keeps the cursor in
 * `resources.<resource>.incremental.<cursorPath>`.
 *
 * @module
 */
import { type RawOptions, resolveOptions } from "./_resolve_options.ts";
import { incrementalScope } from "./binding_scope.ts";
import { BoundIncremental } from "./bound_incremental.ts";
import type { CursorValue } from "./cursor_value.ts";
import type {
  IncrementalBinding,
  IncrementalOptions,
  IncrementalTransformOptions,
} from "./options.ts";
import type { IncrementalTransform } from "./transform.ts";

export { BoundIncremental, type IncrementalDeclaration } from "./bound_incremental.ts";
export type { CursorValue, TimeValue } from "./cursor_value.ts";
export type {
  IncrementalBinding,
  IncrementalOptions,
  IncrementalTransformOptions,
} from "./options.ts";
export { type IncrementalFilter, IncrementalTransform } from "./transform.ts";

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
    const running = incrementalScope.getStore()?.resolveIncremental?.(this);
    return (running as BoundIncremental<T> | undefined) ?? this.#standalone;
  }

  /** The `initialValue` option. */
  get initialValue(): T | undefined {
    return this.options.initialValue ?? undefined;
  }

  /**
   * The running binding's start value; outside a run, `initialValue`. A {@linkcode CursorValue}:
   * in a run it holds a row's value, which need not be of the type of `initialValue`.
   */
  get startValue(): CursorValue<T> | undefined {
    const bound = this.#current();
    return bound ? bound.startValue : this.initialValue as CursorValue<T> | undefined;
  }

  /**
   * The running binding's live last value; outside a run, `initialValue`. A
   * {@linkcode CursorValue}, as {@linkcode startValue}.
   */
  get lastValue(): CursorValue<T> | undefined {
    const bound = this.#current();
    return bound ? bound.lastValue : this.initialValue as CursorValue<T> | undefined;
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
