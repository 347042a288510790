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
 * Rewrites a merge table as one file of the rows a reader sees, committed as a load of its own
 * (`loadId`) that resets the table; the files of earlier loads are deleted. Readers then hold no
 * keys for the loads folded in. Rows keep their `_dlt_load_id`. Returns the rows written.
 */
export async function compactTable(
  store: DatasetStore,
  table: string,
  loadId: string,
  pipelineName: string,
  schemaName: string,
): Promise<number> {
  const dir = validateName("table", table);
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
  await store.bucket.write(store.path(dir, `${loadId}.reset`), new Uint8Array(0));
  await store.appendLoadRow(loadId, pipelineName, schemaName, LOAD_COMPLETED, null);
  await store.deleteFilesBefore(table, loadId);
  return rows;
}
