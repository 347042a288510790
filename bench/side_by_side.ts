/**
 * Scenario 7, resources side by side: a source of N resources, each paging through a local REST
 * API (`Deno.serve` on 127.0.0.1 that answers each page after a 20 ms wait, 100 rows a page),
 * 50 pages each, versus one such resource alone. Round robin (the default) should take about as
 * long as one resource; `fifo` (one after the other, this library's order before) takes N times
 * as long and is measured alongside for context. Every variant runs in one process, in rotating
 * order, each `pipeline.run()` timed into a fresh working dir and bucket.
 *
 *   deno run -A bench/side_by_side.ts [--pages=50] [--wait-ms=20] [--runs=5]
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import {
  type Comparison,
  emitResult,
  Flags,
  fmt,
  fmtSamples,
  freshDir,
  measured,
  median,
  meets,
  removeDir,
} from "./_measure.ts";

const flags = new Flags();
const pages = flags.number("pages", 50);
const waitMs = flags.number("wait-ms", 20);
const runs = flags.number("runs", 5);
const pageSize = 100;

// The API: GET /<resource>?page=N answers 100 rows after waitMs; page `pages` is empty.
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
  const url = new URL(request.url);
  const page = Number(url.searchParams.get("page"));
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  const rows = page >= pages ? [] : Array.from({ length: pageSize }, (_, i) => ({
    id: page * pageSize + i,
    resource: url.pathname.slice(1),
    updated_at: new Date(Date.UTC(2024, 0, 1) + (page * pageSize + i) * 1000).toISOString(),
    payload: "x".repeat(40),
  }));
  return Response.json({ rows, next: page + 1 < pages ? page + 1 : null });
});
const base = `http://127.0.0.1:${server.addr.port}`;

/** A resource paging through `/<name>` with `ctx.signal`, the next page in its state. */
function apiResource(name: string) {
  return dlt.resource(async function* ({ signal }) {
    const state = dlt.current.resourceState<{ nextPage?: number | null }>();
    let page: number | null = state.nextPage ?? 0;
    while (page !== null) {
      const response = await fetch(`${base}/${name}?page=${page}`, { signal });
      const body = await response.json() as { rows: dlt.Row[]; next: number | null };
      yield body.rows;
      state.nextPage = page = body.next;
    }
  }, { name });
}

async function once(resources: number, nextItemMode: dlt.NextItemMode): Promise<number> {
  const dir = await freshDir("side_by_side", `${resources}_${nextItemMode}`);
  try {
    const pipeline = dlt.pipeline({
      pipelineName: "side_by_side",
      pipelinesDir: join(dir, "pipelines"),
      destination: dlt.destinations.filesystem({ bucketUrl: join(dir, "bucket") }),
    });
    const source = dlt.source(
      "api",
      Array.from({ length: resources }, (_, i) => apiResource(`r${i}`)),
    );
    const started = performance.now();
    const info = await pipeline.run(source, { nextItemMode });
    const ms = performance.now() - started;
    if (info.totalRows !== resources * pages * pageSize) {
      throw new Error(`loaded ${info.totalRows} rows`);
    }
    return ms;
  } finally {
    await removeDir(dir);
  }
}

const variants = [
  { key: "one", resources: 1, mode: "round_robin" },
  { key: "two", resources: 2, mode: "round_robin" },
  { key: "five", resources: 5, mode: "round_robin" },
  { key: "two_fifo", resources: 2, mode: "fifo" },
  { key: "five_fifo", resources: 5, mode: "fifo" },
] as const;
type Key = typeof variants[number]["key"];

await once(1, "round_robin"); // warm-up
const samples = Object.fromEntries(variants.map((v) => [v.key, [] as number[]])) as Record<
  Key,
  number[]
>;
const ratios = { two: [] as number[], five: [] as number[], twoFifo: [] as number[] };
for (let run = 0; run < runs; run++) {
  // Rotate the order so that drift does not always hit the same variant.
  const order = variants.map((_, i) => variants[(i + run) % variants.length]);
  const times = {} as Record<Key, number>;
  for (const variant of order) times[variant.key] = await once(variant.resources, variant.mode);
  for (const variant of variants) samples[variant.key].push(times[variant.key]);
  ratios.two.push(times.two / times.one);
  ratios.five.push(times.five / times.one);
  ratios.twoFifo.push(times.two_fifo / times.one);
  console.log(
    `run ${run + 1}/${runs}: one ${fmt(times.one)} ms, two ${fmt(times.two)} ms (${
      fmt(times.two / times.one, 2)
    }×), five ${fmt(times.five)} ms (${fmt(times.five / times.one, 2)}×); fifo: two ${
      fmt(times.two_fifo)
    } ms, five ${fmt(times.five_fifo)} ms`,
  );
}
await server.shutdown();

const one = measured("one resource alone", "ms", samples.one);
const comparisons: Comparison[] = [
  {
    scenario: "7. Side by side: 2 resources",
    a: measured("2 resources, round robin", "ms", samples.two),
    b: one,
    ratio: median(ratios.two),
    ratioText: "wall time of the source ÷ wall time of one resource alone",
    aim: "≤ 1.2× (issue 13)",
    met: meets(median(ratios.two), { atMost: 1.2 }),
  },
  {
    scenario: "7. Side by side: 5 resources",
    a: measured("5 resources, round robin", "ms", samples.five),
    b: one,
    ratio: median(ratios.five),
    ratioText: "wall time of the source ÷ wall time of one resource alone",
    aim: "≤ 1.5× (issue 13)",
    met: meets(median(ratios.five), { atMost: 1.5 }),
  },
  {
    scenario: "7. Side by side: 2 resources, fifo",
    a: measured("2 resources, fifo", "ms", samples.two_fifo),
    b: one,
    ratio: median(ratios.twoFifo),
    ratioText: "the same, one resource after the other (the order before issue 13)",
    aim: "(context, no aim)",
    met: null,
  },
];
emitResult({
  id: "side_by_side",
  comparisons,
  details: [
    `A source of N resources, each paging through a local API (\`Deno.serve\` on 127.0.0.1; every page answered after a ${waitMs} ms wait, ${pageSize} rows of 4 fields) with \`fetch\`, ${pages} pages each, the next page in resource state; one \`pipeline.run()\` each into a fresh working dir, ${runs} rounds in rotating order after a warm-up.`,
    "",
    ...variants.map((v) =>
      `- ${v.resources} resource(s), ${v.mode}: median ${fmt(median(samples[v.key]))} ms, runs ${
        fmtSamples(measured(v.key, "ms", samples[v.key]))
      }`
    ),
    `- ratios to one resource alone, per round: 2 resources [${
      ratios.two.map((r) => r.toFixed(2)).join(", ")
    }], 5 resources [${ratios.five.map((r) => r.toFixed(2)).join(", ")}], 2 resources fifo [${
      ratios.twoFifo.map((r) => r.toFixed(2)).join(", ")
    }]`,
  ],
  params: { pages, waitMs, runs, pageSize },
});
