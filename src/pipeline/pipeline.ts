/**
 * The pipeline: its options and public methods. `run()` follows the run protocol of DESIGN.md §5,
 * one step per file: lock (`lock.ts`), sync (`sync.ts`), pending loads (`pending.ts`), extract
 * (`extract.ts`, checkpoints in `checkpoint.ts`), commit (`commit.ts`), load (`load.ts`). Edits
 * outside a run are in `edits.ts`, read-only views in `history.ts`.
 *
 * @module
 */
import { join } from "node:path";
import { ConfigurationError, PipelineStepFailed } from "../errors.ts";
import { validateName } from "../storage/names.ts";
import { LocalStateStore } from "../state/local_store.ts";
import type { PipelineState } from "../state/state_document.ts";
import { filesystem, FilesystemDestination } from "../destinations/filesystem.ts";
import { DatasetStore } from "../destinations/dataset_store.ts";
import { Dataset } from "../destinations/dataset.ts";
import type { LoadRow } from "../destinations/dlt_tables.ts";
import { resolvePipelineSettings } from "../config/pipeline_settings.ts";
import { defaultPipelinesDir } from "../config/pipelines_dir.ts";
import type { PipelineEnv } from "./_env.ts";
import { checkPipelineOptions } from "./_check_pipeline_options.ts";
import { type DropOptions, type DropPlan, planDrop } from "./drop.ts";
import * as edits from "./edits.ts";
import { extractSources, newExtractRun } from "./extract.ts";
import { installCheckpoints } from "./checkpoint.ts";
import * as history from "./history.ts";
import type { LoadInfo } from "./load_info.ts";
import { type LockWait, withPipelineLock } from "./lock.ts";
import type { Logger, PipelineOptions, RunData, RunOptions } from "./options.ts";
import { loadPendingPackages } from "./pending.ts";
import { createProgressReporter } from "./progress.ts";
import type { CommitResult, PendingPackageInfo, StateVersion } from "./results.ts";
import { describeStopReason } from "./load_info.ts";
import { prepareRun, resolveExtractSettings } from "./run_options.ts";
import { countProgress, reportDone, reportFailedStop } from "./_run_report.ts";
import { RunLoads } from "./run_loads.ts";
import { freshState, syncForRun } from "./sync.ts";
import { readPipelineRecord, readSchemas, recordWorkingDir } from "./working_dir.ts";

export type {
  CheckpointEvery,
  Logger,
  NextItemMode,
  PipelineOptions,
  RunData,
  RunOptions,
  StateSizeLimits,
} from "./options.ts";
export type { CommitResult, PendingPackageInfo, StateVersion } from "./results.ts";
export type { ProgressEvent } from "./progress.ts";
export { defaultPipelinesDir } from "../config/pipelines_dir.ts";

const defaultLogger: Logger = {
  warn: (message) => console.warn(`dlt: ${message}`),
  info: () => {},
};

/**
 * A pipeline with a memory. Create one with {@linkcode pipeline}; two objects with the same name
 * and pipelines dir are the same pipeline, and only one of them runs at a time.
 *
 * @example Running a pipeline and reading its state
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p: dlt.Pipeline = dlt.pipeline({
 *   pipelineName: "items",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }, { id: 2 }], { tableName: "items" });
 * console.log(p.state._state_version, await p.dataset().table("items").count()); // 1 2
 * ```
 */
export class Pipeline {
  /** The pipeline name. */
  readonly pipelineName: string;
  /** The dataset in the destination. */
  readonly datasetName: string;
  /** The folder of working dirs. */
  readonly pipelinesDir: string;
  /** `<pipelinesDir>/<pipelineName>`. */
  readonly workingDir: string;
  /** The destination, if any. */
  readonly destination: FilesystemDestination | undefined;
  /** Whether state is restored from and written to the destination. */
  readonly restoreFromDestination: boolean;
  readonly #env: PipelineEnv;

  /** Use {@linkcode pipeline} instead. */
  constructor(options: PipelineOptions) {
    checkPipelineOptions(options);
    this.pipelineName = validateName("pipeline", options.pipelineName);
    // Explicit options win; then DLT_PIPELINES_DIR, DESTINATION__FILESYSTEM__BUCKET_URL,
    // <PIPELINE>__DATASET_NAME, … from the environment; then .dlt/*.yaml.
    const settings = resolvePipelineSettings(this.pipelineName, {
      pipelinesDir: options.pipelinesDir,
      datasetName: options.datasetName,
    });
    this.datasetName = validateName(
      "dataset",
      settings.datasetName ?? `${this.pipelineName}_dataset`,
    );
    if (
      options.destination !== undefined && !(options.destination instanceof FilesystemDestination)
    ) {
      throw new ConfigurationError(
        'Pass a destination made by dlt.destinations.filesystem({ bucketUrl: "…" })',
      );
    }
    this.destination = options.destination ??
      (settings.bucketUrl !== undefined
        ? filesystem({ bucketUrl: settings.bucketUrl })
        : undefined);
    this.restoreFromDestination = options.restoreFromDestination ?? true;
    this.pipelinesDir = settings.pipelinesDir ?? defaultPipelinesDir();
    this.workingDir = join(this.pipelinesDir, this.pipelineName);
    const warnStateBytes = options.stateSizeLimits?.warnBytes ?? 1 << 20;
    const maxStateBytes = options.stateSizeLimits?.maxBytes ?? 16 << 20;
    const progress = createProgressReporter(options.progress ?? false, this.pipelineName);
    this.#env = {
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      pipelinesDir: this.pipelinesDir,
      workingDir: this.workingDir,
      destination: this.destination,
      restoreFromDestination: this.restoreFromDestination,
      localStore: new LocalStateStore(this.workingDir),
      logger: options.logger ?? defaultLogger,
      report: progress ?? (() => {}),
      reportsProgress: progress !== undefined,
      warnStateBytes,
      maxStateBytes,
    };
  }

  /**
   * A deep copy of the committed state, read from the working dir (a fresh state when the
   * pipeline never ran here). Changing it changes nothing.
   */
  get state(): PipelineState {
    return this.#env.localStore.load() ?? freshState(this.#env);
  }

  /** A reader over the destination dataset. */
  dataset(): Dataset {
    return new Dataset(this.#datasetStore());
  }

  #datasetStore(): DatasetStore {
    if (!this.destination) {
      throw new ConfigurationError(
        `Give pipeline "${this.pipelineName}" a destination: dlt.pipeline({ destination: dlt.destinations.filesystem({ bucketUrl }) })`,
      );
    }
    return new DatasetStore(this.destination.bucket, this.datasetName, {
      layout: this.destination.layout,
    });
  }

  /** Runs `fn` under the pipeline lock with the dataset store. */
  #locked<T>(wait: LockWait | undefined, fn: (store: DatasetStore) => Promise<T>): Promise<T> {
    const store = this.#datasetStore();
    return withPipelineLock(this.#env, wait, () => fn(store));
  }

  /**
   * Runs sources, resources or plain data: syncs state from the destination, loads packages
   * left pending by an earlier run, extracts, commits the state with the data, and loads.
   * Failures reach the caller as {@linkcode PipelineStepFailed}.
   */
  async run(data: RunData, options: RunOptions = {}): Promise<LoadInfo> {
    const env = this.#env;
    const sources = prepareRun(data, options, this.pipelineName);
    const settings = resolveExtractSettings(options, this.pipelineName, sources.map((s) => s.name));
    try {
      // A stopped run writes nothing, not even the lock file.
      if (options.signal?.aborted) {
        throw new PipelineStepFailed("extract", undefined, options.signal.reason);
      }
      // 1. Lock: one run of this pipeline at a time (lock.ts).
      return await this.#locked(options.wait, async (store) => {
        const startedAt = new Date();
        // 2. Sync: adopt the destination's newest committed state if it is newer (sync.ts).
        env.report({ stage: "sync", message: "restoring state" });
        const synced = await syncForRun(env, store);
        // 3. Pending loads: finish what an earlier run committed but did not load (pending.ts).
        const pending = await loadPendingPackages(env, store, synced);
        await recordWorkingDir(env);
        const loads = new RunLoads(env, store, pending.state, {
          schemas: await readSchemas(env.workingDir),
          startedAt,
          pendingLoadIds: pending.loadIds,
        });
        // 4. Extract the sources into a package (extract.ts); at checkpoints, 5 and 6 mid-run.
        const run = newExtractRun(env, pending.state, sources, {
          schemas: loads.schemas,
          startedAt,
          refresh: options.refresh,
          pipeline: this,
          settings,
          signal: options.signal,
        });
        if (env.reportsProgress) countProgress(env, run);
        if (options.checkpointEvery) installCheckpoints(env, run, options.checkpointEvery, loads);
        env.report({ stage: "extract", message: "extracting" });
        const outcome = await extractSources(env, run, sources).catch((error) => {
          reportFailedStop(env, options.signal, error);
          throw error;
        });
        // 5. Commit the extract (commit.ts), then 6. load it (load.ts): when the signal stopped
        // the run, this is its last checkpoint.
        await loads.commitAndLoad(run.pkg, run.state);
        const stop = outcome.stopped ? describeStopReason(outcome.reason) : undefined;
        return reportDone(env, loads.info(run.state._state_version, stop));
      });
      // 7. The lock is released, whatever happened.
    } catch (error) {
      env.report({ stage: "failed", message: (error as Error).message });
      throw error;
    }
  }

  /**
   * Restores the newest committed state from the destination now (when it is newer than the
   * local one; always with `force`, which also discards pending packages), without running
   * anything.
   */
  async syncDestination(options: { force?: boolean; wait?: LockWait } = {}): Promise<void> {
    await this.#locked(
      options.wait,
      (store) => edits.syncFromDestination(this.#env, store, options.force ?? false),
    );
  }

  /**
   * Deletes the local working dir (state, pending packages). The destination is untouched: the
   * next run restores the state from it.
   */
  async drop(): Promise<void> {
    await withPipelineLock(this.#env, false, async () => {
      for await (const entry of Deno.readDir(this.workingDir)) {
        if (entry.name === ".lock" || entry.name === ".lock.pid") continue; // the held lock
        await Deno.remove(join(this.workingDir, entry.name), { recursive: true });
      }
    });
  }

  /**
   * Changes the state outside a run and commits the change as a new state version (a load that
   * holds only the state row). Nothing is edited in place.
   */
  commitState(
    edit: (state: PipelineState) => void | Promise<void>,
    options: { wait?: LockWait } = {},
  ): Promise<CommitResult> {
    return this.#locked(options.wait, (store) => edits.commitStateEdit(this.#env, store, edit));
  }

  /** What {@linkcode Pipeline.dropResources} would drop, without dropping it. */
  async planDrop(options: DropOptions): Promise<DropPlan> {
    return planDrop(this.state, Object.fromEntries(await readSchemas(this.workingDir)), options);
  }

  /**
   * dlt's `pipeline drop`: resets the tables of the matching resources (they read as dropped and
   * leave the schema), deletes their state and the given source state paths, and commits that as
   * a new state version. With `stateOnly`, tables are left alone.
   */
  dropResources(
    options: DropOptions & { wait?: LockWait },
  ): Promise<DropPlan & { loadId?: string; stateVersion: number }> {
    return this.#locked(options.wait, (store) => edits.dropResources(this.#env, store, options));
  }

  /** Every committed state version of this pipeline in the destination, oldest first. */
  stateHistory(): Promise<StateVersion[]> {
    return history.stateHistory(this.#env, this.#datasetStore());
  }

  /** The committed loads of this pipeline, oldest first. */
  loads(): Promise<LoadRow[]> {
    return history.committedLoads(this.#env, this.#datasetStore());
  }

  /** Packages committed by extract but not loaded yet (a run died), oldest first. */
  pendingPackages(): Promise<PendingPackageInfo[]> {
    return history.pendingPackages(this.#env);
  }

  /**
   * Discards pending packages and goes back to the destination's committed state, so that the
   * cursors do not stay past data that was never loaded. Returns the discarded load ids.
   */
  dropPendingPackages(options: { wait?: LockWait } = {}): Promise<string[]> {
    return this.#locked(options.wait, (store) => edits.dropPendingPackages(this.#env, store));
  }

  /**
   * Withdraws committed loads of this pipeline: writes `_dlt_loads` rows with status 2 and marks
   * their state versions withdrawn, so that readers skip their rows and restores their state. No
   * file is edited. When the newest version is withdrawn, the pipeline continues from the newest
   * one that is not (its cursors), recorded as a new state version. A table a withdrawn load
   * replaced (replace, refresh, drop) reads empty afterwards: the files it replaced were deleted
   * when it was committed. Returns the state version afterwards.
   */
  async revertLoads(
    loadIds: readonly string[],
    options: { wait?: LockWait } = {},
  ): Promise<number> {
    const schemaName = this.state.default_schema_name ?? this.pipelineName;
    return await this.#locked(
      options.wait,
      (store) => edits.revertLoads(this.#env, store, loadIds, schemaName),
    );
  }
}

/**
 * Creates a pipeline.
 *
 * @example Running a resource twice: the second run loads only what is new
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const numbers = dlt.resource(function* () {
 *   const state = dlt.current.resourceState<{ last?: number }>();
 *   const start = (state.last ?? 0) + 1;
 *   for (let n = start; n < start + 3; n++) yield { n };
 *   state.last = start + 2;
 * }, { name: "numbers" });
 * const p = dlt.pipeline({
 *   pipelineName: "numbers",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run(numbers);
 * await p.run(numbers);
 * console.log(await p.dataset().table("numbers").count()); // 6
 * ```
 */
export function pipeline(options: PipelineOptions): Pipeline {
  return new Pipeline(options);
}

/**
 * Opens a pipeline that ran before in `pipelinesDir`, by name alone: its destination and dataset
 * come from the working dir.
 *
 * @example Inspecting a pipeline from another script
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * try {
 *   const p = dlt.attach({ pipelineName: "github_sync" });
 *   console.log(p.state._state_version);
 * } catch (error) {
 *   console.log((error as Error).name); // ConfigurationError when it never ran here
 * }
 * ```
 */
export function attach(
  options: Omit<PipelineOptions, "destination" | "datasetName">,
): Pipeline {
  const name = validateName("pipeline", options.pipelineName);
  const pipelinesDir = resolvePipelineSettings(name, { pipelinesDir: options.pipelinesDir })
    .pipelinesDir ?? defaultPipelinesDir();
  const record = readPipelineRecord(join(pipelinesDir, name));
  if (!record) {
    throw new ConfigurationError(
      `Run pipeline "${name}" once before attaching to it: "${
        join(pipelinesDir, name)
      }" holds no pipeline`,
    );
  }
  return new Pipeline({
    ...options,
    pipelinesDir,
    datasetName: record.dataset_name,
    destination: record.destination
      ? filesystem({
        bucketUrl: record.destination.bucket_url,
        destinationName: record.destination.name ?? undefined,
      })
      : undefined,
  });
}
