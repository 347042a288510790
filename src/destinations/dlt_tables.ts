/**
 * The library's own tables in a dataset: `_dlt_pipeline_state` (one row per committed state
 * version), `_dlt_loads` (one row per load: the commit marker) and `_dlt_version` (one row per
 * schema version). Each is one JSONL file at the dataset root, appended line by line.
 *
 * @module
 */
import { decodeStateBlob, encodeStateBlob } from "../state/state_blob.ts";
import { decodeTyped } from "../state/typed_json.ts";
import type { PipelineState } from "../state/state_document.ts";

/** Name of the state table. */
export const STATE_TABLE = "_dlt_pipeline_state";
/** Name of the loads table. */
export const LOADS_TABLE = "_dlt_loads";
/** Name of the schema version table. */
export const VERSION_TABLE = "_dlt_version";
/** Status of a `_dlt_loads` row: committed. */
export const LOAD_COMPLETED = 0;
/** Status of a `_dlt_loads` row appended later for a committed load: its rows are withdrawn. */
export const LOAD_REVERTED = 2;

/** Compares load ids (increasing, sortable strings). */
export function compareLoadIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The library's own tables, readable through the dataset but never written by users. */
export const DLT_TABLES: readonly string[] = [STATE_TABLE, LOADS_TABLE, VERSION_TABLE];

/**
 * A row of `_dlt_pipeline_state`, columns in dlt's order.
 *
 * @example Reading the raw state rows
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }], { tableName: "orders" });
 * const table = p.dataset().table("_dlt_pipeline_state");
 * const rows = (await table.toArray()) as unknown as dlt.StateRow[];
 * console.log(rows.map((row) => `${row.pipeline_name} v${row.version}`)); // [ "shop v1" ]
 * ```
 */
export interface StateRow {
  /** `_state_version`. */
  version: number;
  /** `_state_engine_version`. */
  engine_version: number;
  /** The pipeline the state belongs to. */
  pipeline_name: string;
  /** base64 of zlib-deflated typed JSON of the state without `_local`. */
  state: string;
  /** When the row was made (at extract commit), ISO 8601. */
  created_at: string;
  /** `_version_hash`. */
  version_hash: string;
  /** The load that carries the row. */
  _dlt_load_id: string;
  /** A unique row id. */
  _dlt_id: string;
}

/**
 * A row of `_dlt_loads`: the commit marker of one load.
 *
 * @example Listing the loads of a pipeline
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }], { tableName: "orders" });
 * const loads: dlt.LoadRow[] = await p.loads();
 * console.log(loads.length, loads[0].status, loads[0].pipeline_name); // 1 0 shop
 * ```
 */
export interface LoadRow {
  /** The load id. */
  load_id: string;
  /** The schema (default source) of the load. */
  schema_name: string;
  /** 0 = completed. */
  status: number;
  /** When the load was committed, ISO 8601. */
  inserted_at: string;
  /** The schema's version hash at that load. */
  schema_version_hash: string | null;
  /** The pipeline that made the load (not in dlt: lets readers find a pipeline's loads). */
  pipeline_name: string;
}

/**
 * A row of `_dlt_version`: one version of one schema.
 *
 * @example Reading the schema versions
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }], { tableName: "orders" });
 * const table = p.dataset().table("_dlt_version");
 * const [row] = (await table.toArray()) as unknown as dlt.VersionRow[];
 * const schema: dlt.Schema = JSON.parse(row.schema);
 * console.log(row.schema_name, row.version, Object.keys(schema.tables)); // shop 1 [ "orders" ]
 * ```
 */
export interface VersionRow {
  /** The schema version. */
  version: number;
  /** The schema engine version. */
  engine_version: number;
  /** When the row was written. */
  inserted_at: string;
  /** The schema name (the source name). */
  schema_name: string;
  /** The schema's version hash. */
  version_hash: string;
  /** The schema as JSON text. */
  schema: string;
}

/** Builds the state row of `state` for the load `loadId`. */
export async function makeStateRow(
  state: PipelineState,
  loadId: string,
  rowId: string,
  createdAt = new Date(),
): Promise<StateRow> {
  return {
    version: state._state_version,
    engine_version: state._state_engine_version,
    pipeline_name: state.pipeline_name,
    state: await encodeStateBlob(state),
    created_at: createdAt.toISOString(),
    version_hash: state._version_hash ?? "",
    _dlt_load_id: loadId,
    _dlt_id: rowId,
  };
}

/**
 * Decodes the `state` column of a state row into a state document (typed values restored).
 *
 * @example Decoding a state row of the destination
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
 *   dlt.current.resourceState().lastId = 1;
 *   yield { id: 1 };
 * }, { name: "orders" });
 * await p.run(orders);
 * const [row] = await p.dataset().table("_dlt_pipeline_state").toArray();
 * const state = await dlt.decodeState({ state: row.state as string });
 * console.log(state.sources?.shop?.resources?.orders); // { lastId: 1 }
 * ```
 */
export async function decodeStateRow(row: Pick<StateRow, "state">): Promise<PipelineState> {
  return decodeTyped(await decodeStateBlob(row.state)) as PipelineState;
}

/** True when a parsed line looks like a state row. */
export function isStateRow(
  row: Record<string, unknown>,
): row is StateRow & Record<string, unknown> {
  return typeof row.pipeline_name === "string" && typeof row.state === "string" &&
    typeof row._dlt_load_id === "string" && typeof row.version === "number";
}

/** True when a parsed line looks like a loads row. */
export function isLoadRow(row: Record<string, unknown>): row is LoadRow & Record<string, unknown> {
  return typeof row.load_id === "string" && typeof row.status === "number";
}
