/**
 * The guide's source-state pattern: two resources of one source share `last_full_sync`. As in
 * dlt, the resources run side by side, an item from each in turn: `events` starts before `users`
 * has written the state of this run, so it reads what the previous run committed
 * (`{ nextItemMode: "fifo" }` would run `users` to its end first).
 * Run: deno run -A examples/source_state.ts
 */
import * as dlt from "../mod.ts";
import { exampleDir } from "./_local_api.ts";

const syncTimes = ["2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z"];
let run = 0;

const apiSource = dlt.source("api_source", () => {
  const users = dlt.resource(function* users() {
    const state = dlt.current.sourceState<{ last_full_sync?: string }>();
    if (!state.last_full_sync) console.log("First sync - loading all users");
    else console.log(`Last sync: ${state.last_full_sync}`);
    yield [{ id: 1, name: "ada" }, { id: 2, name: "grace" }];
    state.last_full_sync = syncTimes[run];
  }, { writeDisposition: "replace" });

  const events = dlt.resource(function* events() {
    const state = dlt.current.sourceState<{ last_full_sync?: string }>();
    console.log(`Using last_sync from source state: ${state.last_full_sync}`);
    yield { id: run + 1, kind: "login", since: state.last_full_sync ?? null };
  });
  return [users, events];
});

const dir = exampleDir("source_state");
const pipeline = dlt.pipeline({
  pipelineName: "source_state",
  progress: "bar",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
});
for (run = 0; run < 2; run++) {
  const info = await pipeline.run(apiSource);
  console.log(`run ${run + 1}:`, info.rowCounts);
}
console.log("source state:", pipeline.state.sources?.api_source);
