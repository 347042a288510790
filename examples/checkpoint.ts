/**
 * The guide's checkpoint pattern: remember the next page; reset when finished.
 * Run: deno run -A examples/checkpoint.ts
 */
import * as dlt from "../mod.ts";
import { exampleDir } from "./_local_api.ts";

const pages = [[{ id: 1 }, { id: 2 }], [{ id: 3 }], [{ id: 4 }, { id: 5 }]];
let failOnPage: number | undefined = 2;

const apiWithCheckpoints = dlt.resource(function* () {
  const state = dlt.current.resourceState<{ last_page?: number }>();
  let page = state.last_page ?? 0;
  console.log(`starting at page ${page}`);
  while (true) {
    if (page === failOnPage) throw new Error(`the API failed on page ${page}`);
    const data = pages[page];
    if (!data) {
      delete state.last_page; // finished: reset the checkpoint
      break;
    }
    yield data;
    page += 1;
    state.last_page = page;
  }
}, { name: "api_with_checkpoints" });

const dir = exampleDir("checkpoint");
const pipeline = dlt.pipeline({
  pipelineName: "checkpoint",
  progress: "bar",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
});

try {
  await pipeline.run(apiWithCheckpoints);
} catch (error) {
  // A failed extract persists nothing: neither the rows nor the checkpoint of this run.
  console.log(`run failed: ${(error as Error).message}`);
}
failOnPage = undefined;
const info = await pipeline.run(apiWithCheckpoints);
console.log("loaded:", info.rowCounts);
console.log(
  "checkpoint after finishing:",
  pipeline.state.sources?.checkpoint?.resources?.api_with_checkpoints ?? "no state left",
);
