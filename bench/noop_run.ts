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
  functionTable,
  lastJsonLine,
  measured,
  median,
  meets,
  type ProfileSummary,
  removeDir,
  ROOT,
  runChild,
  runDenoJson,
  VENV_PYTHON,
} from "./_measure.ts";

interface ChildOutput {
  rows_loaded: number;
  run_seconds: number;
}

interface ProfileOutput {
  boot_ms: number;
  imports_ms: number;
  setup_ms: number;
  run_ms: number;
  profile?: { imports: ProfileSummary; run: ProfileSummary };
}

/** Splits our no-op process into boot, imports, setup, run and exit; profiles imports and run. */
async function whereTheTimeGoes(dir: string, n: number, runs: number): Promise<string[]> {
  const parts: Record<string, number[]> = { boot: [], imports: [], setup: [], run: [], rest: [] };
  for (let i = 0; i < runs; i++) {
    const { json, run } = await runDenoJson<ProfileOutput>("_noop_profile.ts", [dir, `${n}`]);
    parts.boot.push(json.boot_ms);
    parts.imports.push(json.imports_ms);
    parts.setup.push(json.setup_ms);
    parts.run.push(json.run_ms);
    parts.rest.push(run.ms - json.boot_ms - json.imports_ms - json.setup_ms - json.run_ms);
  }
  // What each dependency of the library costs a process that imports only it.
  const probes: [string, string][] = [
    ["nothing (empty script)", ""],
    ["`node:crypto`", 'import "node:crypto";'],
    [
      "`node:async_hooks`, `node:path`, `node:os`, `node:url`",
      'import "node:async_hooks";\nimport "node:path";\nimport "node:os";\nimport "node:url";',
    ],
    ["`js-yaml` (npm)", 'import "npm:js-yaml@4.1.0";'],
    ["`mod.ts` (the whole library)", `import ${JSON.stringify(join(ROOT, "mod.ts"))};`],
  ];
  const probeDir = join(dir, "..", "import-probes");
  await Deno.mkdir(probeDir, { recursive: true });
  const files = await Promise.all(probes.map(async ([, code], i) => {
    const file = join(probeDir, `probe${i}.ts`);
    await Deno.writeTextFile(file, code + "\n");
    return file;
  }));
  for (const file of files) await runChild(DENO, ["run", "-A", file]); // warm the caches
  const probeMs: number[][] = probes.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < files.length; k++) {
      const index = (k + i) % files.length;
      probeMs[index].push((await runChild(DENO, ["run", "-A", files[index]])).ms);
    }
  }
  const base = median(probeMs[0]);
  const probeLines = probes.map(([label], i) =>
    `| ${label} | ${fmt(median(probeMs[i]), 1)} ms | ${
      i === 0 ? "" : `+${fmt(median(probeMs[i]) - base, 1)} ms`
    } |`
  );

  const profiled = await runDenoJson<ProfileOutput>("_noop_profile.ts", [dir, `${n}`, "--profile"]);
  const out = [
    "### Where the time of our process goes",
    "",
    `\`bench/_noop_profile.ts\` (the same run, with the library loaded by a timed \`import()\`), ${runs} runs, medians: Deno start-up to the script's first line ${
      fmt(median(parts.boot), 1)
    } ms; importing the library (\`mod.ts\`) and the row generator ${
      fmt(median(parts.imports), 1)
    } ms; building the ${fmt(n)} rows and the pipeline ${
      fmt(median(parts.setup), 1)
    } ms; \`pipeline.run()\` ${fmt(median(parts.run), 1)} ms; the rest (spawn, exit, pipes) ${
      fmt(median(parts.rest), 1)
    } ms.`,
  ];
  out.push(
    "",
    `What the library's imports cost on their own: \`deno run\` of a script importing only them, whole process, median of ${runs}:`,
    "",
    "| the script imports | process time | over the empty script |",
    "| --- | --: | --: |",
    ...probeLines,
  );
  const profile = profiled.json.profile;
  if (profile) {
    out.push(
      "",
      "Self time while importing the library (one profiled run; the profiler itself loads `node:inspector` first):",
      "",
      ...functionTable(profile.imports, 10),
      "",
      "Self time in `pipeline.run()` (same run):",
      "",
      ...functionTable(profile.run, 10),
    );
  }
  return out;
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
  const where = await whereTheTimeGoes(oursDir, n, runs);
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
  details.push("", ...where);
  emitResult({ id: "noop", comparisons, details, params: { rows: n, runs, dlt: withDlt } });
}

if (import.meta.main) await main();
