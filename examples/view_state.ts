/**
 * The guide's "view state in the destination": read `_dlt_pipeline_state`, newest version
 * first, and decode the `state` column. Run: deno run -A examples/view_state.ts
 */
import * as dlt from "../mod.ts";
import { exampleDir } from "./_local_api.ts";

const items = dlt.resource(function* () {
  const state = dlt.current.resourceState<{ runs?: number }>();
  state.runs = (state.runs ?? 0) + 1;
  yield { run: state.runs };
}, { name: "items" });

const dir = exampleDir("view_state");
const pipeline = dlt.pipeline({
  pipelineName: "view_state",
  progress: "bar",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
});
await pipeline.run(items);
await pipeline.run(items);

// SELECT * FROM _dlt_pipeline_state ORDER BY version DESC LIMIT 1
const rows = await pipeline.dataset().table("_dlt_pipeline_state").toArray();
const newest = rows.toSorted((a, b) => (b.version as number) - (a.version as number))[0];
console.log("newest state row:", { ...newest, state: `${String(newest.state).slice(0, 24)}…` });
const state = await dlt.decodeState(newest as unknown as dlt.StateRow);
console.log("decoded sources:", JSON.stringify(state.sources));
