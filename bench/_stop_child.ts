/**
 * The child of `bench/stop_latency.ts`: a run that Deno Deploy would evict. It loads pages of
 * 1,000 rows with checkpoints until `--pages` pages are in, then blocks in an await that ignores
 * every signal and prints "blocked"; SIGINT aborts the run's signal. Prints the LoadInfo and how
 * long `run()` took to return after the abort, then exits at once (Deploy kills it anyway).
 *
 *   deno run -A bench/_stop_child.ts --dir=DIR [--pages=20]
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import { Flags } from "./_measure.ts";
import { makePage } from "./_rows.ts";

const flags = new Flags();
const dir = flags.string("dir")!;
const blockAfter = flags.number("pages", 20);
const controller = new AbortController();
let abortedAt = 0;
Deno.addSignalListener("SIGINT", () => {
  abortedAt = performance.now();
  controller.abort("SIGINT");
});

const rows = dlt.resource(async function* () {
  const state = dlt.current.resourceState<{ nextPage?: number }>();
  for (let page = state.nextPage ?? 0; page < 1_000; page++) {
    yield makePage(page * 1000, (page + 1) * 1000);
    state.nextPage = page + 1;
    if (page + 1 === blockAfter) {
      console.log("blocked");
      await new Promise((resolve) => setTimeout(resolve, 600_000));
    }
  }
}, { name: "rows", incremental: dlt.incremental("updated_at") });

const pipeline = dlt.pipeline({
  pipelineName: "stop_latency",
  pipelinesDir: join(dir, "pipelines"),
  destination: dlt.destinations.filesystem({ bucketUrl: join(dir, "bucket") }),
});
const info = await pipeline.run(rows, {
  checkpointEvery: { rows: 5_000 },
  signal: controller.signal,
});
const commitMs = performance.now() - abortedAt;
console.log(`JSON ${JSON.stringify({ commitMs, stopped: info.stopped, rows: info.totalRows })}`);
Deno.exit(0);
