/**
 * Scenario 1, the throughput ceiling: N rows of ten mixed fields through a pipeline with an
 * incremental cursor on `updated_at`, `append`, into the filesystem destination, versus a bare
 * loop that serialises the same rows to JSONL with batched writes (1 MiB buffer, one fsync at
 * the end). The rows are built before either is timed, as `bench/python/dlt_throughput.py`
 * does, and the two alternate (AB, BA, …) in one process so that drift hits both.
 *
 *   deno run -A bench/throughput.ts [--rows=1000000] [--runs=5] [--profile]
 *   deno run -A bench/throughput.ts --pipeline-only [--rows=1000000]   (one run, prints JSON)
 *
 * `--profile` adds one more pipeline run under the CPU profiler and prints where the time goes.
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import { type BenchRow, makePages } from "./_rows.ts";
import {
  type Comparison,
  emitResult,
  Flags,
  fmt,
  fmtMeasured,
  fmtSamples,
  freshDir,
  functionTable,
  measured,
  median,
  meets,
  profileMarkdown,
  Profiler,
  removeDir,
  summarizeProfile,
} from "./_measure.ts";

/** Runs the benchmark pipeline once over `pages` in a fresh folder; returns seconds. */
export async function pipelineOnce(
  pages: BenchRow[][],
  dir: string,
  onStage?: (stage: string) => void,
): Promise<number> {
  const rows = dlt.resource(async function* () {
    yield* pages;
  }, {
    name: "rows",
    writeDisposition: "append",
    incremental: dlt.incremental("updated_at"),
  });
  const pipeline = dlt.pipeline({
    pipelineName: "bench_throughput",
    pipelinesDir: join(dir, "pipelines"),
    destination: dlt.destinations.filesystem({ bucketUrl: join(dir, "bucket") }),
    datasetName: "bench",
    progress: onStage ? (event) => onStage(event.stage) : false,
  });
  const expected = pages.reduce((sum, page) => sum + page.length, 0);
  const start = performance.now();
  const info = await pipeline.run(rows);
  const seconds = (performance.now() - start) / 1000;
  if (info.rowCounts.rows !== expected) {
    throw new Error(`pipeline loaded ${info.rowCounts.rows} rows, expected ${expected}`);
  }
  return seconds;
}

/** The bare loop: JSON.stringify each row into a 1 MiB buffer, write it when full, fsync. */
export function bareLoopOnce(pages: BenchRow[][], path: string): number {
  const start = performance.now();
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  const buffer = new Uint8Array(1 << 20);
  const encoder = new TextEncoder();
  let used = 0;
  const flush = () => {
    let offset = 0;
    while (offset < used) offset += file.writeSync(buffer.subarray(offset, used));
    used = 0;
  };
  for (const page of pages) {
    for (let i = 0; i < page.length; i++) {
      const line = JSON.stringify(page[i]);
      if (used + line.length * 3 + 1 > buffer.length) flush();
      used += encoder.encodeInto(line, buffer.subarray(used)).written;
      buffer[used++] = 0x0a;
    }
  }
  flush();
  file.syncSync();
  file.close();
  return (performance.now() - start) / 1000;
}

/** One more pipeline run under the CPU profiler: where the time goes, overall and per phase. */
async function profiledRun(pages: BenchRow[][]): Promise<string[]> {
  const dir = await freshDir("throughput", "profile");
  const stages: [string, number][] = [];
  const profiler = new Profiler();
  await profiler.start();
  const t0 = performance.now();
  const seconds = await pipelineOnce(pages, dir, (stage) => {
    if (stages.at(-1)?.[0] !== stage) stages.push([stage, performance.now() - t0]);
  });
  const stoppedAt = performance.now() - t0;
  const profile = await profiler.stop();
  await removeDir(dir);
  // The profile's clock starts a little before t0: align the phases on its end instead.
  const offsetMs = (profile.endTime - profile.startTime) / 1000 - stoppedAt;
  const saved = join(dir, "..", "pipeline.cpuprofile");
  await Deno.writeTextFile(saved, JSON.stringify(profile));
  const phases = stages.filter(([stage]) => stage !== "done").map(([stage, at], i, all) => ({
    stage,
    fromMs: at,
    toMs: i + 1 < all.length ? all[i + 1][1] : seconds * 1000,
  }));
  const summary = summarizeProfile(profile, 40);
  const out = [
    `### Where the time goes (CPU profile of one more pipeline run)`,
    "",
    `${
      seconds.toFixed(2)
    } s under the profiler (sampling every 200 µs). Phases, from the run's progress events: ${
      phases.map((p) => `${p.stage} ${fmt(p.toMs - p.fromMs)} ms`).join(", ")
    }. \`(idle)\` is the main thread waiting for file I/O (async reads, writes, fsync). Full profile: \`bench/.work/throughput/pipeline.cpuprofile\` (Chrome DevTools, Performance tab).`,
    "",
    `Of the run, ${
      phases.map((p) => `${p.stage} ${fmt((100 * (p.toMs - p.fromMs)) / (seconds * 1000))}%`)
        .join(", ")
    }. The bare loop does only the serialise-and-write part of extract: no incremental, no schema inference, no \`_dlt_\` columns, no second copy into the bucket.`,
    "",
    "Whole run:",
    "",
    ...profileMarkdown(summary, 20),
  ];
  console.log(`phases: ${phases.map((p) => `${p.stage} ${fmt(p.toMs - p.fromMs)} ms`).join(", ")}`);
  for (const phase of phases) {
    if (phase.toMs - phase.fromMs < 100) continue;
    const part = summarizeProfile(profile, 12, {
      fromMs: phase.fromMs + offsetMs,
      toMs: phase.toMs + offsetMs,
    });
    out.push("", `Phase \`${phase.stage}\` only:`, "", ...functionTable(part, 10));
    console.log(
      `${phase.stage}: ${
        part.functions.slice(0, 8).map((f) => `${f.name} ${fmt(f.selfMs)} ms`).join("; ")
      }`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  const flags = new Flags();
  const n = flags.number("rows", 1_000_000);
  const runs = flags.number("runs", 5);
  const genStart = performance.now();
  const pages = makePages(n);
  const generateSeconds = (performance.now() - genStart) / 1000;

  if (flags.bool("pipeline-only")) {
    const dir = await freshDir("throughput-child", String(Deno.pid));
    const seconds = await pipelineOnce(pages, dir);
    await removeDir(dir);
    console.log(
      `JSON ${
        JSON.stringify({ tool: "dlt-deno", rows: n, seconds, rows_per_second: n / seconds })
      }`,
    );
    return;
  }

  const pipelineRps: number[] = [];
  const bareRps: number[] = [];
  const pairRatios: number[] = [];
  for (let run = 0; run < runs; run++) {
    const dir = await freshDir("throughput", `run${run}`);
    let p = 0;
    let b = 0;
    const doPipeline = async () => (p = await pipelineOnce(pages, join(dir, "pipeline")));
    const doBare = async () => {
      await Deno.mkdir(join(dir, "bare"), { recursive: true });
      b = bareLoopOnce(pages, join(dir, "bare", "rows.jsonl"));
    };
    if (run % 2 === 0) {
      await doPipeline();
      await doBare();
    } else {
      await doBare();
      await doPipeline();
    }
    pipelineRps.push(n / p);
    bareRps.push(n / b);
    pairRatios.push((n / p) / (n / b));
    console.log(
      `run ${run + 1}/${runs}: pipeline ${p.toFixed(2)} s (${fmt(n / p)} rows/s), bare loop ${
        b.toFixed(2)
      } s (${fmt(n / b)} rows/s), ratio ${((n / p) / (n / b)).toFixed(2)}`,
    );
    await removeDir(dir);
  }
  const a = measured("pipeline", "rows/s", pipelineRps);
  const bMeasured = measured("bare loop", "rows/s", bareRps);
  const ratio = median(pairRatios);
  const comparison: Comparison = {
    scenario: "1. Throughput ceiling",
    a,
    b: bMeasured,
    ratio,
    ratioText: "pipeline rows/s ÷ bare loop rows/s",
    aim: "≥ 0.8× (issue 13)",
    met: meets(ratio, { atLeast: 0.8 }),
  };
  const details = [
    `${fmt(n)} rows of 10 fields, pages of 1,000, built up front in ${
      generateSeconds.toFixed(1)
    } s (not timed). Pipeline: \`dlt.incremental("updated_at")\`, \`append\`, filesystem destination, one \`pipeline.run()\` into a fresh working dir and bucket each run. Bare loop: \`JSON.stringify\` per row into a 1 MiB buffer, \`writeSync\` when full, one \`fsync\`.`,
    "",
    `- pipeline: median ${fmtMeasured(a)}, runs ${fmtSamples(a)}`,
    `- bare loop: median ${fmtMeasured(bMeasured)}, runs ${fmtSamples(bMeasured)}`,
    `- ratio of each side-by-side pair: [${
      pairRatios.map((r) => r.toFixed(2)).join(", ")
    }], median ${ratio.toFixed(2)}`,
  ];

  if (flags.bool("profile")) {
    details.push("", ...await profiledRun(pages));
  }
  // What was changed for this scenario, and what each change bought (written by hand).
  const notes = await Deno.readTextFile(new URL("./throughput_notes.md", import.meta.url))
    .catch(() => undefined);
  if (notes) details.push("", ...notes.trimEnd().split("\n"));

  emitResult({
    id: "throughput",
    comparisons: [comparison],
    details,
    params: { rows: n, runs },
  });
}

if (import.meta.main) await main();
