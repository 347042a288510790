/**
 * The loads one run (or one edit outside a run) makes: each package is committed (`commit.ts`)
 * and then loaded (`load.ts`), at every checkpoint and at the end. Keeps the load ids, the rows
 * per table, and the committed state the next commit must start from.
 *
 * @module
 */
import { cloneState, type PipelineState } from "../state/state_document.ts";
import type { DatasetStore } from "../destinations/dataset_store.ts";
import type { Schema } from "../destinations/schema.ts";
import type { PipelineEnv } from "./_env.ts";
import { commitExtract } from "./commit.ts";
import type { ExtractPackage } from "./extract_run.ts";
import { LoadInfo } from "./load_info.ts";
import { compactMergeTables, loadPackage } from "./load.ts";
import { ownValue, setOwn } from "../state/own_keys.ts";

/** Commits and loads the packages of one run, in order. */
export class RunLoads {
  /** Every load committed, pending ones of earlier runs first. */
  readonly loadIds: string[];
  /** Rows per table committed by this run's packages. */
  readonly rowCounts: Record<string, number> = {};
  /** The working copies of the schemas, by source name. */
  readonly schemas: Map<string, Schema>;
  readonly #env: PipelineEnv;
  readonly #store: DatasetStore;
  readonly #startedAt: Date;
  readonly #pendingLoadIds: string[];
  readonly #firstRun: boolean;
  #base: PipelineState;

  /** Starts from the committed state `base`; `pendingLoadIds` were loaded before extracting. */
  constructor(
    env: PipelineEnv,
    store: DatasetStore,
    base: PipelineState,
    options: { schemas: Map<string, Schema>; startedAt: Date; pendingLoadIds?: string[] },
  ) {
    this.#env = env;
    this.#store = store;
    this.#base = base;
    this.schemas = options.schemas;
    this.#startedAt = options.startedAt;
    this.#pendingLoadIds = options.pendingLoadIds ?? [];
    this.loadIds = [...this.#pendingLoadIds];
    this.#firstRun = base._local.first_run !== false;
  }

  /** The committed state the next commit starts from. */
  get base(): PipelineState {
    return this.#base;
  }

  /**
   * Commits `pkg` with `state` and loads it. Returns the load id, or `undefined` when there was
   * nothing to commit. `state` is the committed state afterwards (its version bumped).
   */
  async commitAndLoad(pkg: ExtractPackage, state: PipelineState): Promise<string | undefined> {
    const env = this.#env;
    const pending = await commitExtract(env, this.#store, {
      state,
      base: this.#base,
      pkg,
      schemas: this.schemas,
      startedAt: this.#startedAt,
    });
    this.#base = cloneState(state);
    if (!pending) return undefined;
    await loadPackage(env, this.#store, pending);
    await compactMergeTables(env, this.#store, pending);
    if (state._local.first_run !== false) {
      state._local.first_run = false;
      await env.localStore.save(state);
    }
    this.loadIds.push(pending.loadId);
    for (const [table, n] of Object.entries(pkg.writer.rowCounts())) {
      setOwn(this.rowCounts, table, (ownValue(this.rowCounts, table) ?? 0) + n);
    }
    return pending.loadId;
  }

  /** What the run did, for `run()` to return; `stopReason` when its signal stopped it. */
  info(stateVersion: number, stopReason?: string): LoadInfo {
    const env = this.#env;
    return new LoadInfo({
      pipelineName: env.pipelineName,
      datasetName: env.datasetName,
      destinationType: env.destination?.destinationType ?? "none",
      bucketUrl: env.destination?.bucketUrl ?? "",
      loadIds: this.loadIds,
      pendingLoadIds: this.#pendingLoadIds,
      rowCounts: this.rowCounts,
      stateVersion,
      firstRun: this.#firstRun,
      startedAt: this.#startedAt,
      finishedAt: new Date(),
      stopReason,
    });
  }
}
