/**
 * A Deno Deploy cron job that remembers: every ten minutes it loads the issues updated since its
 * last run into an S3-compatible bucket (AWS S3, Cloudflare R2, Tigris, MinIO, …). Deploy's disk
 * does not outlive an instance, so the bucket is the job's only memory: each run restores the
 * cursor from it, loads what is new, and commits rows and cursor together.
 *
 * Environment (set them in the app's settings on Deploy):
 * - `DLT_BUCKET_URL` — `s3://bucket/prefix`;
 * - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and `AWS_REGION` (`auto` for R2) and/or
 *   `AWS_ENDPOINT_URL_S3` (`https://<account>.r2.cloudflarestorage.com`, Tigris' or MinIO's URL);
 * - `ISSUES_API_URL` — the API to load from (an issues API that takes `since`, `page`, `per_page`).
 *
 * Deploy sets `DENO_TIMELINE` (`production`, `git-branch/<name>`, `preview/<id>`) and fires the
 * cron on every timeline: a branch's job loads into a prefix of its own, never production's.
 * Deploy evicts an instance with SIGINT and kills it 5 s later: SIGINT stops the run, which commits
 * what it loaded so far (a checkpoint) and exits.
 *
 * Elsewhere (a laptop, a test), set `RUN_ONCE=1` to run the job once now instead of registering
 * the cron: `RUN_ONCE=1 deno run -A examples/deploy_cron.ts`.
 */
import * as dlt from "../mod.ts";

const bucketUrl = required("DLT_BUCKET_URL");
const apiUrl = required("ISSUES_API_URL");

/** Where this timeline's state and rows go: production's prefix, or one per branch or preview. */
function timelinePrefix(): string {
  const timeline = Deno.env.get("DENO_TIMELINE") ?? "local";
  if (timeline === "production") return "production";
  // One prefix per timeline: every character but A-Z a-z 0-9 - is escaped (`/` as `_2f`, `_` as
  // `_5f`), so no two branch names share one.
  const escaped = timeline.replace(
    /[^A-Za-z0-9-]/gu,
    (c) => `_${c.codePointAt(0)!.toString(16).padStart(2, "0")}`,
  );
  return `timelines/${escaped}`;
}

const issues = dlt.resource(async function* ({ incremental, signal }) {
  const since = incremental.lastValue ?? incremental.initialValue;
  for (let page = 1;; page++) {
    const params = new URLSearchParams({ since: String(since), page: `${page}`, per_page: "50" });
    const response = await fetch(`${apiUrl}/issues?${params}`, { signal });
    if (!response.ok) throw new Error(`The issues API answered ${response.status}`);
    const batch = await response.json() as Record<string, unknown>[];
    if (batch.length === 0) return;
    yield batch;
  }
}, {
  name: "issues",
  writeDisposition: "merge",
  primaryKey: "id",
  incremental: dlt.incremental<string>("updated_at", { initialValue: "2024-01-01T00:00:00Z" }),
});

/** One run of the job. */
async function syncIssues(): Promise<void> {
  const stop = new AbortController();
  const onSigint = () => stop.abort(new Error("the instance is being evicted (SIGINT)"));
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const pipeline = dlt.pipeline({
      pipelineName: "issues_cron",
      // Deploy's disk is scratch: the working dir lives in a temp dir, the memory in the bucket.
      pipelinesDir: await Deno.makeTempDir({ prefix: "dlt_" }),
      destination: dlt.destinations.filesystem({ bucketUrl: `${bucketUrl}/${timelinePrefix()}` }),
      progress: "log",
    });
    const info = await pipeline.run(issues, {
      signal: stop.signal,
      checkpointEvery: { rows: 500 },
    });
    console.log(
      `${info.stopped ? "stopped: " : ""}loaded ${
        info.rowCounts.issues ?? 0
      } issue(s), state version ${info.stateVersion}`,
    );
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`Set ${name} (see the top of examples/deploy_cron.ts)`);
  return value;
}

// Deploy registers crons from top-level code; a failed run is retried after 1 s, 10 s and 1 min.
if (Deno.env.get("RUN_ONCE") || typeof Deno.cron !== "function") {
  await syncIssues();
} else {
  Deno.cron(
    "sync issues",
    "*/10 * * * *",
    { backoffSchedule: [1_000, 10_000, 60_000] },
    syncIssues,
  );
}
