/**
 * The guide's high-water-mark pattern: remember the highest id seen.
 * Run: deno run -A examples/high_water_mark.ts
 */
import * as dlt from "../mod.ts";
import { exampleDir } from "./_local_api.ts";

let newest = 3;
const events = dlt.resource(async function* () {
  const state = dlt.current.resourceState<{ max_id?: number }>();
  let lastId = state.max_id ?? 0;
  for (let id = lastId + 1; id <= newest; id++) {
    await Promise.resolve(); // as if fetched
    yield { id, kind: id % 2 === 0 ? "view" : "click" };
    if (id > lastId) lastId = id;
  }
  state.max_id = lastId;
}, { name: "events" });

const dir = exampleDir("high_water_mark");
const pipeline = dlt.pipeline({
  pipelineName: "high_water_mark",
  progress: "bar",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
});
console.log("run 1:", (await pipeline.run(events)).rowCounts);
newest = 5;
console.log("run 2:", (await pipeline.run(events)).rowCounts);
console.log("run 3:", (await pipeline.run(events)).rowCounts);
console.log("max_id:", pipeline.state.sources?.high_water_mark?.resources?.events?.max_id);
