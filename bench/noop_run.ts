/**
 * Scenario 3, a cron run with nothing new: whole processes, timed from spawn to exit.
 *
 * - this library: `deno run -A bench/_noop_child.ts run DIR`, one `pipeline.run()` whose
 *   resource yields the same rows as the run that set DIR up, so the incremental on `updated_at`
 *   filters every one of them and nothing is written;
 * - Python dlt: `python bench/python/dlt_noop_run.py --run DIR`, the same no-op in dlt;
 * - `deno run bench/_empty.ts`, the floor of any Deno process.
 *
 * The three alternate, after one untimed warm-up each (module and bytecode caches).
 *
 *   deno run -A bench/noop_run.ts [--rows=1000] [--runs=10] [--no-dlt]
 *
 * @module
 */
import { join } from "node:path";
import {
  BENCH_DIR,
  type Comparison,
  DENO,
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
  VENV_PYTHON,
} from "./_measure.ts";

interface ChildOutput {
  rows_loaded: number;
  run_seconds: number;
}

async function main(): Promise<void> {
  const flags = new Flags();
  const n = flags.number("rows", 1000);
  const runs = flags.number("runs", 10);
  const withDlt = !flags.bool("no-dlt");
  const work = await freshDir("noop");
  const oursDir = join(work, "deno");
  const dltDir = join(work, "dlt");
  await Deno.mkdir(oursDir, { recursive: true });
  await Deno.mkdir(dltDir, { recursive: true });
  const child = join(BENCH_DIR, "_noop_child.ts");
  const dltScript = join(BENCH_DIR, "python", "dlt_noop_run.py");
  const empty = join(BENCH_DIR, "_empty.ts");

  const ours = () => runChild(DENO, ["run", "-A", child, "run", oursDir, `${n}`]);
  const oursFresh = () =>
    runChild(DENO, ["run", "-A", child, "run", oursDir, `${n}`, "--fresh-local"]);
  const dltRun = () => runChild(VENV_PYTHON, [dltScript, "--rows", `${n}`, "--run", dltDir]);
  const emptyRun = () => runChild(DENO, ["run", empty]);

  await runChild(DENO, ["run", "-A", child, "setup", oursDir, `${n}`]);
  if (withDlt) await runChild(VENV_PYTHON, [dltScript, "--rows", `${n}`, "--setup", dltDir]);

  // Warm-up: module caches, .pyc files.
  await ours();
  await oursFresh();
  await emptyRun();
  if (withDlt) await dltRun();

  const oursMs: number[] = [];
  const oursInner: number[] = [];
  const freshMs: number[] = [];
  const dltMs: number[] = [];
  const dltInner: number[] = [];
  const emptyMs: number[] = [];
  const dltRatios: number[] = [];
  const emptyRatios: number[] = [];
  for (let run = 0; run < runs; run++) {
    const steps: (() => Promise<void>)[] = [
      async () => {
        const r = await ours();
        oursMs.push(r.ms);
        oursInner.push(lastJsonLine<ChildOutput>(r.stdout).run_seconds * 1000);
      },
      async () => {
        emptyMs.push((await emptyRun()).ms);
      },
      async () => {
        freshMs.push((await oursFresh()).ms);
      },
    ];
    if (withDlt) {
      steps.push(async () => {
        const r = await dltRun();
        const out = lastJsonLine<ChildOutput>(r.stdout);
        if (out.rows_loaded !== 0) {
          throw new Error(`dlt's no-op run loaded ${out.rows_loaded} rows`);
        }
        dltMs.push(r.ms);
        dltInner.push(out.run_seconds * 1000);
      });
    }
    // Rotate the order each round.
    for (let i = 0; i < steps.length; i++) await steps[(i + run) % steps.length]();
    if (withDlt) dltRatios.push(dltMs[run] / oursMs[run]);
    emptyRatios.push(oursMs[run] / emptyMs[run]);
    console.log(
      `run ${run + 1}/${runs}: ours ${oursMs[run].toFixed(0)} ms, fresh working dir ${
        freshMs[run].toFixed(0)
      } ms, empty deno ${emptyMs[run].toFixed(0)} ms${
        withDlt ? `, dlt ${dltMs[run].toFixed(0)} ms` : ""
      }`,
    );
  }
  await removeDir(work);

  const a = measured("this library, whole process", "ms", oursMs);
  const comparisons: Comparison[] = [];
  if (withDlt) {
    const b = measured("Python dlt, whole process", "ms", dltMs);
    const ratio = median(dltRatios);
    comparisons.push({
      scenario: "3. Cron run with nothing new (vs dlt)",
      a,
      b,
      ratio,
      ratioText: "dlt process time ÷ our process time",
      aim: "≥ 10×",
      met: meets(ratio, { atLeast: 10 }),
    });
  }
  const e = measured("`deno run` of an empty script", "ms", emptyMs);
  comparisons.push({
    scenario: "3. Cron run with nothing new (vs empty Deno)",
    a,
    b: e,
    ratio: median(emptyRatios),
    ratioText: "our process time ÷ empty `deno run` time",
    aim: "(context, no aim)",
    met: null,
  });
  const fresh = measured("this library, fresh working dir", "ms", freshMs);
  const inner = measured("inside the process", "ms", oursInner);
  const details = [
    `The rows (${
      fmt(n)
    }) were loaded once by a setup run; each timed run yields the same rows again and the incremental filters all of them. Whole processes, timed from spawn to exit, ${runs} rounds in rotating order after one warm-up each.`,
    "",
    `- this library: median ${fmtMeasured(a)}, runs ${
      fmtSamples(a)
    }; of which \`pipeline.run()\` itself ${fmtMeasured(inner)}`,
    `- this library with no local working dir (restores from the destination first, as a Deno Deploy isolate would): median ${
      fmtMeasured(fresh)
    }, runs ${fmtSamples(fresh)}`,
    `- \`deno run bench/_empty.ts\`: median ${fmtMeasured(e)}, runs ${fmtSamples(e)}`,
  ];
  if (withDlt) {
    const b = measured("dlt", "ms", dltMs);
    details.push(
      `- Python dlt: median ${fmtMeasured(b)}, runs ${
        fmtSamples(b)
      }; of which \`pipeline.run()\` itself ${fmtMeasured(measured("dlt inner", "ms", dltInner))}`,
    );
  } else details.push("- Python dlt: not run (`--no-dlt`).");
  emitResult({ id: "noop", comparisons, details, params: { rows: n, runs, dlt: withDlt } });
}

if (import.meta.main) await main();
