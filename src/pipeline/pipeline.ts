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
  MissingPermissionError,
  PipelineLockedError,
  PipelineStepFailed,
  StateConflictError,
  StateFileCorruptedError,
  StateTooLargeError,
} from "../errors.ts";
import { validateName } from "../storage/names.ts";
import { LocalBucket } from "../storage/local_bucket.ts";
import { LocalStateStore } from "../state/local_store.ts";
import {
  bumpStateVersion,
  cloneState,
  newPipelineState,
  type PipelineState,
} from "../state/state_document.ts";
import { encodeTyped } from "../state/typed_json.ts";
import { filesystem, FilesystemDestination } from "../destinations/filesystem.ts";
import { compareLoadIds, DatasetStore } from "../destinations/dataset_store.ts";
import { Dataset } from "../destinations/dataset.ts";
import {
  decodeStateRow,
  isStateRow,
  type LoadRow,
  makeStateRow,
  STATE_TABLE,
} from "../destinations/dlt_tables.ts";
import { readRowsForward } from "../destinations/jsonl.ts";
import {
  addDltColumns,
  bumpSchemaVersion,
  type Schema,
  type WriteDisposition,
} from "../destinations/schema.ts";
import { type ExtractPackage, type ExtractRun, extractSource, registerResets } from "./extract.ts";
import { applyDrop, type DropOptions, type DropPlan, planDrop, type RefreshMode } from "./drop.ts";
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
import { faultPoint } from "./_faults.ts";
import { createProgressReporter, type ProgressEvent, type ProgressOption } from "./progress.ts";
import { resolvePipelineSettings } from "../config/pipeline_settings.ts";
import {
  readPipelineRecord,
  readSchemas,
  saveSchemas,
  writePipelineRecord,
} from "./working_dir.ts";
import {
  checkWriteDisposition,
  primaryKeyColumns,
  Resource,
  resource,
  type Row,
} from "./resource.ts";
import { Source } from "./source.ts";

/**
 * Where warnings and progress lines go.
 *
 * @example Collecting warnings instead of printing them
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const warnings: string[] = [];
 * const logger: dlt.Logger = { warn: (message) => warnings.push(message), info: () => {} };
 * const p = dlt.pipeline({
 *   pipelineName: "quiet",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 *   stateSizeLimits: { warnBytes: 10 },
 *   logger,
 * });
 * await p.run([{ id: 1 }], { tableName: "items" });
 * console.log(warnings[0].startsWith('The state of pipeline "quiet" is')); // true
 * ```
 */
export interface Logger {
  /** Something the user should know about. */
  warn(message: string): void;
  /** Progress. */
  info(message: string): void;
}

export type { ProgressEvent } from "./progress.ts";

/**
 * Limits on the encoded size of the state, checked at every commit.
 *
 * @example Failing a run whose state grew too big
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const stateSizeLimits: dlt.StateSizeLimits = { warnBytes: 200, maxBytes: 1_000 };
 * const p = dlt.pipeline({
 *   pipelineName: "ids",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 *   stateSizeLimits,
 *   logger: { warn: () => {}, info: () => {} },
 * });
 * const ids = dlt.resource(function* () {
 *   const state = dlt.current.resourceState<{ seen?: number[] }>();
 *   state.seen = Array.from({ length: 500 }, (_, i) => i); // ids belong in tables, not in state
 *   yield { id: 1 };
 * }, { name: "ids" });
 * try {
 *   await p.run(ids);
 * } catch (error) {
 *   console.log((error as Error).cause instanceof dlt.StateTooLargeError); // true
 * }
 * ```
 */
export interface StateSizeLimits {
  /** Warn above this many bytes. @default 1_048_576 */
  warnBytes?: number;
  /** Fail the run with `StateTooLargeError` above this many bytes. @default 16_777_216 */
  maxBytes?: number;
}

/**
 * Options of {@linkcode pipeline}.
 *
 * @example A pipeline configured in one place
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const options: dlt.PipelineOptions = {
 *   pipelineName: "github_sync",
 *   destination: dlt.destinations.filesystem({ bucketUrl: "./data" }),
 *   datasetName: "github",
 *   progress: "log",
 * };
 * const p = dlt.pipeline(options);
 * console.log(p.datasetName); // github
 * ```
 */
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
  /**
   * Progress reports: `"log"` lines on stderr, a live `"bar"` on a terminal (log lines
   * elsewhere), or a callback. @default false
   */
  progress?: ProgressOption;
  /** Where warnings go. @default warnings on `console.warn` */
  logger?: Logger;
  /** Size limits of the state. @default { warnBytes: 1 MiB, maxBytes: 16 MiB } */
  stateSizeLimits?: StateSizeLimits;
  /**
   * After how many seconds a state version claimed by another working dir whose load never
   * committed counts as abandoned (that run died) and may be taken over. @default 900
   */
  staleClaimSeconds?: number;
}

/**
 * When to commit a checkpoint in the middle of a run.
 *
 * @example Committing every 100 rows of a long extract
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "events",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const events = dlt.resource(function* () {
 *   for (let id = 1; id <= 250; id++) yield { id };
 * }, { name: "events" });
 * const checkpointEvery: dlt.CheckpointEvery = { rows: 100, seconds: 60 };
 * const info = await p.run(events, { checkpointEvery });
 * console.log(info.loadIds.length, info.rowCounts); // 3 { events: 250 }
 * ```
 */
export interface CheckpointEvery {
  /** After this many rows. */
  rows?: number;
  /** After this many seconds. */
  seconds?: number;
}

/**
 * Options of {@linkcode Pipeline.run}.
 *
 * @example Merging plain rows by primary key
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "crm",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const options: dlt.RunOptions = {
 *   tableName: "users",
 *   writeDisposition: "merge",
 *   primaryKey: "id",
 * };
 * await p.run([{ id: 1, name: "Ada" }], options);
 * await p.run([{ id: 1, name: "Ada Lovelace" }], options);
 * const rows = await p.dataset().table("users").toArray();
 * console.log(rows.map((row) => row.name)); // [ "Ada Lovelace" ]
 * ```
 */
export interface RunOptions {
  /** The table for plain data (required then), or for every resource of the call. */
  tableName?: string;
  /** Overrides the write disposition of every resource of the call. */
  writeDisposition?: WriteDisposition;
  /** Overrides the primary key of every resource of the call. */
  primaryKey?: string | readonly string[];
  /** Drop tables and/or state before this call, as dlt's refresh modes do. */
  refresh?: RefreshMode;
  /** Wait for another run of this pipeline to finish instead of failing. @default false */
  wait?: LockWait;
  /**
   * Commit the rows extracted so far, with the state as it was when the next item was yielded,
   * every so many rows or seconds: a run that dies resumes from its last checkpoint.
   */
  checkpointEvery?: CheckpointEvery;
}

/**
 * What `run()` accepts.
 *
 * @example Running an async generator of pages
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "pages",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * async function* pages() {
 *   yield [{ id: 1 }, { id: 2 }];
 *   yield [{ id: 3 }];
 * }
 * const data: dlt.RunData = pages();
 * console.log((await p.run(data, { tableName: "items" })).rowCounts); // { items: 3 }
 * ```
 */
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
 * The result of {@linkcode Pipeline.commitState}.
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

const RUN_OPTION_KEYS = new Set([
  "tableName",
  "writeDisposition",
  "primaryKey",
  "refresh",
  "wait",
  "checkpointEvery",
]);
const REFRESH_MODES = ["drop_sources", "drop_resources", "drop_data"];
/** A merge table read through more loads than this is folded into one file. */
const MERGE_COMPACTION_LOADS = 32;

/**
 * The pipelines dir when neither the options nor the configuration name one: `~/.dlt/pipelines`,
 * else a temp dir where there is no home (or it cannot be read).
 *
 * @example Where working dirs go by default
 * ```ts
 * import { defaultPipelinesDir } from "./pipeline.ts";
 * console.log(defaultPipelinesDir().length > 0); // true
 * ```
 */
export function defaultPipelinesDir(): string {
  try {
    const fromEnv = Deno.env.get("DLT_PIPELINES_DIR");
    if (fromEnv) return fromEnv;
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    // A home that does not exist or cannot be read (containers, Deno Deploy): a temp dir.
    if (home && Deno.statSync(home).isDirectory) return join(home, ".dlt", "pipelines");
  } catch (error) {
    if (
      !(error instanceof Deno.errors.NotCapable) && !(error instanceof Deno.errors.NotFound) &&
      !(error instanceof Deno.errors.PermissionDenied)
    ) throw error;
  }
  return join(tmpdir(), "dlt-pipelines");
}

const defaultLogger: Logger = {
  warn: (message) => console.warn(`dlt: ${message}`),
  info: () => {},
};

/** Turns permission failures into {@linkcode MissingPermissionError}, others pass through. */
function explainPermission(error: unknown, permission: string, target: string): unknown {
  if (error instanceof Deno.errors.NotCapable) {
    return new MissingPermissionError(permission, target, { cause: error });
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new MissingPermissionError(`${permission} (file system)`, target, { cause: error });
  }
  return error;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    Object.keys(value).length === 0;
}

/**
 * Removes the empty source and resource dictionaries a run created without writing anything in
 * them (reading state creates them, as in dlt), so that a run that wrote nothing changes nothing.
 */
function pruneCreatedEmptyStates(state: PipelineState, base: PipelineState): void {
  for (const [sourceName, source] of Object.entries(state.sources ?? {})) {
    const before = base.sources?.[sourceName];
    const resources = source.resources;
    if (resources) {
      for (const [name, resourceState] of Object.entries(resources)) {
        if (isEmptyObject(resourceState) && before?.resources?.[name] === undefined) {
          delete resources[name];
        }
      }
      if (isEmptyObject(resources) && before?.resources === undefined) delete source.resources;
    }
    if (isEmptyObject(source) && before === undefined) delete state.sources![sourceName];
  }
  if (isEmptyObject(state.sources) && base.sources === undefined) delete state.sources;
}

/** Everything a commit needs: the state to commit, and the package with its tables. */
interface CommitJob {
  store: DatasetStore;
  state: PipelineState;
  /** The committed state the change started from (for conflict detection). */
  base: PipelineState;
  pkg: ExtractPackage;
  schemas: Map<string, Schema>;
  startedAt: Date;
}

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
  readonly #store: LocalStateStore;
  readonly #logger: Logger;
  readonly #progress: ((event: ProgressEvent) => void) | undefined;
  readonly #warnBytes: number;
  readonly #maxBytes: number;
  readonly #staleClaimMs: number;

  /** Use {@linkcode pipeline} instead. */
  constructor(options: PipelineOptions) {
    if (options === null || typeof options !== "object") {
      throw new ConfigurationError('Pass pipeline({ pipelineName: "name", destination })');
    }
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
    this.#store = new LocalStateStore(this.workingDir);
    this.#logger = options.logger ?? defaultLogger;
    this.#progress = createProgressReporter(options.progress ?? false, this.pipelineName);
    this.#staleClaimMs = (options.staleClaimSeconds ?? 900) * 1000;
    if (!(this.#staleClaimMs >= 0)) {
      throw new ConfigurationError("Set staleClaimSeconds to a number of seconds (0 or more)");
    }
    this.#warnBytes = options.stateSizeLimits?.warnBytes ?? 1 << 20;
    this.#maxBytes = options.stateSizeLimits?.maxBytes ?? 16 << 20;
    if (!(this.#warnBytes > 0) || !(this.#maxBytes > 0)) {
      throw new ConfigurationError("Set stateSizeLimits to positive byte counts");
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
    return new Dataset(this.#datasetStore());
  }

  #datasetStore(): DatasetStore {
    if (!this.destination) {
      throw new ConfigurationError(
        `Give pipeline "${this.pipelineName}" a destination: dlt.pipeline({ destination: dlt.destinations.filesystem({ bucketUrl }) })`,
      );
    }
    return new DatasetStore(this.destination.bucket, this.datasetName);
  }

  #report(event: ProgressEvent): void {
    this.#progress?.(event);
  }

  /** Takes the lock, runs `fn`, releases the lock. */
  async #locked<T>(wait: LockWait | undefined, fn: () => Promise<T>): Promise<T> {
    let lock: PipelineLock;
    try {
      lock = await PipelineLock.acquire(this.workingDir, this.pipelineName, wait ?? false);
    } catch (error) {
      if (error instanceof PipelineLockedError) throw error;
      const cause = explainPermission(error, "write", this.pipelinesDir);
      throw cause instanceof MissingPermissionError
        ? cause
        : new PipelineStepFailed("sync", undefined, cause);
    }
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }

  /**
   * Runs sources, resources or plain data: syncs state from the destination, loads packages
   * left pending by an earlier run, extracts, commits the state with the data, and loads.
   * Failures reach the caller as {@linkcode PipelineStepFailed}.
   */
  async run(data: RunData, options: RunOptions = {}): Promise<LoadInfo> {
    const sources = this.#prepareRun(data, options);
    const store = this.#datasetStore();
    try {
      return await this.#locked(options.wait, () => this.#runLocked(sources, store, options));
    } catch (error) {
      this.#report({ stage: "failed", message: (error as Error).message });
      throw error;
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
    const checkpoint = options.checkpointEvery;
    if (
      checkpoint !== undefined &&
      (checkpoint === null || typeof checkpoint !== "object" ||
        !(checkpoint.rows === undefined || checkpoint.rows >= 1) ||
        !(checkpoint.seconds === undefined || checkpoint.seconds > 0) ||
        (checkpoint.rows === undefined && checkpoint.seconds === undefined))
    ) {
      throw new ConfigurationError(
        "Set checkpointEvery to { rows: n } and/or { seconds: s } with positive numbers",
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

    const items: unknown[] = Array.isArray(data) && data.length > 0 &&
        data.every((d) => d instanceof Source || d instanceof Resource)
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
   * (or equally new but different), or always with `force`. Returns the state to run from.
   */
  async #sync(store: DatasetStore, force = false): Promise<PipelineState> {
    const { state: local, damaged } = this.#readLocalState();
    if (!this.restoreFromDestination) {
      if (damaged) throw damaged;
      return local ?? newPipelineState(this.pipelineName, this.datasetName);
    }
    await store.checkUsable();
    const remoteRow = await store.newestCommittedStateRow(this.pipelineName);
    if (
      remoteRow && !force && local && (remoteRow.version < local._state_version ||
        (remoteRow.version === local._state_version &&
          remoteRow.version_hash === local._version_hash))
    ) {
      return local; // the usual case: nothing to adopt, nothing to decode
    }
    const remote = remoteRow && { row: remoteRow, state: await decodeStateRow(remoteRow) };
    if (!remote) {
      if (damaged) {
        throw new StateFileCorruptedError(
          damaged.file,
          damaged.message,
          `Delete "${damaged.file}" to start pipeline "${this.pipelineName}" from empty state, or restore it from a backup; the destination holds no state to recover from`,
        );
      }
      if (force && local) {
        const fresh = newPipelineState(this.pipelineName, this.datasetName);
        fresh._local = { ...local._local, _last_extracted_hash: undefined };
        await this.#store.save(fresh);
        return fresh;
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
      !force && local && (remoteVersion < local._state_version ||
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
    const schemas = new Map<string, Schema>();
    for (const name of adopted.schema_names ?? []) {
      const schema = await store.newestSchema(name);
      if (schema) schemas.set(name, schema);
    }
    await saveSchemas(this.workingDir, schemas);
    await this.#store.save(adopted);
    return adopted;
  }

  /** Sync, then pending loads: the common start of every state-changing operation. */
  async #prepareState(store: DatasetStore): Promise<{ state: PipelineState; loadIds: string[] }> {
    let state: PipelineState;
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
    const pending = await listPendingPackages(this.workingDir);
    if (pending.damaged) {
      // The local state counts the quarantined rows as loaded: go back to the committed state so
      // that the next run extracts them again.
      await this.#sync(store, true);
      throw new PipelineStepFailed(
        "load",
        pending.quarantined[0],
        new StateFileCorruptedError(
          pending.damaged.file,
          pending.damaged.message,
          `Run again to extract the rows of load(s) ${
            pending.quarantined.join(", ")
          } anew (moved to "${
            join(this.workingDir, "quarantine")
          }", state reset to the destination's)`,
        ),
      );
    }
    const loadIds: string[] = [];
    for (const pkg of pending.packages) {
      this.#logger.warn(
        `Loading package "${pkg.loadId}" left pending by an earlier run before extracting new data`,
      );
      state = await this.#adoptPackageState(pkg, state);
      await this.#loadPackage(store, pkg);
      loadIds.push(pkg.loadId);
    }
    if (loadIds.length > 0 && state._local.first_run !== false) {
      state._local.first_run = false;
      await this.#store.save(state);
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
    this.#report({ stage: "load", message: `loading ${pkg.loadId}`, loadId: pkg.loadId });
    try {
      await store.load(packageToLoad(pkg), faultPoint);
      await removePackage(pkg);
    } catch (error) {
      throw new PipelineStepFailed(
        "load",
        pkg.loadId,
        explainPermission(error, "write", store.bucket.url),
      );
    }
  }

  #newPackage(): ExtractPackage {
    const loadId = newLoadId();
    return { loadId, writer: new PackageWriter(this.workingDir, loadId), tables: new Map() };
  }

  /** Checks the encoded size of the state against the limits. */
  #checkStateSize(state: PipelineState): void {
    const bytes = new TextEncoder().encode(JSON.stringify(encodeTyped(state))).length;
    if (bytes > this.#maxBytes) {
      throw new StateTooLargeError(this.pipelineName, bytes, this.#maxBytes);
    }
    if (bytes > this.#warnBytes) {
      this.#logger.warn(
        `The state of pipeline "${this.pipelineName}" is ${bytes} bytes (warning above ${this.#warnBytes}); keep cursors and high-water marks there, not lists of ids`,
      );
    }
  }

  /**
   * Commits a package: finishes the schemas, bumps the state version, claims the version in the
   * destination, writes the package and the local state, then loads it. Returns the load id, or
   * `undefined` when there was nothing to commit (and nothing was written).
   */
  async #commit(job: CommitJob): Promise<string | undefined> {
    const { store, state, pkg, schemas } = job;
    const loadId = pkg.loadId;
    let sendState: boolean;
    const changedSchemas: Schema[] = [];
    try {
      bumpStateVersion(state);
      this.#checkStateSize(state);
      for (const [name, hints] of pkg.tables) {
        const table = schemas.get(hints.sourceName)?.tables[name];
        if (table) addDltColumns(table);
      }
      for (const schema of schemas.values()) {
        if (bumpSchemaVersion(schema)) changedSchemas.push(schema);
      }
      sendState = this.restoreFromDestination &&
        state._version_hash !== state._local._last_extracted_hash;
      if (pkg.tables.size === 0 && !sendState && changedSchemas.length === 0) {
        await pkg.writer.discard();
        if (state._version_hash !== job.base._version_hash) await this.#store.save(state);
        return undefined;
      }
      if (sendState) await this.#checkConflict(store, state, job.base, loadId);
    } catch (error) {
      return await this.#abandonPackage(pkg, error);
    }

    this.#report({ stage: "commit", message: `committing ${loadId}`, loadId });
    let pending: PendingPackage;
    try {
      const defaultSchema = state.default_schema_name ?? this.pipelineName;
      if (sendState) {
        state._local._last_extracted_hash = state._version_hash;
        state._local._last_extracted_at = new Date().toISOString();
      }
      const manifest = await pkg.writer.commit({
        load_id: loadId,
        pipeline_name: this.pipelineName,
        schema_name: defaultSchema,
        schema_version_hash: schemas.get(defaultSchema)?.version_hash ?? null,
        created_at: new Date().toISOString(),
        state_version: state._state_version,
        tables: [...pkg.tables].map(([name, hints]) => ({
          name,
          write_disposition: hints.writeDisposition,
          ...(hints.primaryKey.length > 0 ? { primary_key: hints.primaryKey } : {}),
          ...(hints.reset ? { reset: true } : {}),
        })),
        state_row: sendState
          ? await makeStateRow(state, loadId, `${loadId}.state`, job.startedAt)
          : undefined,
        schemas: changedSchemas,
      }, state);
      faultPoint("extract_commit");
      if (changedSchemas.length > 0) await saveSchemas(this.workingDir, schemas);
      await this.#store.save(state);
      faultPoint("local_state");
      pending = { loadId, dir: join(this.workingDir, "load", loadId), manifest };
    } catch (error) {
      return await this.#abandonPackage(pkg, error);
    }
    await this.#loadPackage(store, pending);
    for (const [name, hints] of pkg.tables) {
      if (hints.writeDisposition === "merge" && hints.primaryKey.length > 0) {
        await this.#compactIfDue(store, name, state.default_schema_name ?? this.pipelineName);
      }
    }
    if (state._local.first_run !== false) {
      state._local.first_run = false;
      await this.#store.save(state);
    }
    return loadId;
  }

  /**
   * Discards a package that will not be committed and fails the run's extract step with `error`
   * (passed through when it already is a step failure, e.g. of a checkpoint).
   */
  async #abandonPackage(pkg: ExtractPackage, error: unknown): Promise<never> {
    await pkg.writer.discard();
    if (error instanceof PipelineStepFailed) throw error;
    throw new PipelineStepFailed(
      "extract",
      pkg.loadId,
      explainPermission(error, "write", this.workingDir),
    );
  }

  /**
   * Folds a merge table into one file once readers would go through more than
   * `MERGE_COMPACTION_LOADS` loads, so that reading never holds the keys of a long history. A
   * rewrite every so many loads, never one per run. A failure here loses nothing (the data is
   * committed): it is reported and retried after the next load.
   */
  async #compactIfDue(store: DatasetStore, table: string, schemaName: string): Promise<void> {
    try {
      if ((await store.visibleLoadCount(table)) <= MERGE_COMPACTION_LOADS) return;
      const loadId = newLoadId();
      this.#report({ stage: "load", message: `compacting merge table ${table}`, table, loadId });
      await store.compactTable(table, loadId, this.pipelineName, schemaName);
    } catch (error) {
      this.#logger.warn(
        `Could not compact merge table "${table}" (${
          (error as Error).message
        }); it stays as it is and is compacted after a later load`,
      );
    }
  }

  /**
   * Fails with {@linkcode StateConflictError} when the destination holds a newer committed state
   * than `base`, or when another working dir claimed the version this commit would write.
   */
  async #checkConflict(
    store: DatasetStore,
    state: PipelineState,
    base: PipelineState,
    loadId: string,
  ): Promise<void> {
    const remote = await store.newestCommittedStateRow(this.pipelineName);
    if (remote && remote.version > base._state_version) {
      throw new StateConflictError(this.pipelineName, base._state_version, remote.version);
    }
    // The id is on disk before the claim is made: a run killed right after claiming is still
    // recognised as this working dir's when it is retried.
    const owner = readPipelineRecord(this.workingDir)?.working_dir_id ??
      await this.#recordDestination();
    const claim = await store.claimStateVersion(
      this.pipelineName,
      state._state_version,
      loadId,
      owner,
      this.#staleClaimMs,
    );
    faultPoint("state_claim");
    if (claim?.takenOver) {
      this.#logger.warn(
        `Took over state version ${state._state_version} of pipeline "${this.pipelineName}": load "${claim.loadId}" claimed it ${
          Math.round(claim.ageMs / 1000)
        }s ago and never committed (its run died)`,
      );
    } else if (claim) {
      throw new StateConflictError(
        this.pipelineName,
        base._state_version,
        state._state_version,
        ` (load "${claim.loadId}" of another working dir claimed it ${
          Math.round(claim.ageMs / 1000)
        }s ago; if that run died, the claim is taken over after staleClaimSeconds (${
          this.#staleClaimMs / 1000
        }s), or delete "${claim.path}")`,
      );
    }
  }

  async #runLocked(sources: Source[], store: DatasetStore, options: RunOptions): Promise<LoadInfo> {
    const startedAt = new Date();
    this.#report({ stage: "sync", message: "restoring state" });
    const prepared = await this.#prepareState(store);
    const base = prepared.state;
    const firstRun = base._local.first_run !== false;
    const loadIds = [...prepared.loadIds];
    const rowCounts: Record<string, number> = {};
    await this.#recordDestination();

    let committedBase = base;
    const working = cloneState(base);
    const schemas = await readSchemas(this.workingDir);
    const controller = new AbortController();
    const run: ExtractRun = {
      pipeline: this,
      state: working,
      pkg: this.#newPackage(),
      schemas,
      resetDone: new Set(),
      refresh: options.refresh,
      startedAt,
      signal: controller.signal,
      warn: (message) => this.#logger.warn(message),
    };
    let rows = 0;
    let rowsInPackage = 0;
    let packageStarted = Date.now();
    const addCounts = (pkg: ExtractPackage) => {
      for (const [table, n] of Object.entries(pkg.writer.rowCounts())) {
        rowCounts[table] = (rowCounts[table] ?? 0) + n;
      }
    };
    const checkpoint = options.checkpointEvery;
    if (checkpoint) {
      run.beforeItem = async () => {
        const due = (checkpoint.rows !== undefined && rowsInPackage >= checkpoint.rows) ||
          (checkpoint.seconds !== undefined &&
            Date.now() - packageStarted >= checkpoint.seconds * 1000);
        if (!due || rowsInPackage === 0) return;
        const snapshot = cloneState(working);
        pruneCreatedEmptyStates(snapshot, base);
        this.#applyProps(snapshot, sources);
        const pkg = run.pkg;
        run.pkg = this.#newPackage();
        const loadId = await this.#commit({
          store,
          state: snapshot,
          base: committedBase,
          pkg,
          schemas,
          startedAt,
        });
        if (loadId) {
          loadIds.push(loadId);
          addCounts(pkg);
          for (const [table, hints] of pkg.tables) if (hints.reset) run.resetDone.add(table);
        }
        // The working copy continues from the committed snapshot's version.
        working._state_version = snapshot._state_version;
        working._version_hash = snapshot._version_hash;
        working._local = snapshot._local;
        committedBase = cloneState(snapshot);
        rowsInPackage = 0;
        packageStarted = Date.now();
      };
    }
    const rowsByResource = new Map<string, number>();
    run.afterItem = (resourceName, n) => {
      rows += n;
      rowsInPackage += n;
      if (this.#progress) {
        const resourceRows = (rowsByResource.get(resourceName) ?? 0) + n;
        rowsByResource.set(resourceName, resourceRows);
        if (rows % 1000 < n) {
          this.#report({
            stage: "extract",
            message: `${rows} rows`,
            resource: resourceName,
            rows,
            resourceRows,
          });
        }
      }
    };

    this.#report({ stage: "extract", message: "extracting" });
    try {
      for (const source of sources) await extractSource(source, run);
      pruneCreatedEmptyStates(working, base);
      this.#applyProps(working, sources);
    } catch (error) {
      controller.abort(error);
      await this.#abandonPackage(run.pkg, error);
    }
    controller.abort();
    const loadId = await this.#commit({
      store,
      state: working,
      base: committedBase,
      pkg: run.pkg,
      schemas,
      startedAt,
    });
    if (loadId) {
      loadIds.push(loadId);
      addCounts(run.pkg);
    }
    const total = Object.values(rowCounts).reduce((sum, n) => sum + n, 0);
    this.#report({
      stage: "done",
      message:
        `${total} row(s) in ${loadIds.length} load(s), state version ${working._state_version}`,
      rows: total,
    });
    return new LoadInfo({
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      destinationType: this.destination?.destinationType ?? "none",
      bucketUrl: this.destination?.bucketUrl ?? "",
      loadIds,
      pendingLoadIds: prepared.loadIds,
      rowCounts,
      stateVersion: working._state_version,
      firstRun,
      startedAt,
      finishedAt: new Date(),
    });
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

  /**
   * Records the destination in the working dir, so that `attach()` can open the pipeline, with
   * the working dir's id (the owner of its state version claims). Returns that id.
   */
  async #recordDestination(): Promise<string> {
    const destination = this.destination;
    const id = readPipelineRecord(this.workingDir)?.working_dir_id ?? crypto.randomUUID();
    await writePipelineRecord(this.workingDir, {
      pipeline_name: this.pipelineName,
      dataset_name: this.datasetName,
      destination: destination
        ? {
          type: destination.destinationType,
          bucket_url: destination.bucket instanceof LocalBucket
            ? destination.bucket.root
            : destination.bucketUrl,
          name: destination.destinationName,
        }
        : null,
      working_dir_id: id,
    });
    return id;
  }

  /**
   * Restores the newest committed state from the destination now (when it is newer than the
   * local one; always with `force`, which also discards pending packages), without running
   * anything.
   */
  async syncDestination(options: { force?: boolean; wait?: LockWait } = {}): Promise<void> {
    const store = this.#datasetStore();
    await this.#locked(options.wait, async () => {
      try {
        if (options.force) {
          // dlt's `sync`: the destination's committed state replaces whatever is here, and
          // packages built on the local state go with it.
          const { packages, quarantined } = await listPendingPackages(this.workingDir);
          for (const pkg of packages) await removePackage(pkg);
          if (quarantined.length > 0) {
            this.#logger.warn(`Moved damaged package(s) ${quarantined.join(", ")} to quarantine/`);
          }
        }
        await this.#sync(store, options.force ?? false);
        await this.#recordDestination();
      } catch (error) {
        throw new PipelineStepFailed("sync", undefined, error);
      }
    });
  }

  /**
   * Deletes the local working dir (state, pending packages). The destination is untouched: the
   * next run restores the state from it.
   */
  async drop(): Promise<void> {
    await this.#locked(false, async () => {
      for await (const entry of Deno.readDir(this.workingDir)) {
        if (entry.name === ".lock") continue;
        await Deno.remove(join(this.workingDir, entry.name), { recursive: true });
      }
    });
  }

  /**
   * Changes the state outside a run and commits the change as a new state version (a load that
   * holds only the state row). Nothing is edited in place.
   */
  async commitState(
    edit: (state: PipelineState) => void | Promise<void>,
    options: { wait?: LockWait } = {},
  ): Promise<CommitResult> {
    const store = this.#datasetStore();
    return await this.#locked(options.wait, async () => {
      const { state: base } = await this.#prepareState(store);
      const working = cloneState(base);
      await edit(working);
      const pkg = this.#newPackage();
      const loadId = await this.#commit({
        store,
        state: working,
        base,
        pkg,
        schemas: await readSchemas(this.workingDir),
        startedAt: new Date(),
      });
      return { changed: loadId !== undefined, stateVersion: working._state_version, loadId };
    });
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
  async dropResources(
    options: DropOptions & { wait?: LockWait },
  ): Promise<DropPlan & { loadId?: string; stateVersion: number }> {
    const store = this.#datasetStore();
    return await this.#locked(options.wait, async () => {
      const { state: base } = await this.#prepareState(store);
      const working = cloneState(base);
      const schemas = await readSchemas(this.workingDir);
      const plan = planDrop(working, Object.fromEntries(schemas), options);
      if (plan.isEmpty) return { ...plan, stateVersion: base._state_version };
      const dropped = applyDrop(working, schemas, plan);
      const pkg = this.#newPackage();
      const run = { pkg, resetDone: new Set<string>() } as unknown as ExtractRun;
      registerResets(run, plan.sourceName, dropped);
      const loadId = await this.#commit({
        store,
        state: working,
        base,
        pkg,
        schemas,
        startedAt: new Date(),
      });
      return { ...plan, loadId, stateVersion: working._state_version };
    });
  }

  /** Every committed state version of this pipeline in the destination, oldest first. */
  async stateHistory(): Promise<StateVersion[]> {
    const store = this.#datasetStore();
    const committed = await store.committedLoads();
    const versions: StateVersion[] = [];
    for await (
      const row of readRowsForward(store.bucket, store.path(`${STATE_TABLE}.jsonl`), {
        skipInvalid: true,
      })
    ) {
      if (!isStateRow(row) || row.pipeline_name !== this.pipelineName) continue;
      if (!committed.has(row._dlt_load_id)) continue;
      versions.push({
        version: row.version,
        loadId: row._dlt_load_id,
        createdAt: row.created_at,
        versionHash: row.version_hash,
        state: await decodeStateRow(row),
      });
    }
    return versions.sort((a, b) => compareLoadIds(a.loadId, b.loadId));
  }

  /** The committed loads of this pipeline, oldest first. */
  async loads(): Promise<LoadRow[]> {
    const committed = await this.#datasetStore().committedLoads();
    return [...committed.values()]
      .filter((load) => load.pipeline_name === this.pipelineName)
      .sort((a, b) => compareLoadIds(a.load_id, b.load_id));
  }

  /** Packages committed by extract but not loaded yet (a run died), oldest first. */
  async pendingPackages(): Promise<PendingPackageInfo[]> {
    const { packages } = await listPendingPackages(this.workingDir, { quarantine: false });
    return packages.map(({ loadId, manifest }) => ({
      loadId,
      createdAt: manifest.created_at,
      stateVersion: manifest.state_version,
      rowCounts: Object.fromEntries(
        manifest.tables.map((t) => [t.name, t.files.reduce((n, f) => n + f.rows, 0)]),
      ),
    }));
  }

  /**
   * Discards pending packages and goes back to the destination's committed state, so that the
   * cursors do not stay past data that was never loaded. Returns the discarded load ids.
   */
  async dropPendingPackages(options: { wait?: LockWait } = {}): Promise<string[]> {
    const store = this.#datasetStore();
    return await this.#locked(options.wait, async () => {
      const { packages, quarantined } = await listPendingPackages(this.workingDir);
      for (const pkg of packages) await removePackage(pkg);
      if (packages.length > 0 || quarantined.length > 0) await this.#sync(store, true);
      return [...quarantined, ...packages.map((pkg) => pkg.loadId)];
    });
  }

  /**
   * Withdraws committed loads of this pipeline: appends `_dlt_loads` rows with status 2, so that
   * readers skip their rows and restores skip their state. No file is edited. The state is not
   * changed: commit an older state with {@linkcode Pipeline.commitState} to move cursors back.
   * A table a withdrawn load replaced (replace, refresh, drop) reads empty afterwards: the files
   * it replaced were deleted when it was committed.
   */
  async revertLoads(loadIds: readonly string[], options: { wait?: LockWait } = {}): Promise<void> {
    const store = this.#datasetStore();
    await this.#locked(options.wait, async () => {
      const mine = new Set((await this.loads()).map((load) => load.load_id));
      for (const loadId of loadIds) {
        if (!mine.has(loadId)) {
          throw new ConfigurationError(
            `Revert only committed loads of pipeline "${this.pipelineName}": "${loadId}" is not one`,
          );
        }
      }
      await store.revertLoads(
        this.pipelineName,
        this.state.default_schema_name ?? this.pipelineName,
        loadIds,
      );
    });
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
