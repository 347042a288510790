/**
 * The options of a pipeline and of its runs, and what `run()` accepts.
 *
 * @module
 */
import type { WriteDisposition } from "../destinations/schema.ts";
import type { FilesystemDestination } from "../destinations/filesystem.ts";
import type { RefreshMode } from "./drop.ts";
import type { ProgressOption } from "./progress.ts";
import type { Resource, Row } from "./resource.ts";
import type { Source } from "./source.ts";

/**
 * How to wait for the lock: not at all (fail fast), until free, or up to `timeoutMs`.
 *
 * @example Waiting up to five seconds for another run
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "items",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const wait: dlt.LockWait = { timeoutMs: 5_000 };
 * const info = await p.run([{ id: 1 }], { tableName: "items", wait });
 * console.log(info.rowCounts); // { items: 1 }
 * ```
 */
export type LockWait = boolean | { timeoutMs: number };

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
 * Options of `dlt.pipeline()`.
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
 * Options of `pipeline.run()`.
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
  /**
   * In which order the resources of a source are pulled (dlt's `next_item_mode`):
   * `"round_robin"` pulls them side by side, an item from each in turn, and while one awaits the
   * others go on; `"fifo"` runs each to its end before the next starts.
   * @default `EXTRACT__NEXT_ITEM_MODE` (or `extract.next_item_mode` in `.dlt/config.yaml`),
   * else "round_robin"
   */
  nextItemMode?: NextItemMode;
  /**
   * At most this many `next()` calls of async resources in flight at once (dlt's
   * `max_parallel_items`).
   * @default `EXTRACT__MAX_PARALLEL_ITEMS` (or `extract.max_parallel_items`), else 20
   */
  maxParallelItems?: number;
  /**
   * Stops the run when it aborts: no more rows are pulled, every resource is closed and its
   * `ctx.signal` aborts. With `checkpointEvery`, the rows yielded so far are committed with the
   * state at that moment and `run()` returns a `LoadInfo` with `stopped: true`; without, the
   * run fails with `PipelineStepFailed` (the abort reason as `cause`) and persists nothing.
   */
  signal?: AbortSignal;
}

/**
 * How the resources of a source are pulled: `"round_robin"` (dlt's default) side by side,
 * `"fifo"` one after the other.
 *
 * @example Running the resources of a source one after the other
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const order: string[] = [];
 * const letters = dlt.resource(function* () {
 *   for (const letter of ["a", "b"]) yield order.push(letter) && { letter };
 * }, { name: "letters" });
 * const digits = dlt.resource(function* () {
 *   for (const digit of [1, 2]) yield order.push(String(digit)) && { digit };
 * }, { name: "digits" });
 * const p = dlt.pipeline({
 *   pipelineName: "order",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const nextItemMode: dlt.NextItemMode = "fifo";
 * await p.run(dlt.source("abc", [letters, digits]), { nextItemMode });
 * console.log(order.join(" ")); // a b 1 2
 * await p.run(dlt.source("abc", [letters, digits]));
 * console.log(order.slice(4).join(" ")); // a 1 b 2
 * ```
 */
export type NextItemMode = "round_robin" | "fifo";

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
