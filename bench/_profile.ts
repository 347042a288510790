/**
 * CPU profiles of this process, through the inspector protocol (which Deno exposes as
 * `node:inspector`), and their summaries: self time per function, per file, per time window.
 * It imports nothing else, so a script can load it first and profile the loading of the library.
 *
 * @module
 */
import { Session } from "node:inspector";

const ROOT_URL = new URL("..", import.meta.url).href;

function fmt(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

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
  return url.startsWith(ROOT_URL) ? url.slice(ROOT_URL.length) : url;
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

/** The functions of a profile summary as a Markdown table. */
export function functionTable(summary: ProfileSummary, top = 15): string[] {
  const out = ["| self time | % | function (file:line) |", "| --: | --: | --- |"];
  for (const line of summary.functions.slice(0, top)) {
    out.push(`| ${fmt(line.selfMs)} ms | ${line.percent.toFixed(1)} | \`${line.name}\` |`);
  }
  return out;
}

/** A profile summary as Markdown tables. */
export function profileMarkdown(summary: ProfileSummary, topFunctions = 15): string[] {
  const out = [`Sampled ${fmt(summary.totalMs)} ms.`, "", ...functionTable(summary, topFunctions)];
  out.push("", "| self time | % | file |", "| --: | --: | --- |");
  for (const line of summary.files.slice(0, 10)) {
    out.push(`| ${fmt(line.selfMs)} ms | ${line.percent.toFixed(1)} | \`${line.name}\` |`);
  }
  return out;
}
