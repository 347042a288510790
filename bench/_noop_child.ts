/**
 * The process that scenario 3 (`bench/noop_run.ts`) times: one `pipeline.run()` of the benchmark
 * rows with an incremental on `updated_at`. It imports only the library and the row generator,
 * so its start-up is what a user's cron script pays.
 *
 *   deno run -A bench/_noop_child.ts setup|run DIR [ROWS] [--fresh-local]
 *
 * `setup` loads the rows once; `run` runs the same pipeline again, the incremental filters every
 * row and nothing is written (the process fails if anything is). `--fresh-local` starts from an
 * empty pipelines dir, so the state is restored from the destination first.
 *
 * @module
 */
import * as dlt from "../mod.ts";
import { makePages } from "./_rows.ts";

const [mode, dir, count] = Deno.args;
const n = Number(count ?? 1000);
const fresh = Deno.args.includes("--fresh-local");
const pipelinesDir = fresh
  ? await Deno.makeTempDir({ dir, prefix: "pipelines-" })
  : `${dir}/pipelines`;
const pages = makePages(n);
const rows = dlt.resource(async function* () {
  yield* pages;
}, { name: "rows", writeDisposition: "append", incremental: dlt.incremental("updated_at") });
const pipeline = dlt.pipeline({
  pipelineName: "bench_noop",
  pipelinesDir,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/bucket` }),
  datasetName: "bench",
});
const start = performance.now();
const info = await pipeline.run(rows);
const seconds = (performance.now() - start) / 1000;
const loaded = info.rowCounts.rows ?? 0;
if (fresh) await Deno.remove(pipelinesDir, { recursive: true });
if (mode === "run" && (loaded !== 0 || info.loadIds.length !== 0)) {
  throw new Error(`the no-op run loaded ${loaded} rows in ${info.loadIds.length} loads`);
}
console.log(JSON.stringify({ mode, rows_offered: n, rows_loaded: loaded, run_seconds: seconds }));
