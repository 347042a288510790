/**
 * The committed rows of one table, as a reader sees them: files of uncommitted loads are
 * invisible, a table starts at its newest committed reset, and a merge table shows one row per
 * primary key, the newest committed load winning. Used by the dataset reader and by compaction.
 *
 * @module
 */
import { TableNotFoundError } from "../errors.ts";
import { readRowsForward } from "./jsonl.ts";
import { LOADS_TABLE, STATE_TABLE, VERSION_TABLE } from "./dlt_tables.ts";
import type { DatasetStore, TableFile } from "./dataset_store.ts";

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

/** The committed rows of table `name`, streamed. Throws `TableNotFoundError` for unknown tables. */
export async function* tableRows(
  store: DatasetStore,
  name: string,
): AsyncGenerator<StoredRow> {
  if (name === LOADS_TABLE || name === VERSION_TABLE || name === STATE_TABLE) {
    const rows = await store.ownTableRows(name);
    if (!rows) throw new TableNotFoundError(name, store.datasetName);
    yield* rows;
    return;
  }
  const table = await store.tableSchema(name);
  if (!table) throw new TableNotFoundError(name, store.datasetName);
  const files = await store.visibleTableFiles(name, await store.committedLoadIds());
  const key = table.primary_key ?? [];
  if (table.write_disposition === "merge" && key.length > 0) {
    yield* mergedRows(store, name, files, key);
    return;
  }
  for (const file of files) yield* readRowsForward(store.bucket, file.path);
}

/**
 * A merge table: a row is visible when no later committed load wrote its key. Only the keys of
 * the loads after the oldest one are held in memory, never the rows.
 */
async function* mergedRows(
  store: DatasetStore,
  name: string,
  files: TableFile[],
  key: readonly string[],
): AsyncGenerator<StoredRow> {
  const loadIds = [...new Set(files.map((file) => file.loadId))];
  const keyOf = (row: StoredRow) =>
    key.length === 1 ? JSON.stringify(row[key[0]]) : JSON.stringify(key.map((k) => row[k]));
  const newestLoadOfKey = new Map<string, number>();
  for (let i = 1; i < loadIds.length; i++) {
    let keys = await store.mergeKeys(name, loadIds[i]);
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
