/**
 * Folding a merge table: once readers would go through many loads of it (holding the keys of
 * each), its visible rows are rewritten as one file under a load of its own.
 *
 * @module
 */
import { validateName } from "../storage/names.ts";
import { LOAD_COMPLETED } from "./dlt_tables.ts";
import type { DatasetStore } from "./dataset_store.ts";
import { tableRows } from "./_table_rows.ts";

const encoder = new TextEncoder();

/**
 * The load id of a fold of loads up to `newest`: it sorts right after `newest` and before any load
 * id made later (`"<seconds>.<micros>1"` sorts before the next microsecond's id), so the fold's
 * reset hides exactly the loads it folded, never one committed after it with an id made before
 * the fold ran (the next checkpoint's package, a pending load).
 */
export function foldLoadId(newest: string): string {
  return `${newest}1`;
}

/**
 * Rewrites a merge table as one file of the rows a reader sees, committed as a load of its own
 * that resets the table; the files of the loads folded in are deleted. Readers then hold no keys
 * for them. Rows keep their `_dlt_load_id`. Returns the fold's load id and the rows written, or
 * `undefined` when the table has no committed files.
 */
export async function compactTable(
  store: DatasetStore,
  table: string,
  pipelineName: string,
  schemaName: string,
): Promise<{ loadId: string; rows: number } | undefined> {
  const dir = validateName("table", table);
  const files = await store.visibleTableFiles(table, await store.committedLoadIds());
  if (files.length === 0) return undefined;
  const loadId = foldLoadId(files.at(-1)!.loadId);
  const source = tableRows(store, table);
  let rows = 0;
  const bytes = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = "";
      for (let i = 0; i < 1000; i++) {
        const step = await source.next();
        if (step.done) {
          if (text.length > 0) controller.enqueue(encoder.encode(text));
          controller.close();
          return;
        }
        text += JSON.stringify(step.value) + "\n";
        rows++;
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await source.return(undefined);
    },
  });
  await store.bucket.write(store.path(dir, `${loadId}.0.jsonl`), bytes);
  await store.writeResetMarker(dir, loadId, true);
  await store.writeLoadRow(loadId, pipelineName, schemaName, LOAD_COMPLETED, null);
  await store.deleteFilesBefore(table, loadId);
  return { loadId, rows };
}
