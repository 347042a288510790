/**
 * The pipeline: runs sources and resources, keeps their state across runs in the working dir and
 * in the destination, and follows the run protocol: lock, sync, pending loads, extract, commit,
 * load.
 *
 * @module
 */
import { join } from "node:path";
import { tmpdir } from "node:os";
import {
  ConfigurationError,
  DltError,
  MissingPermissionError,
  type PipelineStep,
  PipelineStepFailed,
  StateFileCorruptedError,
} from "../errors.ts";
import { validateName } from "../storage/names.ts";
import { writeFileAtomic } from "../storage/atomic_file.ts";
import { LocalStateStore } from "../state/local_store.ts";
import {
  bumpStateVersion,
  cloneState,
  newPipelineState,
  type PipelineState,
} from "../state/state_document.ts";
import { FilesystemDestination } from "../destinations/filesystem.ts";
import { DatasetStore } from "../destinations/dataset_store.ts";
import { Dataset } from "../destinations/dataset.ts";
import { makeStateRow } from "../destinations/dlt_tables.ts";
import {
  addDltColumns,
  bumpSchemaVersion,
  type Schema,
  type WriteDisposition,
} from "../destinations/schema.ts";
import { extractSource, type TableHints } from "./extract.ts";
import {
  discardUnfinishedPackages,
  listPendingPackages,
  packageToLoad,
  PackageWriter,
  type PendingPackage,
  removePackage,
} from "./load_package.ts";
import { type LockWait, PipelineLock } from "./lock.ts";
import { LoadInfo } from "./load_info.ts";
import { newLoadId } from "./_load_id.ts";
import {
  checkWriteDisposition,
  primaryKeyColumns,
  Resource,
  resource,
  type Row,
} from "./resource.ts";
import { Source } from "./source.ts";

/** Where warnings and progress lines go. */
export interface Logger {
  /** Something the user should know about. */
  warn(message: string): void;
  /** Progress. */
  info(message: string): void;
}

/** One progress report. */
export interface ProgressEvent {
  /** The step of the run. */
  stage: PipelineStep | "commit" | "done";
  /** A human-readable line. */
  message: string;
  /** The resource, during extract. */
  resource?: string;
  /** Rows extracted so far by this run. */
  rows?: number;
}

/** Options of {@linkcode pipeline}. */
export interface PipelineOptions {
  /** `[A-Za-z0-9_-]{1,64}`: names the working dir and the state rows. */
  pipelineName: string;
  /** Where the data goes. */
  destination?: FilesystemDestination;
  /** The dataset in the destination. @default `${pipelineName}_dataset` */
  datasetName?: string;
  /**
   * The folder of working dirs.
   * @default `DLT_PIPELINES_DIR`, else `~/.dlt/pipelines`, else a temp dir
   */
  pipelinesDir?: string;
  /** Restore state from the destination and write state rows to it. @default true */
  restoreFromDestination?: boolean;
  /** Progress reports: `"log"` lines on stderr, or a callback. @default false */
  progress?: false | "log" | "bar" | ((event: ProgressEvent) => void);
  /** Where warnings go. @default warnings on `console.warn` */
  logger?: Logger;
}

/** Options of {@linkcode Pipeline.run}. */
export interface RunOptions {
  /** The table for plain data (required then), or for every resource of the call. */
  tableName?: string;
  /** Overrides the write disposition of every resource of the call. */
  writeDisposition?: WriteDisposition;
  /** Overrides the primary key of every resource of the call. */
  primaryKey?: string | readonly string[];
  /** Drop tables and/or state before this call (see the README). */
  refresh?: "drop_sources" | "drop_resources" | "drop_data";
  /** Wait for another run of this pipeline to finish instead of failing. @default false */
  wait?: LockWait;
}

/** What `run()` accepts. */
export type RunData =
  | Source
  // deno-lint-ignore no-explicit-any
  | Resource<any, any>
  // deno-lint-ignore no-explicit-any
  | readonly (Source | Resource<any, any>)[]
  | readonly Row[]
  | Iterable<unknown>
  | AsyncIterable<unknown>
  | ReadableStream<unknown>;

const RUN_OPTION_KEYS = new Set(["tableName", "writeDisposition", "primaryKey", "refresh", "wait"]);
const REFRESH_MODES = ["drop_sources", "drop_resources", "drop_data"];

function defaultPipelinesDir(): string {
  try {
    const fromEnv = Deno.env.get("DLT_PIPELINES_DIR");
    if (fromEnv) return fromEnv;
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    if (home) return join(home, ".dlt", "pipelines");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
  return join(tmpdir(), "dlt-pipelines");
}

const defaultLogger: Logger = {
  warn: (message) => console.warn(`dlt: ${message}`),
  info: () => {},
};

/** Turns permission failures into {@linkcode MissingPermissionError}, others pass through. */
function explainPermission(error: unknown, permission: string, target: string): unknown {
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    const kind = error instanceof Deno.errors.PermissionDenied ? "write" : permission;
    return new MissingPermissionError(kind, target, { cause: error });
  }
  return error;
}

/**
 * A pipeline with a memory. Create one with {@linkcode pipeline}; two objects with the same name
 * and pipelines dir are the same pipeline, and only one of them runs at a time.
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
  readonly #store: LocalStateStore;
  readonly #logger: Logger;
  readonly #progress: ((event: ProgressEvent) => void) | undefined;

  /** Use {@linkcode pipeline} instead. */
  constructor(options: PipelineOptions) {
    if (options === null || typeof options !== "object") {
      throw new ConfigurationError('Pass pipeline({ pipelineName: "name", destination })');
    }
    this.pipelineName = validateName("pipeline", options.pipelineName);
    this.datasetName = validateName(
      "dataset",
      options.datasetName ?? `${this.pipelineName}_dataset`,
    );
    if (
      options.destination !== undefined && !(options.destination instanceof FilesystemDestination)
    ) {
      throw new ConfigurationError(
        'Pass a destination made by dlt.destinations.filesystem({ bucketUrl: "…" })',
      );
    }
    this.destination = options.destination;
    this.restoreFromDestination = options.restoreFromDestination ?? true;
    this.pipelinesDir = options.pipelinesDir ?? defaultPipelinesDir();
    this.workingDir = join(this.pipelinesDir, this.pipelineName);
    this.#store = new LocalStateStore(this.workingDir);
    this.#logger = options.logger ?? defaultLogger;
    const progress = options.progress ?? false;
    if (progress === "log" || progress === "bar") {
      this.#progress = (event) =>
        console.error(`dlt ${this.pipelineName} [${event.stage}] ${event.message}`);
    } else if (typeof progress === "function") this.#progress = progress;
    else if (progress !== false) {
      throw new ConfigurationError(
        `Set progress to false, "log", "bar" or a function: got ${JSON.stringify(progress)}`,
      );
    }
  }

  /**
   * A deep copy of the committed state, read from the working dir (a fresh state when the
   * pipeline never ran here). Changing it changes nothing.
   */
  get state(): PipelineState {
    return this.#store.load() ?? newPipelineState(this.pipelineName, this.datasetName);
  }

  /** A reader over the destination dataset. */
  dataset(): Dataset {
    return new Dataset(new DatasetStore(this.#requireDestination().bucket, this.datasetName));
  }

  #requireDestination(): FilesystemDestination {
    if (!this.destination) {
      throw new ConfigurationError(
        `Give pipeline "${this.pipelineName}" a destination: dlt.pipeline({ destination: dlt.destinations.filesystem({ bucketUrl }) })`,
      );
    }
    return this.destination;
  }

  #report(event: ProgressEvent): void {
    this.#progress?.(event);
  }

  /**
   * Runs sources, resources or plain data: syncs state from the destination, loads packages
   * left pending by an earlier run, extracts, commits the state with the data, and loads.
   * Failures reach the caller as {@linkcode PipelineStepFailed}.
   */
  async run(data: RunData, options: RunOptions = {}): Promise<LoadInfo> {
    const sources = this.#prepareRun(data, options);
    const destination = this.#requireDestination();
    const store = new DatasetStore(destination.bucket, this.datasetName);
    let lock: PipelineLock;
    try {
      lock = await PipelineLock.acquire(this.workingDir, this.pipelineName, options.wait ?? false);
    } catch (error) {
      throw explainPermission(error, "write", this.pipelinesDir);
    }
    try {
      return await this.#runLocked(sources, store, options);
    } finally {
      lock.release();
    }
  }

  #prepareRun(data: RunData, options: RunOptions): Source[] {
    if (options === null || typeof options !== "object") {
      throw new ConfigurationError("Pass run() options as an object");
    }
    for (const key of Object.keys(options)) {
      if (!RUN_OPTION_KEYS.has(key)) {
        throw new ConfigurationError(
          `Remove unknown run() option "${key}": known options are ${
            [...RUN_OPTION_KEYS].join(", ")
          }`,
        );
      }
    }
    if (options.refresh !== undefined && !REFRESH_MODES.includes(options.refresh)) {
      throw new ConfigurationError(
        `Set refresh to "drop_sources", "drop_resources" or "drop_data": got ${
          JSON.stringify(options.refresh)
        }`,
      );
    }
    if (options.writeDisposition !== undefined) {
      checkWriteDisposition(options.writeDisposition, "run() option writeDisposition");
    }
    if (options.primaryKey !== undefined) primaryKeyColumns(options.primaryKey);
    if (options.tableName !== undefined) validateName("table", options.tableName);
    const overrides = {
      ...(options.tableName !== undefined ? { tableName: options.tableName } : {}),
      ...(options.writeDisposition !== undefined
        ? { writeDisposition: options.writeDisposition }
        : {}),
      ...(options.primaryKey !== undefined ? { primaryKey: options.primaryKey } : {}),
    };
    const hasOverrides = Object.keys(overrides).length > 0;
    // deno-lint-ignore no-explicit-any
    const withOverrides = (r: Resource<any, any>) => hasOverrides ? r.with(overrides) : r;

    const items: unknown[] =
      Array.isArray(data) && data.every((d) => d instanceof Source || d instanceof Resource)
        ? data
        : [data];
    const sources: Source[] = [];
    // deno-lint-ignore no-explicit-any
    const standalone: Resource<any, any>[] = [];
    for (const item of items) {
      if (item instanceof Source) {
        sources.push(
          hasOverrides
            ? new Source(item.name, async (ctx) => (await item.resolve(ctx)).map(withOverrides))
            : item,
        );
      } else if (item instanceof Resource) standalone.push(withOverrides(item));
      else {
        if (options.tableName === undefined) {
          throw new ConfigurationError(
            "Pass run(rows, { tableName }) for plain data: the table name is missing",
          );
        }
        standalone.push(resource(item as Iterable<unknown>, {
          name: options.tableName,
          tableName: options.tableName,
          writeDisposition: options.writeDisposition,
          primaryKey: options.primaryKey,
        }));
      }
    }
    if (standalone.length > 0) sources.push(new Source(this.pipelineName, standalone));
    const names = new Set<string>();
    for (const source of sources) {
      if (names.has(source.name)) {
        throw new ConfigurationError(
          `Run each source once per call: "${source.name}" appears twice (standalone resources belong to the source "${this.pipelineName}")`,
        );
      }
      names.add(source.name);
    }
    return sources;
  }

  /** Reads the local state; a damaged file is reported and treated as missing. */
  #readLocalState(): { state: PipelineState | undefined; damaged?: StateFileCorruptedError } {
    try {
      return { state: this.#store.load() };
    } catch (error) {
      if (error instanceof StateFileCorruptedError) return { state: undefined, damaged: error };
      throw explainPermission(error, "read", this.workingDir);
    }
  }

  /**
   * Adopts the destination's newest committed state when the local one is missing or older
   * (or equally new but different). Returns the state to run from.
   */
  async #sync(store: DatasetStore): Promise<PipelineState> {
    const { state: local, damaged } = this.#readLocalState();
    if (!this.restoreFromDestination) {
      if (damaged) throw damaged;
      return local ?? newPipelineState(this.pipelineName, this.datasetName);
    }
    await store.checkUsable();
    const remote = await store.newestCommittedState(this.pipelineName);
    if (!remote) {
      if (damaged) {
        throw new StateFileCorruptedError(
          damaged.file,
          (damaged.cause as Error | undefined)?.message ?? damaged.message,
          `Delete "${damaged.file}" to start pipeline "${this.pipelineName}" from empty state, or restore it from a backup; the destination holds no state to recover from`,
        );
      }
      return local ?? newPipelineState(this.pipelineName, this.datasetName);
    }
    if (damaged) {
      this.#logger.warn(
        `${damaged.message}; recovered state version ${remote.state._state_version} from the destination`,
      );
    }
    const remoteVersion = remote.state._state_version;
    if (
      local && (remoteVersion < local._state_version ||
        (remoteVersion === local._state_version &&
          remote.state._version_hash === local._version_hash))
    ) {
      return local;
    }
    const adopted = remote.state;
    adopted._local = {
      ...(local?._local ?? {}),
      first_run: false,
      _last_extracted_hash: adopted._version_hash,
    };
    if (adopted.dataset_name !== this.datasetName) {
      this.#logger.warn(
        `State restored from the destination names dataset "${adopted.dataset_name}"; keeping "${this.datasetName}" as given`,
      );
      adopted.dataset_name = this.datasetName;
    }
    const schemas: Record<string, Schema> = {};
    for (const name of adopted.schema_names ?? []) {
      const schema = await store.newestSchema(name);
      if (schema) schemas[name] = schema;
    }
    await this.#saveSchemas(schemas);
    await this.#store.save(adopted);
    return adopted;
  }

  async #readSchemas(): Promise<Record<string, Schema>> {
    try {
      return JSON.parse(await Deno.readTextFile(join(this.workingDir, "schemas.json")));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) return {};
      throw error;
    }
  }

  async #saveSchemas(schemas: Record<string, Schema>): Promise<void> {
    await writeFileAtomic(
      join(this.workingDir, "schemas.json"),
      new TextEncoder().encode(JSON.stringify(schemas, null, 1) + "\n"),
    );
  }

  /** Loads pending packages, oldest first; adopts the state a package committed when it is newer. */
  async #loadPending(
    store: DatasetStore,
    state: PipelineState,
  ): Promise<{ state: PipelineState; loadIds: string[] }> {
    const pending = await listPendingPackages(
      this.workingDir,
      (error) => this.#logger.warn(error.message),
    );
    const loadIds: string[] = [];
    for (const pkg of pending) {
      this.#logger.warn(
        `Loading package "${pkg.loadId}" left pending by an earlier run before extracting new data`,
      );
      state = await this.#adoptPackageState(pkg, state);
      await this.#loadPackage(store, pkg);
      loadIds.push(pkg.loadId);
    }
    return { state, loadIds };
  }

  async #adoptPackageState(pkg: PendingPackage, state: PipelineState): Promise<PipelineState> {
    if (pkg.manifest.state_version <= state._state_version) return state;
    const snapshot = new LocalStateStore(pkg.dir).load();
    if (!snapshot || snapshot._state_version <= state._state_version) return state;
    snapshot._local = { ...state._local, ...snapshot._local };
    await this.#store.save(snapshot);
    return snapshot;
  }

  async #loadPackage(store: DatasetStore, pkg: PendingPackage): Promise<void> {
    this.#report({ stage: "load", message: `loading ${pkg.loadId}` });
    try {
      await store.load(packageToLoad(pkg));
      await removePackage(pkg);
    } catch (error) {
      throw new PipelineStepFailed(
        "load",
        pkg.loadId,
        explainPermission(error, "write", store.bucket.url),
      );
    }
  }

  async #runLocked(
    sources: Source[],
    store: DatasetStore,
    _options: RunOptions,
  ): Promise<LoadInfo> {
    const startedAt = new Date();
    let state: PipelineState;
    let firstRun: boolean;
    this.#report({ stage: "sync", message: "restoring state" });
    try {
      await discardUnfinishedPackages(this.workingDir);
      state = await this.#sync(store);
    } catch (error) {
      throw new PipelineStepFailed(
        "sync",
        undefined,
        explainPermission(error, "read", store.bucket.url),
      );
    }
    firstRun = state._local.first_run !== false;
    const pending = await this.#loadPending(store, state);
    state = pending.state;
    firstRun = firstRun && state._local.first_run !== false;

    const loadId = newLoadId();
    const working = cloneState(state);
    const schemas = new Map(Object.entries(await this.#readSchemas()));
    const writer = new PackageWriter(this.workingDir, loadId);
    const tables = new Map<string, TableHints>();
    const controller = new AbortController();
    let rows = 0;
    this.#report({ stage: "extract", message: "extracting" });
    try {
      for (const source of sources) {
        await extractSource(source, {
          pipeline: this,
          state: working,
          writer,
          loadId,
          schemas,
          tables,
          startedAt,
          signal: controller.signal,
          warn: (message) => this.#logger.warn(message),
          afterItem: this.#progress
            ? (resourceName) => {
              rows++;
              if (rows % 1000 === 0) {
                this.#report({
                  stage: "extract",
                  message: `${rows} items`,
                  resource: resourceName,
                  rows,
                });
              }
            }
            : undefined,
        });
      }
      this.#applyProps(working, sources);
      bumpStateVersion(working);
    } catch (error) {
      controller.abort(error);
      await writer.discard();
      throw new PipelineStepFailed(
        "extract",
        loadId,
        explainPermission(error, "write", this.workingDir),
      );
    }
    controller.abort();

    const changedSchemas: Schema[] = [];
    for (const [name, hints] of tables) {
      const schema = schemas.get(hints.sourceName)!;
      const table = schema.tables[name];
      if (table) addDltColumns(table);
    }
    for (const schema of schemas.values()) {
      if (bumpSchemaVersion(schema)) changedSchemas.push(schema);
    }
    const rowCounts = writer.rowCounts();
    const stateChanged = working._version_hash !== working._local._last_extracted_hash;
    const sendState = stateChanged && this.restoreFromDestination;
    const hasTables = tables.size > 0;
    const loadIds = [...pending.loadIds];
    if (!hasTables && !sendState && changedSchemas.length === 0) {
      await writer.discard();
      if (working._version_hash !== state._version_hash) {
        await this.#store.save(working); // a local-only change (no state rows are sent)
      }
      return this.#info(loadIds, pending.loadIds, rowCounts, working, firstRun, startedAt);
    }

    this.#report({ stage: "commit", message: `committing ${loadId}` });
    let pkg: PendingPackage;
    try {
      const defaultSchema = working.default_schema_name ?? this.pipelineName;
      if (sendState) {
        working._local._last_extracted_hash = working._version_hash;
        working._local._last_extracted_at = new Date().toISOString();
      }
      const manifest = await writer.commit({
        load_id: loadId,
        pipeline_name: this.pipelineName,
        schema_name: defaultSchema,
        schema_version_hash: schemas.get(defaultSchema)?.version_hash ?? null,
        created_at: new Date().toISOString(),
        state_version: working._state_version,
        tables: [...tables].map(([name, hints]) => ({
          name,
          write_disposition: hints.writeDisposition,
          ...(hints.primaryKey.length > 0 ? { primary_key: hints.primaryKey } : {}),
        })),
        state_row: sendState
          ? await makeStateRow(working, loadId, `${loadId}.state`, startedAt)
          : undefined,
        schemas: changedSchemas,
      }, working);
      await this.#saveSchemas(Object.fromEntries(schemas));
      await this.#store.save(working);
      pkg = { loadId, dir: join(this.workingDir, "load", loadId), manifest };
    } catch (error) {
      await writer.discard();
      throw new PipelineStepFailed(
        "extract",
        loadId,
        explainPermission(error, "write", this.workingDir),
      );
    }

    await this.#loadPackage(store, pkg);
    loadIds.push(loadId);
    if (working._local.first_run !== false) {
      working._local.first_run = false;
      await this.#store.save(working);
    }
    this.#report({ stage: "done", message: `loaded ${loadId}` });
    return this.#info(loadIds, pending.loadIds, rowCounts, working, firstRun, startedAt);
  }

  #applyProps(state: PipelineState, sources: Source[]): void {
    state.pipeline_name = this.pipelineName;
    state.dataset_name = this.datasetName;
    const names = new Set(state.schema_names ?? []);
    for (const source of sources) names.add(source.name);
    state.schema_names = [...names].sort();
    state.default_schema_name ??= sources[0]?.name ?? null;
    state.destination_type = this.destination?.destinationType ?? null;
    state.destination_name = this.destination?.destinationName ?? null;
  }

  #info(
    loadIds: string[],
    pendingLoadIds: string[],
    rowCounts: Record<string, number>,
    state: PipelineState,
    firstRun: boolean,
    startedAt: Date,
  ): LoadInfo {
    return new LoadInfo({
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      destinationType: this.destination?.destinationType ?? "none",
      bucketUrl: this.destination?.bucketUrl ?? "",
      loadIds,
      pendingLoadIds,
      rowCounts,
      stateVersion: state._state_version,
      firstRun,
      startedAt,
      finishedAt: new Date(),
    });
  }

  /**
   * Restores the newest committed state from the destination now (when it is newer than the
   * local one), without running anything.
   */
  async syncDestination(): Promise<void> {
    const store = new DatasetStore(this.#requireDestination().bucket, this.datasetName);
    const lock = await PipelineLock.acquire(this.workingDir, this.pipelineName, false);
    try {
      await this.#sync(store);
    } catch (error) {
      if (error instanceof DltError) throw error;
      throw new PipelineStepFailed("sync", undefined, error);
    } finally {
      lock.release();
    }
  }

  /**
   * Deletes the local working dir (state, pending packages). The destination is untouched: the
   * next run restores the state from it.
   */
  async drop(): Promise<void> {
    const lock = await PipelineLock.acquire(this.workingDir, this.pipelineName, false);
    try {
      for await (const entry of Deno.readDir(this.workingDir)) {
        if (entry.name === ".lock") continue;
        await Deno.remove(join(this.workingDir, entry.name), { recursive: true });
      }
    } finally {
      lock.release();
    }
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
