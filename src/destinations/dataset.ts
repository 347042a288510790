/**
 * Reading a dataset back: every table as the committed loads left it. Files of a load without a
 * `_dlt_loads` row are invisible; a replace table shows its newest committed load only; a merge
 * table shows one row per primary key, the newest committed load winning.
 *
 * @module
 */
import { TableNotFoundError } from "../errors.ts";
import { validateName } from "../storage/names.ts";
import { readRowsBackward, readRowsForward } from "./jsonl.ts";
import { LOADS_TABLE, STATE_TABLE, VERSION_TABLE } from "./dlt_tables.ts";
import type { DatasetStore, TableFile } from "./dataset_store.ts";
import type { Schema, TableSchema } from "./schema.ts";

/**
 * A row read back from a table.
 *
 * @example Reading rows back
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1, total: 9.5 }], { tableName: "orders" });
 * const rows: dlt.StoredRow[] = await p.dataset().table("orders").toArray();
 * console.log(rows[0].id, rows[0].total); // 1 9.5
 * ```
 */
export type StoredRow = Record<string, unknown>;

/**
 * A reader over the committed tables of one dataset. Get one from `pipeline.dataset()`.
 *
 * @example Listing the tables of a dataset
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }, { id: 2 }], { tableName: "orders" });
 * const dataset: dlt.Dataset = p.dataset();
 * console.log(dataset.name, await dataset.tableNames()); // shop_dataset [ "orders" ]
 * ```
 */
export class Dataset {
  readonly #store: DatasetStore;

  /** Reads `store`. */
  constructor(store: DatasetStore) {
    this.#store = store;
  }

  /** The dataset name. */
  get name(): string {
    return this.#store.datasetName;
  }

  /** A table by name (nothing is read until its rows are asked for). */
  table(name: string): DatasetTable {
    if (name !== STATE_TABLE && name !== LOADS_TABLE && name !== VERSION_TABLE) {
      validateName("table", name);
    }
    return new DatasetTable(this.#store, name);
  }

  /** The names of the data tables that have committed rows or are in a schema. */
  async tableNames(): Promise<string[]> {
    return (await this.#store.tableNames()).sort();
  }
}

async function tableSchemaOf(store: DatasetStore, name: string): Promise<TableSchema | undefined> {
  const seen = new Set<string>();
  for await (const row of readRowsBackward(store.bucket, store.path(`${VERSION_TABLE}.jsonl`))) {
    const schemaName = row.schema_name;
    if (typeof schemaName !== "string" || seen.has(schemaName) || typeof row.schema !== "string") {
      continue;
    }
    seen.add(schemaName);
    try {
      const table = (JSON.parse(row.schema) as Schema).tables?.[name];
      if (table) return table;
    } catch { /* skip a damaged row */ }
  }
  return undefined;
}

/**
 * One table of a {@linkcode Dataset}.
 *
 * @example Streaming the rows of a table
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }, { id: 2 }], { tableName: "orders" });
 * const orders: dlt.DatasetTable = p.dataset().table("orders");
 * for await (const row of orders.rows()) console.log(row.id); // 1, then 2
 * console.log(await orders.count()); // 2
 * ```
 */
export class DatasetTable {
  readonly #store: DatasetStore;
  /** The table name. */
  readonly name: string;

  /** Reads table `name` of `store`. */
  constructor(store: DatasetStore, name: string) {
    this.#store = store;
    this.name = name;
  }

  /** The committed rows, streamed (async iterable). Throws `TableNotFoundError` for unknown tables. */
  async *rows(): AsyncGenerator<StoredRow> {
    const store = this.#store;
    if (this.name === LOADS_TABLE || this.name === VERSION_TABLE) {
      if ((await store.bucket.size(store.path(`${this.name}.jsonl`))) === undefined) {
        throw new TableNotFoundError(this.name, store.datasetName);
      }
      yield* readRowsForward(store.bucket, store.path(`${this.name}.jsonl`), {
        skipInvalid: true,
      });
      return;
    }
    const committed = await store.committedLoads();
    if (this.name === STATE_TABLE) {
      if ((await store.bucket.size(store.path(`${STATE_TABLE}.jsonl`))) === undefined) {
        throw new TableNotFoundError(this.name, store.datasetName);
      }
      for await (
        const row of readRowsForward(store.bucket, store.path(`${STATE_TABLE}.jsonl`), {
          skipInvalid: true,
        })
      ) {
        if (committed.has(row._dlt_load_id as string)) yield row;
      }
      return;
    }
    const table = await tableSchemaOf(store, this.name);
    if (!table) throw new TableNotFoundError(this.name, store.datasetName);
    const files = await store.visibleTableFiles(this.name, committed);
    const key = table.primary_key ?? [];
    if (table.write_disposition === "merge" && key.length > 0) {
      yield* this.#mergedRows(files, key);
      return;
    }
    for (const file of files) yield* readRowsForward(store.bucket, file.path);
  }

  /**
   * A merge table: a row is visible when no later committed load wrote its key. Only the keys of
   * the loads after the oldest one are held in memory, never the rows.
   */
  async *#mergedRows(files: TableFile[], key: readonly string[]): AsyncGenerator<StoredRow> {
    const store = this.#store;
    const loadIds = [...new Set(files.map((file) => file.loadId))];
    const keyOf = (row: StoredRow) =>
      key.length === 1 ? JSON.stringify(row[key[0]]) : JSON.stringify(key.map((k) => row[k]));
    const newestLoadOfKey = new Map<string, number>();
    for (let i = 1; i < loadIds.length; i++) {
      let keys = await store.mergeKeys(this.name, loadIds[i]);
      if (!keys) {
        keys = [];
        for (const file of files) {
          if (file.loadId !== loadIds[i]) continue;
          for await (const row of readRowsForward(store.bucket, file.path)) keys.push(keyOf(row));
        }
      }
      for (const k of keys) newestLoadOfKey.set(k, i);
    }
    let loadIndex = -1;
    let previous = "";
    for (const file of files) {
      if (file.loadId !== previous) {
        loadIndex++;
        previous = file.loadId;
      }
      for await (const row of readRowsForward(store.bucket, file.path)) {
        const owner = newestLoadOfKey.get(keyOf(row));
        if (owner === undefined ? loadIndex === 0 : owner === loadIndex) yield row;
      }
    }
  }

  /** The committed rows as a `ReadableStream`. */
  stream(): ReadableStream<StoredRow> {
    const iterator = this.rows();
    return new ReadableStream<StoredRow>({
      async pull(controller) {
        const step = await iterator.next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      },
      async cancel() {
        await iterator.return(undefined);
      },
    });
  }

  /** All committed rows in an array. */
  async toArray(): Promise<StoredRow[]> {
    const rows: StoredRow[] = [];
    for await (const row of this.rows()) rows.push(row);
    return rows;
  }

  /** The number of committed rows. */
  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.rows()) n++;
    return n;
  }
}
