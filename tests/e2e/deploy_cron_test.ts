/**
 * examples/deploy_cron.ts as Deno Deploy would run it, against moto's S3 server and an issues API
 * on 127.0.0.1: one tick after another from fresh working dirs, a git-branch timeline kept apart
 * from production's, and an eviction (SIGINT) in the middle of a run.
 */
import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { useMoto } from "../helpers/moto.ts";
import { s3Target, type Target } from "../helpers/targets.ts";

const moto = useMoto();
const EXAMPLE = new URL("../../examples/deploy_cron.ts", import.meta.url).pathname;

/** An issues API: `GET /issues?since&page&per_page`, oldest update first; page `hangAt` never answers. */
interface Issue {
  id: number;
  title: string;
  updated_at: string;
}

interface IssuesApi {
  issues: Issue[];
  hangAt: number;
  onHang: () => void;
  server: Deno.HttpServer<Deno.NetAddr>;
  readonly url: string;
}

function issuesApi(count: number): IssuesApi {
  const issues: Issue[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    title: `Issue ${i + 1}`,
    updated_at: new Date(Date.UTC(2024, 0, 1, 0, i + 1)).toISOString(),
  }));
  const api: IssuesApi = {
    issues,
    hangAt: 0,
    onHang: () => {},
    server: Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request): Promise<Response> => {
        const url = new URL(request.url);
        const since = url.searchParams.get("since") ?? "";
        const page = Number(url.searchParams.get("page") ?? 1);
        const perPage = Number(url.searchParams.get("per_page") ?? 50);
        if (page === api.hangAt) {
          api.onHang();
          await new Promise<void>((resolve) =>
            request.signal.addEventListener("abort", () => resolve())
          );
          return new Response("gone", { status: 503 });
        }
        const fresh = api.issues.filter((issue) => issue.updated_at >= since);
        return Response.json(fresh.slice((page - 1) * perPage, page * perPage));
      },
    ),
    get url() {
      return `http://127.0.0.1:${api.server.addr.port}`;
    },
  };
  return api;
}

function tick(target: Target, apiUrl: string, timeline = "production") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", EXAMPLE],
    env: {
      ...target.env,
      DLT_BUCKET_URL: target.bucketUrl,
      ISSUES_API_URL: apiUrl,
      DENO_TIMELINE: timeline,
      RUN_ONCE: "1",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  });
}

async function output(command: Deno.Command): Promise<string> {
  const result = await command.output();
  const text = new TextDecoder().decode(result.stdout);
  assert.equal(result.code, 0, text + new TextDecoder().decode(result.stderr));
  return text;
}

function reader(target: Target, prefix: string) {
  return dlt.pipeline({
    pipelineName: "issues_cron",
    pipelinesDir: Deno.makeTempDirSync(),
    destination: dlt.destinations.filesystem({
      bucketUrl: `${target.bucketUrl}/${prefix}`,
      credentials: {
        awsAccessKeyId: target.env.AWS_ACCESS_KEY_ID,
        awsSecretAccessKey: target.env.AWS_SECRET_ACCESS_KEY,
        endpointUrl: target.env.AWS_ENDPOINT_URL_S3,
        regionName: "us-east-1",
      },
    }),
    logger: { warn: () => {}, info: () => {} },
  });
}

Deno.test("the Deploy cron example loads what is new at each tick, from a fresh instance each time", async () => {
  const target = await s3Target(moto());
  const api = issuesApi(120);
  try {
    assert.match(await output(tick(target, api.url)), /loaded 120 issue\(s\), state version 1/);
    api.issues.push({ id: 121, title: "Issue 121", updated_at: "2024-01-02T00:00:00.000Z" });
    api.issues[0].updated_at = "2024-01-02T00:01:00.000Z";
    api.issues[0].title = "Issue 1 (edited)";
    assert.match(await output(tick(target, api.url)), /loaded 2 issue\(s\), state version 2/);
    // A tick that fires twice loads nothing twice.
    assert.match(await output(tick(target, api.url)), /loaded 0 issue\(s\), state version 2/);
    const rows = await reader(target, "production").dataset().table("issues").toArray();
    assert.equal(rows.length, 121);
    assert.equal(rows.find((row) => row.id === 1)?.title, "Issue 1 (edited)");
  } finally {
    await api.server.shutdown();
  }
});

Deno.test("a git-branch timeline of the Deploy cron example never advances production's state", async () => {
  const target = await s3Target(moto());
  const api = issuesApi(10);
  try {
    await output(tick(target, api.url));
    api.issues.push({ id: 11, title: "Issue 11", updated_at: "2024-01-02T00:00:00.000Z" });
    assert.match(
      await output(tick(target, api.url, "git-branch/feature-x")),
      /loaded 11 issue\(s\), state version 1/,
    );
    const production = reader(target, "production");
    await production.syncDestination();
    assert.equal(production.state._state_version, 1);
    assert.equal(await production.dataset().table("issues").count(), 10);
    const branch = reader(target, "timelines/git-branch_2ffeature-x");
    assert.equal(await branch.dataset().table("issues").count(), 11);
  } finally {
    await api.server.shutdown();
  }
});

Deno.test("an evicted Deploy cron run (SIGINT) commits what it loaded at once, and the next tick the rest", async () => {
  const target = await s3Target(moto());
  const api = issuesApi(200);
  api.hangAt = 3; // pages 1 and 2 answer (100 issues), page 3 hangs until the run stops
  try {
    const child = tick(target, api.url).spawn();
    await new Promise<void>((resolve) => (api.onHang = resolve));
    const evicted = Date.now();
    child.kill("SIGINT");
    const result = await child.output();
    const text = new TextDecoder().decode(result.stdout);
    assert.equal(result.code, 0, text + new TextDecoder().decode(result.stderr));
    assert.ok(Date.now() - evicted < 5_000, "it did not stop within Deploy's 5 s");
    assert.match(text, /stopped: loaded 100 issue\(s\), state version 1/);
    api.hangAt = 0;
    // The API answers from the cursor on (inclusive); the boundary row is deduplicated.
    assert.match(await output(tick(target, api.url)), /loaded 100 issue\(s\), state version 2/);
    const rows = await reader(target, "production").dataset().table("issues").toArray();
    assert.equal(rows.length, 200);
  } finally {
    await api.server.shutdown();
  }
});
