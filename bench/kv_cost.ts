/**
 * What a cron run costs in Deno KV reads and writes, counted by a wrapper around the `Deno.Kv`
 * (`tests/helpers/counting_kv.ts`), on a local database file. Each run starts from a fresh
 * working dir, as on Deno Deploy, so its state comes back from KV:
 *
 * - the first run, loading 1,000 rows into an empty database;
 * - a run that finds nothing new (after 1, then after 30 earlier loads: it costs the same);
 * - a run that loads 1,000 new rows;
 *
 * then what the database holds. The README's figures ("Deno KV as the destination") come from it.
 *
 *   deno run -A --unstable-kv bench/kv_cost.ts        (deno task bench:kv)
 *
 * @module
 */
import * as dlt from "../mod.ts";
import { kvDestination } from "../kv.ts";
import { countingKv, type KvCounts, valueBytes } from "../tests/helpers/counting_kv.ts";
import { emitResult, measured, meets } from "./_measure.ts";

const ROWS = 1_000;

/** Events `1..upTo`, each a row of a few columns, loaded incrementally by id. */
function events(upTo: number) {
  return dlt.resource(function* ({ incremental }) {
    const after = Number(incremental.lastValue ?? 0);
    const rows = [];
    for (let id = after + 1; id <= upTo; id++) {
      rows.push({
        id,
        created_at: new Date(Date.UTC(2024, 0, 1) + id * 60_000).toISOString(),
        kind: id % 3 === 0 ? "refund" : "sale",
        amount: Math.round(id * 137.5) / 100,
        customer: `customer-${id % 97}`,
      });
      if (rows.length === 100) yield rows.splice(0);
    }
    if (rows.length > 0) yield rows;
  }, {
    name: "events",
    primaryKey: "id",
    incremental: dlt.incremental<number>("id", { initialValue: 0 }),
  });
}

const dir = await Deno.makeTempDir({ prefix: "dlt_kv_cost_" });
const kv = await Deno.openKv(`${dir}/kv.sqlite3`);

/** One run from a fresh working dir over a counting handle; returns what it cost. */
async function run(upTo: number): Promise<{ counts: KvCounts; rows: number }> {
  const counting = countingKv(kv);
  const pipelinesDir = await Deno.makeTempDir({ dir, prefix: "run_" });
  const pipeline = dlt.pipeline({
    pipelineName: "cron",
    pipelinesDir,
    destination: kvDestination(counting.kv),
    logger: { warn: () => {}, info: () => {} },
  });
  const info = await pipeline.run(events(upTo));
  await Deno.remove(pipelinesDir, { recursive: true });
  return { counts: { ...counting.counts }, rows: info.rowCounts.events ?? 0 };
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const lines = [
  "| run (fresh working dir) | rows | KV read calls | keys read | KiB read | atomic commits | keys written | KiB written |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
];
function report(what: string, { counts: c, rows }: { counts: KvCounts; rows: number }) {
  lines.push(
    `| ${what} | ${rows} | ${c.readCalls} | ${c.keysRead} | ${
      kib(c.bytesRead)
    } | ${c.commits} | ${c.keysWritten} | ${kib(c.bytesWritten)} |`,
  );
}

report(`first run, ${ROWS} rows into an empty database`, await run(ROWS));
const afterOne = await run(ROWS);
report("nothing new, after 1 load", afterOne);
let upTo = ROWS;
for (let i = 0; i < 29; i++) await run(upTo += 10);
const afterThirty = await run(upTo);
report("nothing new, after 30 loads", afterThirty);
const newRows = await run(upTo += ROWS);
report(`${ROWS} new rows, after 30 loads`, newRows);

let keys = 0;
let bytes = 0;
for await (const entry of kv.list({ prefix: ["dlt"] })) {
  keys++;
  bytes += valueBytes(entry.value);
}
kv.close();
const file = (await Deno.stat(`${dir}/kv.sqlite3`)).size;
await Deno.remove(dir, { recursive: true });

console.log(`Deno ${Deno.version.deno}, ${upTo} rows in 31 loads\n`);
console.log(lines.join("\n"));
console.log(
  `\nThe database then holds ${keys} keys, ${kib(bytes)} KiB of values (the local file: ${
    kib(file)
  } KiB).`,
);
const readRatio = afterThirty.counts.readCalls / afterOne.counts.readCalls;
emitResult({
  id: "kv",
  comparisons: [{
    scenario: "10. Deno KV: cold start",
    a: measured("KV read calls, after 30 loads", "calls", [afterThirty.counts.readCalls]),
    b: measured("KV read calls, after 1 load", "calls", [afterOne.counts.readCalls]),
    ratio: readRatio,
    ratioText: "read calls of a run that finds nothing new, after 30 loads ÷ after 1",
    aim: "1×, no writes (issue 14)",
    met: meets(readRatio, { atMost: 1 }) && afterThirty.counts.commits === 0,
  }],
  details: [
    `Counted by a wrapper around the \`Deno.Kv\` (\`tests/helpers/counting_kv.ts\`), on a local database file; each run from a fresh working dir, as on Deno Deploy. Deno ${Deno.version.deno}.`,
    "",
    ...lines,
    "",
    `The database then holds ${keys} keys, ${kib(bytes)} KiB of values (the local file: ${
      kib(file)
    } KiB).`,
  ],
  params: { rows: ROWS, loads: 31 },
});
