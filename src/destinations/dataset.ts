/**
 * Reading a dataset back: every table as the committed loads left it. Files of a load without a
 * `_dlt_loads` row are invisible; a replace table shows its newest committed load only; a merge
 * table shows one row per primary key, the newest committed load winning.
 *
 * @module
 */
import { validateName } from "../storage/names.ts";
import { LOADS_TABLE, STATE_TABLE, VERSION_TABLE } from "./dlt_tables.ts";
import type { DatasetStore } from "./dataset_store.ts";
import type { DatasetLayout } from "./layout.ts";
import { type StoredRow, tableRows } from "./_table_rows.ts";

export type { StoredRow } from "./_table_rows.ts";

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

  /**
   * The layout of the dataset: the one its files have (`"dlt"` where Python dlt's
   * `_dlt_pipeline_state/` or `init` is found), else the one a first load gives it.
   *
   * @example Which layout a dataset has
   * ```ts
   * import * as dlt from "../../mod.ts";
   *
   * const dir = await Deno.makeTempDir();
   * const p = dlt.pipeline({
   *   pipelineName: "shop",
   *   pipelinesDir: `${dir}/pipelines`,
   *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data`, layout: "dlt" }),
   * });
   * await p.run([{ id: 1 }], { tableName: "orders" });
   * console.log(await p.dataset().layout()); // dlt
   * ```
   */
  async layout(): Promise<DatasetLayout> {
    return await this.#store.layout();
  }
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
  rows(): AsyncGenerator<StoredRow> {
    return tableRows(this.#store, this.name);
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
