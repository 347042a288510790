/**
 * The binding scope: how an `Incremental` finds its binding in the run that is current, without
 * the incremental layer knowing the pipeline. The scope is an `AsyncLocalStorage`; whoever runs
 * resources (the pipeline's run context) enters it with a store that can resolve incrementals,
 * and an `Incremental` read inside asks
 * `incrementalScope.getStore()?.resolveIncremental?.(this)`. Outside any scope, nothing
 * resolves and an incremental reads as a fresh run would start.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { BoundIncremental } from "./bound_incremental.ts";
import type { IncrementalBinding } from "./options.ts";

/**
 * An incremental declaration as a scope sees it: its cursor path and how to bind it.
 * `Incremental` is the implementation; the scope names only what it uses, so that this file
 * stays below `incremental.ts`, which enters it.
 *
 * @example Binding a declaration found in the scope
 * ```ts
 * import { incremental } from "./incremental.ts";
 * import type { ScopedIncremental } from "./binding_scope.ts";
 *
 * const declared: ScopedIncremental = incremental<number>("id", { initialValue: 1 });
 * const bound = declared.bind({ resourceName: "r", resourceState: {} });
 * console.log(declared.cursorPath, bound.startValue); // id 1
 * ```
 */
export interface ScopedIncremental {
  /** The cursor path; also the key of the state slot. */
  readonly cursorPath: string;
  /** Binds the declaration to one run of one resource (`Incremental.bind`). */
  bind(binding: IncrementalBinding): BoundIncremental<unknown>;
}

/**
 * What the store of {@linkcode incrementalScope} offers the incremental layer. The pipeline's
 * run context extends it.
 *
 * @example A scope that resolves one incremental
 * ```ts
 * import { incremental } from "./incremental.ts";
 * import { type IncrementalScope, incrementalScope } from "./binding_scope.ts";
 *
 * const cursor = incremental<number>("id", { initialValue: 1 });
 * const bound = cursor.bind({ resourceName: "r", resourceState: {} });
 * const scope: IncrementalScope = {
 *   resolveIncremental: (inc) => (inc === cursor ? bound : undefined),
 * };
 * incrementalScope.run(scope, () => {
 *   bound.filterPage([{ id: 5 }]);
 *   console.log(cursor.lastValue); // 5
 * });
 * console.log(cursor.lastValue); // 1
 * ```
 */
export interface IncrementalScope {
  /**
   * The binding of `incremental` in the current run, or `undefined` when this scope has none
   * (the incremental then reads as outside a run).
   */
  resolveIncremental?(incremental: ScopedIncremental): BoundIncremental<unknown> | undefined;
}

/**
 * The one `AsyncLocalStorage` of the binding scope. The pipeline's run context uses it as its
 * own storage, so entering a run context enters the scope too (one `run()` per generator step).
 *
 * @example Outside any scope nothing resolves
 * ```ts
 * import { incrementalScope } from "./binding_scope.ts";
 *
 * console.log(incrementalScope.getStore()); // undefined
 * ```
 */
export const incrementalScope: AsyncLocalStorage<IncrementalScope> = new AsyncLocalStorage<
  IncrementalScope
>();
