/**
 * The guide's track-processed-IDs pattern: keep the ids already loaded in resource state (as an
 * array: state holds JSON, not Sets). Run: deno run -A examples/processed_ids.ts
 */
import * as dlt from "../mod.ts";
import { exampleDir } from "./_local_api.ts";

let catalogue = [{ id: "a" }, { id: "b" }];

const processItems = dlt.resource(function* () {
  const state = dlt.current.resourceState<{ processed?: string[] }>();
  const processed = new Set(state.processed ?? []);
  for (const item of catalogue) {
    if (processed.has(item.id)) continue;
    yield item;
    processed.add(item.id);
  }
  state.processed = [...processed];
}, { name: "process_items" });

const dir = exampleDir("processed_ids");
const pipeline = dlt.pipeline({
  pipelineName: "processed_ids",
  progress: "bar",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
});
console.log("run 1:", (await pipeline.run(processItems)).rowCounts);
catalogue = [...catalogue, { id: "c" }];
console.log("run 2:", (await pipeline.run(processItems)).rowCounts);
console.log("processed:", pipeline.state.sources?.processed_ids?.resources?.process_items);
