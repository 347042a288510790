/**
 * Scenario 2, Python dlt on the same work: N rows, the same incremental cursor, `append`, into
 * dlt's filesystem destination as `jsonl` (`bench/python/dlt_throughput.py`), versus this
 * library's pipeline (`bench/throughput.ts --pipeline-only`). Each side runs in its own process,
 * builds its rows before its timer starts and times only `pipeline.run()`; the two alternate.
 *
 *   deno run -A bench/dlt_throughput.ts [--rows=1000000] [--runs=3]
 *
 * Needs `bench/.venv` with dlt (`bash bench/python/setup.sh`).
 *
 * @module
 */
import { join } from "node:path";
import {
  BENCH_DIR,
  type Comparison,
  emitResult,
  Flags,
  fmt,
  fmtMeasured,
  fmtSamples,
  freshDir,
  lastJsonLine,
  measured,
  median,
  meets,
  removeDir,
  runChild,
  runDenoJson,
  VENV_PYTHON,
} from "./_measure.ts";

interface DltOutput {
  version: string;
  seconds: number;
  rows_per_second: number;
  generate_seconds: number;
  phases: Record<string, number>;
}

interface OursOutput {
  seconds: number;
  rows_per_second: number;
}

async function main(): Promise<void> {
  const flags = new Flags();
  const n = flags.number("rows", 1_000_000);
  const runs = flags.number("runs", 3);
  const tmp = await freshDir("dlt-throughput");
  const dltRps: number[] = [];
  const oursRps: number[] = [];
  const ratios: number[] = [];
  const phases: Record<string, number>[] = [];
  let version = "?";
  const runDlt = async () => {
    const run = await runChild(VENV_PYTHON, [
      join(BENCH_DIR, "python", "dlt_throughput.py"),
      `${n}`,
    ], {
      env: { TMPDIR: tmp },
    });
    const out = lastJsonLine<DltOutput>(run.stdout);
    version = out.version;
    phases.push(out.phases);
    return out.rows_per_second;
  };
  const runOurs = async () =>
    (await runDenoJson<OursOutput>("throughput.ts", ["--pipeline-only", `--rows=${n}`])).json
      .rows_per_second;
  for (let run = 0; run < runs; run++) {
    let d = 0;
    let o = 0;
    if (run % 2 === 0) {
      o = await runOurs();
      d = await runDlt();
    } else {
      d = await runDlt();
      o = await runOurs();
    }
    oursRps.push(o);
    dltRps.push(d);
    ratios.push(o / d);
    console.log(
      `run ${run + 1}/${runs}: ours ${fmt(o)} rows/s, dlt ${fmt(d)} rows/s, ratio ${
        (o / d).toFixed(1)
      }`,
    );
  }
  await removeDir(tmp);
  const a = measured("this library", "rows/s", oursRps);
  const b = measured(`Python dlt ${version}`, "rows/s", dltRps);
  const ratio = median(ratios);
  const comparison: Comparison = {
    scenario: "2. Python dlt on the same work",
    a,
    b,
    ratio,
    ratioText: "our rows/s ÷ dlt rows/s",
    aim: "≥ 20×",
    met: meets(ratio, { atLeast: 20 }),
  };
  const phaseNames = Object.keys(phases[0] ?? {});
  emitResult({
    id: "dlt_throughput",
    comparisons: [comparison],
    details: [
      `${
        fmt(n)
      } rows, same rows and cursor (\`dlt.sources.incremental("updated_at")\`), \`append\`, filesystem destination, \`loader_file_format="jsonl"\`, compression off. Each side in its own process, rows built before the timer, only \`pipeline.run()\` timed; the two alternate.`,
      "",
      `- this library: median ${fmtMeasured(a)}, runs ${fmtSamples(a)}`,
      `- dlt ${version}: median ${fmtMeasured(b)}, runs ${fmtSamples(b)}`,
      `- dlt's own split of its run (median s): ${
        phaseNames.map((name) => `${name} ${median(phases.map((p) => p[name])).toFixed(2)}`)
          .join(", ")
      }`,
      `- ratio of each pair: [${ratios.map((r) => r.toFixed(1)).join(", ")}], median ${
        ratio.toFixed(1)
      }`,
    ],
    params: { rows: n, runs, dlt: version },
  });
}

if (import.meta.main) await main();
