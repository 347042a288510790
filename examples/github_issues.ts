/**
 * Incremental loading with `merge`: an issues-like API on 127.0.0.1 (started here, never the
 * internet) is loaded three times; between runs issues are added and edited. Each run asks only
 * for issues updated since the cursor, and `merge` keeps one row per issue.
 *
 * Run: deno run --allow-read --allow-write --allow-net=127.0.0.1 --allow-env examples/github_issues.ts
 */
import * as dlt from "../mod.ts";
import { type ApiItem, exampleDir, LocalApi } from "./_local_api.ts";

await using api = new LocalApi();
api.add(4);

const issues = dlt.resource(async function* ({ incremental }) {
  // `lastValue` is undefined on the first run; the cursor filters rows at or before it anyway,
  // so asking the API for `since` (inclusive) never loads a row twice.
  const since = incremental.lastValue ?? incremental.initialValue;
  console.log(`  asking for issues updated since ${since}`);
  for (let page = 1;; page++) {
    const params = new URLSearchParams({
      sort: "updated",
      since: String(since),
      page: `${page}`,
      per_page: "2",
    });
    const batch = await (await fetch(`${api.url}/issues?${params}`)).json() as ApiItem[];
    if (batch.length === 0) break;
    yield batch;
  }
}, {
  name: "issues",
  writeDisposition: "merge",
  primaryKey: "id",
  incremental: dlt.incremental<string>("updated_at", { initialValue: "2024-01-01T00:00:00Z" }),
});

const dir = exampleDir("github_issues");
const pipeline = dlt.pipeline({
  pipelineName: "github_issues",
  progress: "bar",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
  datasetName: "github",
});

const changes = [
  () => {},
  () => {
    api.add(2);
    api.update(1, "Item 1 (edited)");
  },
  () => api.update(5, "Item 5 (edited)"),
];
for (const [run, change] of changes.entries()) {
  change();
  console.log(`run ${run + 1}:`);
  const info = await pipeline.run(issues);
  console.log(
    `  loaded ${info.rowCounts.issues ?? 0} issue(s); cursor at ${
      (pipeline.state.sources?.github_issues?.resources?.issues?.incremental as Record<
        string,
        { last_value: string }
      >)
        ?.updated_at?.last_value
    }`,
  );
}
const table = await pipeline.dataset().table("issues").toArray();
console.log(`issues table (${table.length} rows, one per issue):`);
for (const row of table) console.log(`  #${row.id} ${row.title} (updated ${row.updated_at})`);
