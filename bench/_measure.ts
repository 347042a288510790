/**
 * Measuring helpers shared by the benchmark scenarios: medians, child processes (wall time, peak
 * RSS), the result format a scenario hands to `bench/run.ts`, and flags. CPU profiles are in
 * `bench/_profile.ts` (re-exported here).
 *
 * @module
 */
import { join } from "node:path";
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

export * from "./_profile.ts";

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
