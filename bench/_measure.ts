/**
 * Measuring helpers shared by the benchmark scenarios: medians, child processes (wall time, peak
 * RSS), the result format a scenario hands to `bench/run.ts`, CPU profiles, and flags.
 *
 * @module
 */
import { Session } from "node:inspector";
import { join, relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** The `bench/` folder. */
export const BENCH_DIR: string = fromFileUrl(new URL(".", import.meta.url));
/** The repository root. */
export const ROOT: string = join(BENCH_DIR, "..");
/** Scratch space of the benchmarks (git-ignored). */
export const WORK_DIR: string = join(BENCH_DIR, ".work");
/** The Python of the dlt virtual environment (`bench/python/setup.sh` creates it). */
export const VENV_PYTHON: string = join(BENCH_DIR, ".venv", "bin", "python");

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A value measured several times. */
export interface Measured {
  /** What was measured, e.g. "pipeline" or "bare loop". */
  label: string;
  /** The unit of the samples ("rows/s", "ms", "MiB"). */
  unit: string;
  /** Every sample, in run order. */
  samples: number[];
  /** Their median. */
  median: number;
}

/** Builds a {@linkcode Measured} from samples. */
export function measured(label: string, unit: string, samples: number[]): Measured {
  return { label, unit, samples, median: median(samples) };
}

/** One line of the results table: a ratio of two measurements taken side by side. */
export interface Comparison {
  /** Scenario number and name, e.g. "1. Throughput ceiling". */
  scenario: string;
  /** The measurement the aim is about (the library). */
  a: Measured;
  /** What it is compared with. */
  b: Measured;
  /** The ratio as the aim states it (see `ratioText`). */
  ratio: number;
  /** How the ratio is computed, e.g. "pipeline rows/s ÷ bare loop rows/s". */
  ratioText: string;
  /** The aim, in words, e.g. "≥ 0.5×". */
  aim: string;
  /** Whether the aim is met; `null` when there is no aim. */
  met: boolean | null;
}

/** What a scenario script prints last (as `RESULT <json>`) for `bench/run.ts`. */
export interface ScenarioResult {
  /** Scenario id, e.g. "throughput". */
  id: string;
  /** The table lines. */
  comparisons: Comparison[];
  /** Free-form Markdown details (setup, per-run figures, profile). */
  details: string[];
  /** What the scenario was run with. */
  params: Record<string, unknown>;
}

/** Prints the result line that `bench/run.ts` reads. */
export function emitResult(result: ScenarioResult): void {
  console.log(`RESULT ${JSON.stringify(result)}`);
}

/** Checks a ratio against an aim: `{ atLeast }` or `{ atMost }`. */
export function meets(ratio: number, aim: { atLeast?: number; atMost?: number }): boolean {
  if (!Number.isFinite(ratio)) return false;
  if (aim.atLeast !== undefined && ratio < aim.atLeast) return false;
  if (aim.atMost !== undefined && ratio > aim.atMost) return false;
  return true;
}

/** Command-line flags: `--name=value` or bare `--name`. */
export class Flags {
  readonly #args: string[];

  /** Parses `args` (default `Deno.args`). */
  constructor(args: string[] = Deno.args) {
    this.#args = args;
  }

  /** The value of `--name=value`, or `undefined`. */
  string(name: string): string | undefined {
    const prefix = `--${name}=`;
    const arg = this.#args.findLast((a) => a.startsWith(prefix));
    return arg?.slice(prefix.length);
  }

  /** A numeric flag (underscores allowed: `--rows=1_000_000`). */
  number(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw.replaceAll("_", ""));
    if (!Number.isFinite(value)) throw new Error(`--${name} must be a number: got ${raw}`);
    return value;
  }

  /** True when `--name` is given. */
  bool(name: string): boolean {
    return this.#args.includes(`--${name}`);
  }
}

/** The peak resident set size of this process in bytes (Linux `VmHWM`), else the current RSS. */
export function peakRssBytes(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss;
}

/** What a child process did. */
export interface ChildRun {
  /** Exit code. */
  code: number;
  /** Wall time from spawn to exit, in ms. */
  ms: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs a command to completion, timing it from spawn to exit. Throws on a non-zero exit. */
export async function runChild(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; allowFailure?: boolean } = {},
): Promise<ChildRun> {
  const start = performance.now();
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd ?? ROOT,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = await child.output();
  const ms = performance.now() - start;
  const run = {
    code: output.code,
    ms,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if (run.code !== 0 && !options.allowFailure) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${run.code}:\n${run.stderr.slice(-4000)}\n${
        run.stdout.slice(-2000)
      }`,
    );
  }
  return run;
}

/** The path of the running Deno executable. */
export const DENO: string = Deno.execPath();

/** Runs `deno run -A <script> ...args` and returns the JSON of its last `RESULT`/`JSON` line. */
export async function runDenoJson<T>(
  script: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ json: T; run: ChildRun }> {
  const run = await runChild(DENO, ["run", "-A", join(BENCH_DIR, script), ...args], { env });
  return { json: lastJsonLine<T>(run.stdout, "JSON "), run };
}

/** The JSON after `prefix` on the last line that starts with it (or the last `{…}` line). */
export function lastJsonLine<T>(stdout: string, prefix = ""): T {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (prefix && line.startsWith(prefix)) return JSON.parse(line.slice(prefix.length)) as T;
    if (!prefix && line.startsWith("{")) return JSON.parse(line) as T;
  }
  throw new Error(`No ${prefix || "JSON"} line in the output:\n${stdout.slice(-2000)}`);
}

/** A fresh, empty folder under `bench/.work/`. */
export async function freshDir(...segments: string[]): Promise<string> {
  const dir = join(WORK_DIR, ...segments);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** Deletes a folder, ignoring a missing one. */
export async function removeDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Formats a measured median with its unit, e.g. "312,000 rows/s". */
export function fmtMeasured(m: Measured): string {
  const digits = m.unit === "ms" ? (m.median < 100 ? 1 : 0) : m.unit === "MiB" ? 1 : 0;
  return `${fmt(m.median, digits)} ${m.unit}`;
}

/** Formats every sample of a measurement, e.g. "[101, 99, 104]". */
export function fmtSamples(m: Measured): string {
  const digits = m.unit === "ms" && m.median < 100 ? 1 : m.unit === "MiB" ? 1 : 0;
  return `[${m.samples.map((s) => fmt(s, digits)).join(", ")}]`;
}

/** Bytes to MiB. */
export function mib(bytes: number): number {
  return bytes / (1024 * 1024);
}

/** Lets the garbage collector run between measurements, when exposed (`--v8-flags=--expose-gc`). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// ---------------------------------------------------------------------------------------------
// CPU profiles (through the inspector protocol, which Deno exposes as node:inspector)

/** A V8 CPU profile (`Profiler.stop`'s `profile`). */
export interface CpuProfile {
  /** The call tree. */
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
  /** Start time, µs. */
  startTime: number;
  /** End time, µs. */
  endTime: number;
  /** The node of each sample. */
  samples?: number[];
  /** µs between samples. */
  timeDeltas?: number[];
}

/** A sampling CPU profiler running in this process. */
export class Profiler {
  readonly #session = new Session();

  /** Starts sampling every `intervalUs` microseconds. */
  async start(intervalUs = 200): Promise<void> {
    this.#session.connect();
    await this.#post("Profiler.enable");
    await this.#post("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.#post("Profiler.start");
  }

  /** Stops and returns the profile. */
  async stop(): Promise<CpuProfile> {
    const { profile } = await this.#post("Profiler.stop") as { profile: CpuProfile };
    await this.#post("Profiler.disable");
    this.#session.disconnect();
    return profile;
  }

  #post(method: string, params: object = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // deno-lint-ignore no-explicit-any
      (this.#session.post as any)(method, params, (error: unknown, result: unknown) => {
        if (error) reject(error);
        else resolve(result);
      });
    });
  }
}

/** One line of a profile summary. */
export interface ProfileLine {
  /** `functionName (file:line)`. */
  name: string;
  /** Self time in ms. */
  selfMs: number;
  /** Share of all samples, 0–100. */
  percent: number;
}

/** Self time per function and per source file of a profile. */
export interface ProfileSummary {
  /** Total sampled time in ms. */
  totalMs: number;
  /** Functions by self time, largest first. */
  functions: ProfileLine[];
  /** Files by self time (`(native)` for V8 builtins, GC and the runtime). */
  files: ProfileLine[];
}

function shortUrl(url: string): string {
  if (!url) return "(native)";
  if (url.startsWith("file://")) {
    try {
      return relative(ROOT, fromFileUrl(url));
    } catch {
      return url;
    }
  }
  return url.replace(/^ext:/, "ext:");
}

/**
 * Sums the self time of each function and file of `profile`, optionally only of the samples in
 * `window` (ms since the profile started).
 */
export function summarizeProfile(
  profile: CpuProfile,
  top = 20,
  window?: { fromMs: number; toMs: number },
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; attribute the interval after a sample to it.
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (window) {
      const ms = (at - profile.startTime) / 1000;
      if (ms < window.fromMs || ms >= window.toMs) continue;
    }
    const us = deltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, us));
  }
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const file = shortUrl(frame.url);
    const fn = frame.functionName || "(anonymous)";
    const name = frame.url ? `${fn} (${file}:${frame.lineNumber + 1})` : fn;
    functions.set(name, (functions.get(name) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    total += us;
  }
  const lines = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({
      name,
      selfMs: us / 1000,
      percent: total > 0 ? (100 * us) / total : 0,
    }));
  return { totalMs: total / 1000, functions: lines(functions), files: lines(files) };
}

/** A profile summary as Markdown tables. */
export function profileMarkdown(summary: ProfileSummary, topFunctions = 15): string[] {
  const out = [
    `Sampled ${fmt(summary.totalMs)} ms.`,
    "",
    "| self time | % | function (file:line) |",
    "| --: | --: | --- |",
  ];
  for (const line of summary.functions.slice(0, topFunctions)) {
    out.push(`| ${fmt(line.selfMs)} ms | ${line.percent.toFixed(1)} | \`${line.name}\` |`);
  }
  out.push("", "| self time | % | file |", "| --: | --: | --- |");
  for (const line of summary.files.slice(0, 10)) {
    out.push(`| ${fmt(line.selfMs)} ms | ${line.percent.toFixed(1)} | \`${line.name}\` |`);
  }
  return out;
}
