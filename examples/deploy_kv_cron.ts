/**
 * A Deno Deploy cron job that remembers, with no account anywhere else: every tick loads the
 * events that are new since the last tick into the app's Deno KV database — the rows and the
 * pipeline's state — from a fresh working dir, as on Deploy, where an instance's disk does not
 * outlive it. The next tick, on whichever instance, restores the state from KV.
 *
 * On Deploy: assign a KV database to the app (the Databases tab), set EVENTS_URL to the API to
 * load (without it a demo API of this file's own serves the events), deploy this file.
 *
 * Locally, one tick now (there is no Deno.cron without --unstable-cron; DLT_RUN_NOW=1 asks for a
 * tick now even where there is one; DEMO_EVENTS sets how many events the demo API has):
 *
 *   deno run --unstable-kv --allow-read --allow-write --allow-env --allow-net=127.0.0.1 examples/deploy_kv_cron.ts
 */
import * as dlt from "../mod.ts";
import { kvDestination } from "../kv.ts";
import { type ApiItem, exampleDir, LocalApi } from "./_local_api.ts";

// On Deploy, Deno.openKv() opens the app's database; here, a file of the example's folder.
const onDeploy = Deno.env.get("DENO_DEPLOY") === "true";
const dir = exampleDir("deploy_kv_cron", { keep: true }); // each tick continues the last
if (!onDeploy) await Deno.mkdir(dir, { recursive: true });
const kv = await Deno.openKv(onDeploy ? undefined : `${dir}/kv.sqlite3`);

/** The events after the cursor, page by page. */
function events(baseUrl: string) {
  return dlt.resource(async function* ({ incremental }) {
    const since = String(incremental.lastValue ?? incremental.initialValue);
    for (let page = 1;; page++) {
      const params = new URLSearchParams({ since, page: `${page}`, per_page: "100" });
      const response = await fetch(`${baseUrl}/events?${params}`);
      if (!response.ok) throw new Error(`${baseUrl} answered ${response.status}`);
      const batch = await response.json() as ApiItem[];
      if (batch.length === 0) break;
      yield batch;
    }
  }, {
    name: "events",
    primaryKey: "id",
    incremental: dlt.incremental<string>("created_at", { initialValue: "2024-01-01T00:00:00Z" }),
  });
}

/** Runs `fn` on the pipeline, from a working dir that lives only as long as the call. */
async function withPipeline<T>(fn: (pipeline: dlt.Pipeline) => Promise<T>): Promise<T> {
  const pipelinesDir = await Deno.makeTempDir({ prefix: "dlt_cron_" });
  try {
    return await fn(dlt.pipeline({
      pipelineName: "events_cron",
      pipelinesDir,
      destination: kvDestination(kv),
      datasetName: "events",
    }));
  } finally {
    await Deno.remove(pipelinesDir, { recursive: true });
  }
}

/** One tick: load what is new since the last one (whose state comes back from KV). */
async function tick(): Promise<void> {
  await using demo = Deno.env.get("EVENTS_URL") ? undefined : new LocalApi();
  demo?.add(Number(Deno.env.get("DEMO_EVENTS") ?? "5"));
  await withPipeline(async (pipeline) => {
    const info = await pipeline.run(events(Deno.env.get("EVENTS_URL") ?? demo!.url));
    const cursor = (pipeline.state.sources?.events_cron?.resources?.events?.incremental as Record<
      string,
      { last_value?: string }
    >)?.created_at?.last_value;
    console.log(`loaded ${info.rowCounts.events ?? 0} new event(s); cursor at ${cursor}`);
  });
}

// Registered at the top level, where Deploy looks for crons. Where there is no Deno.cron (a plain
// `deno run`, a test), or DLT_RUN_NOW=1, one tick runs now instead.
if (typeof Deno.cron !== "function" || Deno.env.get("DLT_RUN_NOW") === "1") {
  await tick();
  const rows = await withPipeline((pipeline) => pipeline.dataset().table("events").count());
  console.log(`the events table in KV holds ${rows} row(s)`);
  kv.close();
} else {
  Deno.cron("load new events", "*/15 * * * *", tick);
}
