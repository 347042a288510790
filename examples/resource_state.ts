/**
 * The guide's resource-state pattern: remember the newest `created_at` seen and ask the API only
 * for issues created after it. Run: deno run -A examples/resource_state.ts
 */
import * as dlt from "../mod.ts";
import { type ApiItem, exampleDir, LocalApi } from "./_local_api.ts";

await using api = new LocalApi();
api.add(5);

const newIssues = dlt.resource(async function* () {
  const state = dlt.current.resourceState<{ last_created_at?: string }>();
  const last = state.last_created_at;
  const params = new URLSearchParams({ sort: "created", per_page: "100" });
  if (last) {
    params.set("since", last);
    console.log(`Loading issues since ${last}`);
  } else {
    console.log("First run - loading all issues");
  }
  const response = await fetch(`${api.url}/issues?${params}`);
  const issues = (await response.json() as ApiItem[]).filter((i) => !last || i.created_at > last);
  if (issues.length > 0) {
    state.last_created_at = issues.map((i) => i.created_at).reduce((a, b) => (a > b ? a : b));
    yield issues;
  }
}, { name: "new_issues", writeDisposition: "append" });

const dir = exampleDir("resource_state");
const pipeline = dlt.pipeline({
  pipelineName: "resource_state",
  progress: "bar",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
});

for (const newItems of [0, 3, 0]) {
  api.add(newItems);
  const info = await pipeline.run(newIssues);
  console.log(`loaded ${info.rowCounts.new_issues ?? 0} new issue(s)`);
}
const total = await pipeline.dataset().table("new_issues").count();
console.log(`new_issues holds ${total} row(s); state:`, pipeline.state.sources);
