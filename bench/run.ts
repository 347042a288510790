/**
 * `deno task bench`: runs every benchmark scenario, each in its own process, and writes
 * `bench/RESULTS.md` (machine, versions, date, the table of medians and ratios, the details and
 * the CPU profile of the throughput pipeline).
 *
 *   deno run -A bench/run.ts                 full run (about 25 minutes on 2 cores), writes bench/RESULTS.md
 *   deno run -A bench/run.ts --quick         fewer rows and runs (a smoke test, under a minute);
 *                                            writes bench/.work/RESULTS.quick.md
 *   deno run -A bench/run.ts --only=noop,restore   some scenarios (ids below)
 *   deno run -A bench/run.ts --no-dlt        skip Python dlt (otherwise installed on first use
 *                                            by bench/python/setup.sh into bench/.venv)
 *   deno run -A bench/run.ts --out=FILE      write the results elsewhere
 *
 * Scenario ids: throughput, dlt_throughput, noop, restore, memory, incremental, checkpoint,
 * merge, side_by_side, stop, s3 (needs moto: `bash tests/setup/moto.sh`), kv.
 *
 * @module
 */
import { join, relative } from "node:path";
import {
  BENCH_DIR,
  type Comparison,
  DENO,
  Flags,
  fmt,
  fmtMeasured,
  mib,
  ROOT,
  runChild,
  type ScenarioResult,
  VENV_PYTHON,
  WORK_DIR,
} from "./_measure.ts";

interface Scenario {
  id: string;
  title: string;
  script: string;
  args: string[];
  needsDlt?: boolean;
  /** Flags for `deno run` besides `-A` (e.g. `--unstable-kv`). */
  denoFlags?: string[];
  /** Turns the output of a script that does not print `RESULT` into a result. */
  parse?: (stdout: string) => ScenarioResult;
}

function scenarios(quick: boolean, withDlt: boolean): Scenario[] {
  const q = <T>(full: T, small: T) => quick ? small : full;
  return [
    {
      id: "throughput",
      title: "1. Throughput ceiling",
      script: "throughput.ts",
      args: [`--rows=${q(1_000_000, 100_000)}`, `--runs=${q(5, 2)}`, "--profile"],
    },
    {
      id: "dlt_throughput",
      title: "2. Python dlt on the same work",
      script: "dlt_throughput.ts",
      args: [`--rows=${q(1_000_000, 50_000)}`, `--runs=${q(5, 1)}`],
      needsDlt: true,
    },
    {
      id: "noop",
      title: "3. A cron run with nothing new",
      script: "noop_run.ts",
      args: [`--runs=${q(15, 3)}`, ...(withDlt ? [] : ["--no-dlt"])],
    },
    {
      id: "restore",
      title: "4. Restore does not grow with history",
      script: "restore.ts",
      args: [`--history=${q(1_000_000, 100_000)}`, `--runs=${q(30, 5)}`],
    },
    {
      id: "memory",
      title: "5. Memory stays flat",
      script: "memory.ts",
      args: [
        `--small=${q(1_000_000, 1_000_000)}`,
        `--large=${q(10_000_000, 2_000_000)}`,
        `--runs=${q(2, 1)}`,
      ],
    },
    {
      id: "incremental",
      title: "6. Incremental filter",
      script: "incremental_filter_bench.ts",
      args: [`--rows=${q(1_000_000, 100_000)}`, `--rounds=${q(5, 2)}`],
      parse: parseIncremental,
    },
    {
      id: "checkpoint",
      title: "6. Checkpoint cost",
      script: "checkpoint_bench.ts",
      args: [`--rows=${q(200_000, 50_000)}`, `--every=${q(10_000, 10_000)}`, `--runs=${q(5, 2)}`],
    },
    {
      id: "merge",
      title: "6. Merge",
      script: "merge_bench.ts",
      args: [
        `--rows=${q(1_000_000, 100_000)}`,
        `--changed=${q(10_000, 1_000)}`,
        `--small=${q(10_000, 1_000)}`,
        `--runs=${q(9, 2)}`,
      ],
    },
    {
      id: "side_by_side",
      title: "7. Resources side by side",
      script: "side_by_side.ts",
      args: [`--pages=${q(50, 10)}`, "--wait-ms=20", `--runs=${q(5, 2)}`],
    },
    {
      id: "stop",
      title: "8. Stopping in time",
      script: "stop_latency.ts",
      args: [`--runs=${q(7, 2)}`, "--pages=20"],
    },
    {
      id: "s3",
      title: "9. Object storage (moto)",
      script: "s3_requests.ts",
      args: [`--loads=${q(10_000, 100)}`, `--rows=${q(10_000, 1_000)}`, `--runs=${q(3, 1)}`],
    },
    {
      id: "kv",
      title: "10. Deno KV costs",
      script: "kv_cost.ts",
      args: [],
      denoFlags: ["--unstable-kv"],
    },
  ];
}

/** `bench/incremental_filter_bench.ts` prints lines and a final `ratio N.NNx (…)`. */
function parseIncremental(stdout: string): ScenarioResult {
  const lines = stdout.trim().split("\n").filter((line) => line.trim().length > 0);
  const ratioLine = lines.findLast((line) => /^ratio\s+[\d.]+x/.test(line));
  if (!ratioLine) throw new Error(`no "ratio" line in:\n${stdout.slice(-1000)}`);
  const ratio = Number(/^ratio\s+([\d.]+)x/.exec(ratioLine)![1]);
  const perKind = lines.filter((line) => line !== ratioLine);
  // "…: pass-through 12.3 ms, incremental 45.6 ms (…), ratio 3.71x": the line the headline
  // ratio comes from, else the worst one.
  const kinds = perKind.map((line) => {
    const m = /pass-through ([\d.]+) ms, incremental ([\d.]+) ms.*ratio ([\d.]+)x/.exec(line);
    return m ? { pass: Number(m[1]), inc: Number(m[2]), ratio: Number(m[3]), line } : undefined;
  }).filter((x) => x !== undefined);
  const worst = kinds.find((k) => k.ratio === ratio) ??
    kinds.sort((x, y) => y.ratio - x.ratio)[0];
  const comparisons: Comparison[] = worst
    ? [{
      scenario: "6. Incremental filter",
      a: {
        label: "`incremental.transform()`",
        unit: "ms",
        samples: [worst.inc],
        median: worst.inc,
      },
      b: {
        label: "pass-through `TransformStream`",
        unit: "ms",
        samples: [worst.pass],
        median: worst.pass,
      },
      ratio,
      ratioText: ratioLine.replace(/^ratio\s+[\d.]+x\s*/, "").replace(/^\((.*)\)$/, "$1"),
      aim: "≤ 1.3× (issue 3), on pages parsed from JSON",
      met: ratio <= 1.3,
    }]
    : [];
  return {
    id: "incremental",
    comparisons,
    details: ["Output of `bench/incremental_filter_bench.ts`:", "", "```", ...lines, "```"],
    params: {},
  };
}

/** Runs a scenario script, echoing its output, and returns its result. */
async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "-A",
      ...(scenario.denoFlags ?? []),
      join(BENCH_DIR, scenario.script),
      ...scenario.args,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let stdout = "";
  let result: ScenarioResult | undefined;
  let carry = "";
  for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
    stdout += text;
    const lines = (carry + text).split("\n");
    carry = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7));
      else console.log(`  [${scenario.id}] ${line}`);
    }
  }
  if (carry.startsWith("RESULT ")) result = JSON.parse(carry.slice(7));
  const status = await child.status;
  if (!status.success) throw new Error(`${scenario.script} exited with code ${status.code}`);
  if (scenario.parse) return scenario.parse(stdout);
  if (!result) throw new Error(`${scenario.script} printed no RESULT line`);
  return result;
}

/** Whether Python dlt is ready, installing it with `bench/python/setup.sh` when it is not. */
async function ensureDlt(): Promise<
  { ok: boolean; version?: string; python?: string; why?: string }
> {
  const probe = async () => {
    try {
      const run = await runChild(VENV_PYTHON, [
        "-c",
        'import sys, importlib.metadata as m; print(m.version("dlt"), sys.version.split()[0])',
      ], { allowFailure: true });
      if (run.code !== 0) return undefined;
      const [version, python] = run.stdout.trim().split(" ");
      return { version, python };
    } catch {
      return undefined;
    }
  };
  // setup.sh pins the dlt version: it installs it on first use and is a no-op afterwards.
  if (!(await Deno.stat(VENV_PYTHON).catch(() => undefined))) {
    console.log("Installing Python dlt into bench/.venv (bench/python/setup.sh)…");
  }
  const setup = await runChild("bash", [join(BENCH_DIR, "python", "setup.sh")], {
    allowFailure: true,
  }).catch((error) => ({ code: 1, stderr: String(error), stdout: "", ms: 0 }));
  if (setup.code !== 0) {
    return { ok: false, why: `bench/python/setup.sh failed: ${setup.stderr.trim().slice(-300)}` };
  }
  const found = await probe();
  return found
    ? { ok: true, ...found }
    : { ok: false, why: "dlt is not importable in bench/.venv" };
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

async function gitRevision(): Promise<string> {
  try {
    const head = await runChild("git", ["rev-parse", "--short", "HEAD"]);
    const status = await runChild("git", ["status", "--porcelain", "--", "src", "mod.ts"]);
    return `${head.stdout.trim()}${status.stdout.trim() ? " + uncommitted changes in src/" : ""}`;
  } catch {
    return "unknown";
  }
}

function verdict(c: Comparison): string {
  if (c.met === null) return "—";
  return c.met ? "yes" : "**no**";
}

function ratioCell(c: Comparison): string {
  const digits = c.ratio >= 10 ? 1 : 2;
  return `${c.ratio.toFixed(digits)}×`;
}

async function main(): Promise<void> {
  const flags = new Flags();
  const quick = flags.bool("quick");
  const only = flags.string("only")?.split(",").map((s) => s.trim());
  const noDlt = flags.bool("no-dlt");
  const full = !quick && !only;
  const out = flags.string("out") ??
    (full
      ? join(BENCH_DIR, "RESULTS.md")
      : join(WORK_DIR, quick ? "RESULTS.quick.md" : "RESULTS.partial.md"));
  const command = `deno task bench${Deno.args.length ? ` ${Deno.args.join(" ")}` : ""}`;
  const started = new Date();
  const t0 = performance.now();
  await Deno.mkdir(WORK_DIR, { recursive: true });

  let dltInfo: Awaited<ReturnType<typeof ensureDlt>> = {
    ok: false,
    why: noDlt ? "skipped: --no-dlt" : "not needed by the scenarios run",
  };
  const all = scenarios(quick, true);
  const selected = all.filter((s) => !only || only.includes(s.id));
  if (!noDlt && (selected.some((s) => s.needsDlt) || selected.some((s) => s.id === "noop"))) {
    dltInfo = await ensureDlt();
    if (!dltInfo.ok) console.log(`Python dlt not available: ${dltInfo.why}`);
  }
  const plan = scenarios(quick, dltInfo.ok).filter((s) => selected.some((x) => x.id === s.id));

  const results: {
    scenario: Scenario;
    result?: ScenarioResult;
    error?: string;
    seconds: number;
  }[] = [];
  for (const scenario of plan) {
    const start = performance.now();
    if (scenario.needsDlt && !dltInfo.ok) {
      results.push({ scenario, error: `not available: Python dlt ${dltInfo.why}`, seconds: 0 });
      continue;
    }
    if (!(await Deno.stat(join(BENCH_DIR, scenario.script)).catch(() => undefined))) {
      results.push({
        scenario,
        error: `not available: bench/${scenario.script} does not exist`,
        seconds: 0,
      });
      continue;
    }
    const flags = (scenario.denoFlags ?? []).map((flag) => `${flag} `).join("");
    console.log(
      `== ${scenario.title} (${flags}bench/${scenario.script} ${scenario.args.join(" ")})`,
    );
    try {
      const result = await runScenario(scenario);
      results.push({ scenario, result, seconds: (performance.now() - start) / 1000 });
    } catch (error) {
      console.error(`  ${scenario.id} failed: ${(error as Error).message}`);
      results.push({
        scenario,
        error: `failed: ${(error as Error).message.slice(0, 500)}`,
        seconds: (performance.now() - start) / 1000,
      });
    }
  }
  const totalSeconds = (performance.now() - t0) / 1000;

  const memory = Deno.systemMemoryInfo();
  const [load1] = Deno.loadavg();
  const lines: string[] = [
    "# Benchmark results",
    "",
    `Made by \`${command}\` (\`deno run --allow-all bench/run.ts${
      Deno.args.length ? ` ${Deno.args.join(" ")}` : ""
    }\`) on ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, in ${
      totalSeconds < 120 ? `${fmt(totalSeconds)} s` : `${fmt(totalSeconds / 60, 1)} minutes`
    }.${quick ? " **Quick mode: fewer rows and runs; not the reference figures.**" : ""}`,
    "",
    `- Machine: ${cpuModel()}, ${navigator.hardwareConcurrency} cores, ${
      fmt(mib(memory.total) / 1024, 1)
    } GiB RAM, ${Deno.build.os} ${Deno.osRelease()}; shared (load average ${
      load1.toFixed(2)
    } at the start).`,
    `- Deno ${Deno.version.deno} (V8 ${Deno.version.v8}, TypeScript ${Deno.version.typescript}).`,
    `- Python dlt: ${
      dltInfo.ok
        ? `${dltInfo.version} (Python ${dltInfo.python}), in \`bench/.venv\``
        : `not run (${dltInfo.why})`
    }.`,
    `- Library revision: ${await gitRevision()}.`,
    "",
    "Absolute times drift on a shared machine, so every ratio compares two measurements taken side by",
    "side in the same run, alternating A and B; each figure is the median over the runs, and each",
    "ratio is the median of the per-run ratios. Scenario scripts are in `bench/`, each runnable alone.",
    "",
    "## Summary",
    "",
    "| scenario | measured (median) | compared with (median) | ratio | ratio is | aim | met |",
    "| --- | --- | --- | --: | --- | --- | :-: |",
  ];
  for (const { scenario, result, error } of results) {
    if (!result) {
      lines.push(`| ${scenario.title} | ${error} | | | | | |`);
      continue;
    }
    if (result.comparisons.length === 0) {
      lines.push(`| ${scenario.title} | (no comparison) | | | | | |`);
    }
    for (const c of result.comparisons) {
      lines.push(
        `| ${c.scenario} | ${c.a.label}: ${fmtMeasured(c.a)} | ${c.b.label}: ${
          fmtMeasured(c.b)
        } | ${ratioCell(c)} | ${c.ratioText} | ${c.aim} | ${verdict(c)} |`,
      );
    }
  }
  const byId = (id: string) => results.find((r) => r.scenario.id === id)?.result;
  const missed = results.flatMap((r) => r.result?.comparisons.filter((c) => c.met === false) ?? []);
  if (missed.length > 0) {
    lines.push(
      "",
      "**Aims not met:** " +
        missed.map((c) => `${c.scenario} (${ratioCell(c)}, aim ${c.aim})`).join("; ") +
        ". Where the time goes is in the sections below and in the profile of scenario 1.",
    );
    const bare = byId("throughput")?.comparisons[0]?.b;
    const dltRow = byId("dlt_throughput")?.comparisons[0];
    if (bare && dltRow && dltRow.met === false) {
      const needed = 20 * dltRow.b.median;
      const share = needed / bare.median;
      lines.push(
        "",
        `20× dlt's median is ${fmt(needed)} rows/s, ${
          share.toFixed(2)
        }× the bare loop of scenario 1 (\`JSON.stringify\` and buffered writes only, ${
          fmtMeasured(bare)
        }): ${
          share >= 1
            ? "faster than serialising the rows and writing them once, so that aim is out of reach here unless rows are serialised faster than `JSON.stringify` does"
            : `the pipeline would have to stay within ${fmt(100 * (1 - share))}% of the bare loop`
        }.`,
      );
    }
  }
  for (const { scenario, result, error, seconds } of results) {
    lines.push("", `## ${scenario.title}`, "");
    lines.push(
      `\`deno run -A ${
        (scenario.denoFlags ?? []).map((flag) => `${flag} `).join("")
      }bench/${scenario.script} ${scenario.args.join(" ")}\`${
        seconds ? ` (${fmt(seconds)} s)` : ""
      }`,
      "",
    );
    if (!result) {
      lines.push(error ?? "no result");
      continue;
    }
    lines.push(...result.details);
  }
  lines.push("");
  let text = lines.join("\n");
  // Keep `deno fmt` quiet on the generated file.
  try {
    const fmtRun = new Deno.Command(DENO, {
      args: ["fmt", "--line-width=100", "--ext=md", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writer = fmtRun.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    const formatted = await fmtRun.output();
    if (formatted.success) text = new TextDecoder().decode(formatted.stdout);
  } catch { /* unformatted is fine */ }
  await Deno.writeTextFile(out, text);
  console.log(`\nWrote ${relative(ROOT, out)} (${fmt(totalSeconds)} s).`);
  for (const { result } of results) {
    for (const c of result?.comparisons ?? []) {
      console.log(
        `${c.scenario}: ${ratioCell(c)} (aim ${c.aim}) ${verdict(c).replaceAll("*", "")}`,
      );
    }
  }
}

if (import.meta.main) await main();
