/**
 * Where a dataset keeps the library's own tables (`_dlt_loads`, `_dlt_pipeline_state`,
 * `_dlt_version`). Two layouts, the same commit protocol (the commit points of
 * `state_versions.ts`):
 *
 * - `"append"`, the local-folder layout of DESIGN.md §4: each table one JSONL file at the dataset
 *   root, appended line by line; the newest state is found reading from the ends of the files.
 * - `"dlt"`, Python dlt's filesystem layout, where every file is written once (what an object
 *   store needs): `_dlt_loads/<schema>__<load_id>.jsonl`,
 *   `_dlt_pipeline_state/<pipeline>__<load_id>__<hash>.jsonl`, an `init` file; the newest state
 *   is found from the commit points with a constant number of requests, and Python dlt restores
 *   from the same files.
 *
 * @module
 */
import type { LoadRow, StateRow } from "./dlt_tables.ts";
import type { Schema, TableSchema } from "./schema.ts";
import type { StateVersionRecord } from "./state_versions.ts";

/**
 * The layout of a dataset: `"append"` (the local default) or `"dlt"` (Python dlt's, the only one
 * an object store can hold).
 *
 * @example Choosing Python dlt's layout for a local folder
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const layout: dlt.DatasetLayout = "dlt";
 * const lake = dlt.destinations.filesystem({ bucketUrl: await Deno.makeTempDir(), layout });
 * console.log(lake.layout); // dlt
 * ```
 */
export type DatasetLayout = "append" | "dlt";

/** The newest committed state of a pipeline, as a layout finds it. */
export interface CommittedStateRow {
  /** The state row. */
  row: StateRow;
  /** The file of each of the pipeline's schemas at that version, where the layout names them. */
  schemaFiles?: Record<string, string>;
  /**
   * The highest state version number whose commit point exists, withdrawn or unreadable ones
   * included: the next commit must be above it, never reuse it.
   */
  spentVersion?: number;
}

/** What the dataset store asks of a layout. */
export interface DltTables {
  /** Which layout. */
  readonly layout: DatasetLayout;
  /**
   * The folder (under the dataset) of the load markers of tables, `<marksDir>/<table>/`;
   * `undefined`: they are in the table's own folder.
   */
  readonly marksDir: string | undefined;
  /** The ids of the committed (and not withdrawn) loads. */
  committedLoadIds(): Promise<Set<string>>;
  /** Every `_dlt_loads` row, in the order written (withdrawals included). */
  loadRows(): Promise<LoadRow[]>;
  /** Whether the marker of `loadId` is written. */
  hasLoadRow(pipelineName: string, schemaName: string, loadId: string): Promise<boolean>;
  /** Writes a `_dlt_loads` row (status 0 commits a load, status 2 withdraws it). */
  writeLoadRow(row: LoadRow): Promise<void>;
  /** Keeps the schemas that changed in a load. */
  writeSchemas(schemas: readonly Schema[], loadId: string): Promise<void>;
  /** The newest stored version of schema `name` (`file`: where the committed state says it is). */
  newestSchema(name: string, file?: string): Promise<Schema | undefined>;
  /** Data table `name` in the newest schema that has it. */
  tableSchema(name: string): Promise<TableSchema | undefined>;
  /** What must be written before the commit point of a load that carries `row`. */
  beforeCommit(row: StateRow): Promise<void>;
  /** Writes what follows from a committed version (idempotent; also finishes a dead run's). */
  afterCommit(record: StateVersionRecord): Promise<void>;
  /** The newest committed state of `pipelineName`. */
  newestCommittedState(pipelineName: string): Promise<CommittedStateRow | undefined>;
  /** Takes what the layout keeps of withdrawn loads' states out of restores (Python's too). */
  withdrawStates(pipelineName: string, loadIds: readonly string[]): Promise<void>;
  /** The committed state rows of `pipelineName`, oldest first. */
  committedStateRows(pipelineName: string): Promise<StateRow[]>;
  /** The rows of one of the library's own tables, or `undefined` when it holds none. */
  ownTableRows(table: string): Promise<AsyncIterable<Record<string, unknown>> | undefined>;
  /** Names at the dataset root that are the layout's, not data tables. */
  isOwnEntry(name: string): boolean;
}
