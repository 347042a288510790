/**
 * dlt for Deno: data pipelines with a memory.
 *
 * A **resource** yields rows (objects) or pages of rows; a **source** groups resources; a
 * **pipeline** extracts them into a load package and loads it into a filesystem destination as
 * JSONL. Each source and resource keeps a persistent state dictionary, and `incremental()`
 * cursors keep their last value in it, so each run loads only what is new. State is stored in
 * the local working dir and, with the data that produced it, in the destination's
 * `_dlt_pipeline_state.jsonl`, so a fresh machine picks up where the last run stopped.
 *
 * @example Load only what is new
 * ```ts
 * import * as dlt from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const events = dlt.resource(function* () {
 *   const state = dlt.current.resourceState<{ maxId?: number }>();
 *   const rows = [{ id: 1 }, { id: 2 }, { id: 3 }].filter((row) => row.id > (state.maxId ?? 0));
 *   yield rows;
 *   for (const row of rows) state.maxId = Math.max(state.maxId ?? 0, row.id);
 * }, { name: "events" });
 *
 * const pipeline = dlt.pipeline({
 *   pipelineName: "events",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * console.log((await pipeline.run(events)).rowCounts); // { events: 3 }
 * console.log((await pipeline.run(events)).rowCounts); // {}
 * ```
 *
 * @module
 */
import { filesystem } from "./src/destinations/filesystem.ts";
import { incremental } from "./src/incremental/incremental.ts";

export * from "./src/errors.ts";
export { type Current, current, resetResourceState } from "./src/pipeline/current.ts";
export {
  attach,
  type CheckpointEvery,
  type CommitResult,
  type Logger,
  type NextItemMode,
  type PendingPackageInfo,
  Pipeline,
  pipeline,
  type PipelineOptions,
  type ProgressEvent,
  type RunData,
  type RunOptions,
  type StateSizeLimits,
  type StateVersion,
} from "./src/pipeline/pipeline.ts";
export type { DropOptions, DropPlan, RefreshMode } from "./src/pipeline/drop.ts";
export {
  createProgressReporter,
  type ProgressOption,
  type ProgressOutput,
  type ProgressStage,
} from "./src/pipeline/progress.ts";
export {
  config,
  type ConfigAccessor,
  type ConfigOrigin,
  ConfigResolver,
  type ConfigResolverOptions,
  type LocatedValue,
  secrets,
} from "./src/config/mod.ts";
export type { LockWait } from "./src/pipeline/lock.ts";
export { LoadInfo } from "./src/pipeline/load_info.ts";
export {
  Resource,
  resource,
  type ResourceContext,
  type ResourceData,
  type ResourceFunction,
  type ResourceOptions,
  type Row,
} from "./src/pipeline/resource.ts";
export {
  Source,
  source,
  type SourceContext,
  type SourceFunction,
  type SourceResources,
} from "./src/pipeline/source.ts";
export {
  BoundIncremental,
  type CursorValue,
  Incremental,
  incremental,
  type IncrementalBinding,
  type IncrementalDeclaration,
  type IncrementalFilter,
  type IncrementalOptions,
  type IncrementalTransformOptions,
  type TimeValue,
} from "./src/incremental/incremental.ts";
export { IncrementalTransform } from "./src/incremental/transform.ts";
export {
  filesystem,
  FilesystemDestination,
  type FilesystemDestinationOptions,
} from "./src/destinations/filesystem.ts";
export { Dataset, DatasetTable, type StoredRow } from "./src/destinations/dataset.ts";
export type { DatasetLayout } from "./src/destinations/layout.ts";
export { S3Bucket, type S3BucketOptions } from "./src/storage/s3_bucket.ts";
export type { AwsCredentials } from "./src/config/s3_credentials.ts";
export {
  decodeStateRow as decodeState,
  type LoadRow,
  type StateRow,
  type VersionRow,
} from "./src/destinations/dlt_tables.ts";
export type {
  ColumnSchema,
  DataType,
  Schema,
  TableSchema,
  WriteDisposition,
} from "./src/destinations/schema.ts";
export type {
  LocalState,
  PipelineState,
  ResourceState,
  SourceState,
} from "./src/state/state_document.ts";
export { IsoDateTime, type IsoDateTimeKind } from "./src/state/iso_date_time.ts";
export type { Bucket, BucketEntry, BucketListOptions } from "./src/storage/bucket.ts";

/**
 * The destinations, as in dlt's `dlt.destinations`.
 *
 * @example Naming the destination of a pipeline
 * ```ts
 * import * as dlt from "./mod.ts";
 * const destination = dlt.destinations.filesystem({ bucketUrl: "./data" });
 * console.log(destination.destinationType); // filesystem
 * ```
 */
export const destinations: { filesystem: typeof filesystem } = { filesystem };

/**
 * dlt's `dlt.sources` namespace: `dlt.sources.incremental` is the same as `dlt.incremental`.
 *
 * @example dlt.sources.incremental as in dlt
 * ```ts
 * import * as dlt from "./mod.ts";
 * const cursor = dlt.sources.incremental("updated_at", { initialValue: "2024-01-01T00:00:00Z" });
 * console.log(cursor.cursorPath); // updated_at
 * ```
 */
export const sources: { incremental: typeof incremental } = { incremental };
