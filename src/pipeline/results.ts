/**
 * What the pipeline's inspection and editing methods return.
 *
 * @module
 */
import type { PipelineState } from "../state/state_document.ts";

/**
 * A committed state version, as `stateHistory()` returns it.
 *
 * @example Listing the committed state versions
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "numbers",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const numbers = dlt.resource(function* () {
 *   const state = dlt.current.resourceState<{ last?: number }>();
 *   state.last = (state.last ?? 0) + 1;
 *   yield { n: state.last };
 * }, { name: "numbers" });
 * await p.run(numbers);
 * await p.run(numbers);
 * const history: dlt.StateVersion[] = await p.stateHistory();
 * console.log(history.map((v) => v.state.sources?.numbers?.resources?.numbers));
 * // [ { last: 1 }, { last: 2 } ]
 * ```
 */
export interface StateVersion {
  /** `_state_version`. */
  version: number;
  /** The load that committed it. */
  loadId: string;
  /** When it was made. */
  createdAt: string;
  /** `_version_hash`. */
  versionHash: string;
  /** The decoded state (no `_local`). */
  state: PipelineState;
}

/**
 * A package waiting to be loaded, as `pendingPackages()` returns it.
 *
 * @example Checking for loads a crashed run left behind
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "items",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }], { tableName: "items" });
 * const pending: dlt.PendingPackageInfo[] = await p.pendingPackages();
 * for (const pkg of pending) console.log(pkg.loadId, pkg.stateVersion, pkg.rowCounts);
 * console.log(pending.length); // 0: the run finished its load
 * ```
 */
export interface PendingPackageInfo {
  /** The load id. */
  loadId: string;
  /** When its extract was committed. */
  createdAt: string;
  /** The state version it commits. */
  stateVersion: number;
  /** Rows per table. */
  rowCounts: Record<string, number>;
}

/**
 * The result of `pipeline.commitState()`.
 *
 * @example Editing the state outside a run
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const orders = dlt.resource(function* () {
 *   dlt.current.resourceState().lastId = 10;
 *   yield { id: 10 };
 * }, { name: "orders" });
 * await p.run(orders);
 * const result: dlt.CommitResult = await p.commitState((state) => {
 *   state.sources!.shop.resources!.orders.lastId = 5; // the next run loads ids above 5 again
 * });
 * console.log(result.changed, result.stateVersion); // true 2
 * ```
 */
export interface CommitResult {
  /** False when the edit changed nothing (nothing was written). */
  changed: boolean;
  /** The committed state version afterwards. */
  stateVersion: number;
  /** The load that carried the change. */
  loadId?: string;
}
