/**
 * Scenario 5, memory stays flat: the peak RSS of a process that runs the throughput pipeline
 * (incremental on `updated_at`, `append`, filesystem destination) over 10,000,000 rows versus
 * 1,000,000 rows. The rows are built lazily, one page of 1,000 at a time, as a paginated API
 * would deliver them, so the process holds only what the library holds. Each run is its own
 * child process, which reports its `VmHWM` (peak RSS) at the end; small and large alternate.
 *
 *   deno run -A bench/memory.ts [--small=1000000] [--large=10000000] [--runs=2]
 *   deno run -A bench/memory.ts --child --rows=N       (one run, prints JSON)
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import { lazyPages } from "./_rows.ts";
import {
  type Comparison,
  emitResult,
  Flags,
  fmt,
  fmtMeasured,
  fmtSamples,
  freshDir,
  measured,
  median,
  meets,
  mib,
  peakRssBytes,
  removeDir,
  runDenoJson,
} from "./_measure.ts";

interface ChildOutput {
  rows: number;
  seconds: number;
  peak_rss_bytes: number;
}

async function child(n: number): Promise<void> {
  const dir = await freshDir("memory", `child-${Deno.pid}`);
  const rows = dlt.resource(async function* () {
    yield* lazyPages(n);
  }, { name: "rows", writeDisposition: "append", incremental: dlt.incremental("updated_at") });
  const pipeline = dlt.pipeline({
    pipelineName: "bench_memory",
    pipelinesDir: join(dir, "pipelines"),
    destination: dlt.destinations.filesystem({ bucketUrl: join(dir, "bucket") }),
    datasetName: "bench",
  });
  const start = performance.now();
  const info = await pipeline.run(rows);
  const seconds = (performance.now() - start) / 1000;
  const peak = peakRssBytes();
  await removeDir(dir);
  if (info.rowCounts.rows !== n) throw new Error(`loaded ${info.rowCounts.rows} of ${n} rows`);
  const out: ChildOutput = { rows: n, seconds, peak_rss_bytes: peak };
  console.log(`JSON ${JSON.stringify(out)}`);
}

async function main(): Promise<void> {
  const flags = new Flags();
  if (flags.bool("child")) {
    await child(flags.number("rows", 1_000_000));
    return;
  }
  const small = flags.number("small", 1_000_000);
  const large = flags.number("large", 10_000_000);
  const runs = flags.number("runs", 2);
  const smallPeak: number[] = [];
  const largePeak: number[] = [];
  const smallSeconds: number[] = [];
  const largeSeconds: number[] = [];
  const ratios: number[] = [];
  const one = async (n: number) =>
    (await runDenoJson<ChildOutput>("memory.ts", ["--child", `--rows=${n}`])).json;
  for (let run = 0; run < runs; run++) {
    let s: ChildOutput;
    let l: ChildOutput;
    if (run % 2 === 0) {
      s = await one(small);
      l = await one(large);
    } else {
      l = await one(large);
      s = await one(small);
    }
    smallPeak.push(mib(s.peak_rss_bytes));
    largePeak.push(mib(l.peak_rss_bytes));
    smallSeconds.push(s.seconds);
    largeSeconds.push(l.seconds);
    ratios.push(l.peak_rss_bytes / s.peak_rss_bytes);
    console.log(
      `run ${run + 1}/${runs}: ${fmt(small)} rows peak ${fmt(mib(s.peak_rss_bytes), 1)} MiB (${
        s.seconds.toFixed(1)
      } s), ${fmt(large)} rows peak ${fmt(mib(l.peak_rss_bytes), 1)} MiB (${
        l.seconds.toFixed(1)
      } s)`,
    );
  }
  await removeDir(await freshDir("memory"));
  const a = measured(`peak RSS, ${fmt(large)} rows`, "MiB", largePeak);
  const b = measured(`peak RSS, ${fmt(small)} rows`, "MiB", smallPeak);
  const ratio = median(ratios);
  const comparison: Comparison = {
    scenario: "5. Memory stays flat",
    a,
    b,
    ratio,
    ratioText: `peak RSS with ${fmt(large)} rows ÷ with ${fmt(small)} rows`,
    aim: "≤ 1.2×",
    met: meets(ratio, { atMost: 1.2 }),
  };
  emitResult({
    id: "memory",
    comparisons: [comparison],
    details: [
      `The throughput pipeline (incremental, \`append\`, filesystem destination) in a child process per run, rows built lazily a page of 1,000 at a time; peak RSS is the child's \`VmHWM\` read at its end. ${runs} alternating rounds.`,
      "",
      `- ${fmt(large)} rows: peak ${fmtMeasured(a)}, runs ${fmtSamples(a)}; run time median ${
        median(largeSeconds).toFixed(1)
      } s (${fmt(large / median(largeSeconds))} rows/s)`,
      `- ${fmt(small)} rows: peak ${fmtMeasured(b)}, runs ${fmtSamples(b)}; run time median ${
        median(smallSeconds).toFixed(1)
      } s (${fmt(small / median(smallSeconds))} rows/s)`,
    ],
    params: { small, large, runs },
  });
}

if (import.meta.main) await main();
