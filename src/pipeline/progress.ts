/**
 * Progress reporting of a run: `"log"` lines, a live `"bar"` line on a terminal (rows and rows/s
 * per resource, the stage), or a callback. The bar and the log lines go to stderr.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";

/**
 * The stages a run reports: the steps, then `commit`, and `done`, `stopped` (its signal stopped
 * it; the message says why and what was committed) or `failed` at the end.
 *
 * @example Which stages a run went through
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const stages = new Set<dlt.ProgressStage>();
 * const p = dlt.pipeline({
 *   pipelineName: "items",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 *   progress: (event) => stages.add(event.stage),
 * });
 * await p.run([{ id: 1 }], { tableName: "items" });
 * console.log(stages.has("extract"), stages.has("done")); // true true
 * ```
 */
export type ProgressStage =
  | "sync"
  | "extract"
  | "load"
  | "commit"
  | "done"
  | "stopped"
  | "failed";

/**
 * One progress report of a run.
 *
 * @example Following a run with a callback
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const events: dlt.ProgressEvent[] = [];
 * const p = dlt.pipeline({
 *   pipelineName: "items",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 *   progress: (event) => events.push(event),
 * });
 * await p.run([{ id: 1 }, { id: 2 }], { tableName: "items" });
 * console.log(events.at(-1)?.stage); // done
 * ```
 */
export interface ProgressEvent {
  /** The stage of the run. */
  stage: ProgressStage;
  /** A human-readable line. */
  message: string;
  /** The resource, during extract. */
  resource?: string;
  /** Rows extracted so far by this run, all resources together. */
  rows?: number;
  /** Rows extracted so far by this run from `resource`. */
  resourceRows?: number;
  /** The table being loaded, during load. */
  table?: string;
  /** The load package the stage works on. */
  loadId?: string;
}

/**
 * What the progress option of a pipeline accepts.
 *
 * @example A bar on a terminal, nothing in CI
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const progress: dlt.ProgressOption = Deno.stderr.isTerminal() ? "bar" : false;
 * const p = dlt.pipeline({
 *   pipelineName: "github_sync",
 *   destination: dlt.destinations.filesystem({ bucketUrl: "./data" }),
 *   progress,
 * });
 * console.log(p.pipelineName); // github_sync
 * ```
 */
export type ProgressOption = false | "log" | "bar" | ((event: ProgressEvent) => void);

/**
 * Where the reporter writes: stderr by default.
 *
 * @example Collecting progress lines in memory
 * ```ts
 * import { createProgressReporter, type ProgressOutput } from "../../mod.ts";
 *
 * let text = "";
 * const out: ProgressOutput = { isTerminal: () => false, write: (chunk) => (text += chunk) };
 * const report = createProgressReporter("log", "github_sync", out)!;
 * report({ stage: "load", message: "loading 1 package" });
 * console.log(text.trim()); // dlt github_sync [load] loading 1 package
 * ```
 */
export interface ProgressOutput {
  /** True when the output is a terminal (the bar is drawn only then). */
  isTerminal(): boolean;
  /** Writes text as it is. */
  write(text: string): void;
  /** The terminal width. @default 80 */
  columns?(): number;
  /** The clock, in milliseconds. @default performance.now */
  now?(): number;
}

const encoder = new TextEncoder();

/**
 * stderr as a {@linkcode ProgressOutput}: where `"log"` lines and the `"bar"` go by default.
 *
 * @example Drawing a bar only on a terminal
 * ```ts
 * import { createProgressReporter, stderrOutput } from "./progress.ts";
 * const report = createProgressReporter("bar", "github_sync", stderrOutput);
 * console.log(typeof report); // function
 * ```
 */
export const stderrOutput: ProgressOutput = {
  isTerminal: () => Deno.stderr.isTerminal(),
  write(text) {
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
  },
  columns() {
    try {
      return Deno.consoleSize().columns;
    } catch {
      return 80;
    }
  },
};

/** The bar redraws at most this often. */
const REDRAW_MS = 100;
/** Log lines about extract progress of one resource are at least this far apart. */
const LOG_EVERY_MS = 1000;

interface ResourceProgress {
  rows: number;
  startedAt: number;
}

/** The stages that end a run (`stopped` may be followed by `failed`). */
function isFinal(stage: ProgressStage | undefined): boolean {
  return stage === "done" || stage === "stopped" || stage === "failed";
}

/** Formats 12345 as "12,345". */
function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Tracks rows and rows/s per resource from the events of one run. */
class RunTracker {
  readonly resources = new Map<string, ResourceProgress>();
  stage: ProgressStage | undefined;
  #lastTotal = 0;

  constructor(readonly now: () => number) {}

  update(event: ProgressEvent): ResourceProgress | undefined {
    if (event.stage === "sync" && isFinal(this.stage)) {
      this.resources.clear(); // a new run of the same pipeline
      this.#lastTotal = 0;
    }
    this.stage = event.stage;
    if (event.resource === undefined) return undefined;
    let progress = this.resources.get(event.resource);
    if (!progress) {
      progress = { rows: 0, startedAt: this.now() };
      this.resources.set(event.resource, progress);
    }
    if (event.resourceRows !== undefined) progress.rows = event.resourceRows;
    else if (event.rows !== undefined) {
      // Only a run total: the rows since the last event are this resource's.
      progress.rows += Math.max(0, event.rows - this.#lastTotal);
    }
    if (event.rows !== undefined) this.#lastTotal = event.rows;
    return progress;
  }

  rate(progress: ResourceProgress): number {
    const seconds = (this.now() - progress.startedAt) / 1000;
    return seconds > 0 ? progress.rows / seconds : 0;
  }

  describe(name: string, progress: ResourceProgress): string {
    return `${name} ${count(progress.rows)} rows (${count(this.rate(progress))}/s)`;
  }
}

function logReporter(
  pipelineName: string,
  out: ProgressOutput,
  now: () => number,
): (event: ProgressEvent) => void {
  const tracker = new RunTracker(now);
  const lastLogged = new Map<string, number>();
  return (event) => {
    const progress = tracker.update(event);
    let text = event.message;
    if (event.stage === "extract" && progress && event.resource !== undefined) {
      const last = lastLogged.get(event.resource);
      if (last !== undefined && now() - last < LOG_EVERY_MS) return;
      lastLogged.set(event.resource, now());
      text = tracker.describe(event.resource, progress);
    }
    if (isFinal(event.stage)) lastLogged.clear();
    out.write(`dlt ${pipelineName} [${event.stage}] ${text}\n`);
  };
}

function barReporter(
  pipelineName: string,
  out: ProgressOutput,
  now: () => number,
): (event: ProgressEvent) => void {
  const tracker = new RunTracker(now);
  let lastDraw = -Infinity;
  let drawn = false;
  let message = "";
  const clear = () => {
    if (drawn) out.write("\r\x1b[2K");
    drawn = false;
  };
  return (event) => {
    const previousStage = tracker.stage;
    tracker.update(event);
    if (isFinal(event.stage)) {
      clear();
      lastDraw = -Infinity;
      // A stop is news the bar would hide: it says why, and what was committed.
      if (event.stage === "stopped") out.write(`dlt ${pipelineName} [stopped] ${event.message}\n`);
      return;
    }
    if (event.resource === undefined) message = event.message;
    const stageChanged = previousStage !== event.stage;
    if (!stageChanged && now() - lastDraw < REDRAW_MS) return;
    lastDraw = now();
    const parts = [`dlt ${pipelineName}`, event.stage];
    const resources = [...tracker.resources].map(([name, p]) => tracker.describe(name, p));
    parts.push(resources.length > 0 ? resources.join(" · ") : message);
    const width = Math.max(20, (out.columns?.() ?? 80) - 1);
    let line = parts.join(" │ ");
    if (line.length > width) line = line.slice(0, width - 1) + "…";
    out.write(`\r\x1b[2K${line}`);
    drawn = true;
  };
}

/**
 * Makes the progress callback of a pipeline from its `progress` option: `false` gives
 * `undefined`; `"log"` writes one line per stage and at most one line a second per resource
 * during extract; `"bar"` redraws one live line (stage, rows and rows/s per resource) at most ten
 * times a second and clears it when the run is done, or writes log lines when `out` is not a
 * terminal; a function is returned as it is.
 *
 * @example Log lines for a run
 * ```ts
 * import { createProgressReporter } from "./progress.ts";
 *
 * const lines: string[] = [];
 * const report = createProgressReporter("log", "github_sync", {
 *   isTerminal: () => false,
 *   write: (text) => lines.push(text),
 * })!;
 * report({ stage: "sync", message: "restoring state" });
 * report({ stage: "extract", message: "1000 rows", resource: "issues", rows: 1000 });
 * console.log(lines[0]); // dlt github_sync [sync] restoring state
 * console.log(lines[1].startsWith("dlt github_sync [extract] issues 1,000 rows")); // true
 * ```
 */
export function createProgressReporter(
  option: ProgressOption,
  pipelineName: string,
  out: ProgressOutput = stderrOutput,
): ((event: ProgressEvent) => void) | undefined {
  if (option === false || option === undefined) return undefined;
  if (typeof option === "function") return option;
  const now = out.now ?? (() => performance.now());
  if (option === "log") return logReporter(pipelineName, out, now);
  if (option === "bar") {
    return out.isTerminal()
      ? barReporter(pipelineName, out, now)
      : logReporter(pipelineName, out, now);
  }
  throw new ConfigurationError(
    `Set progress to false, "log", "bar" or a function: got ${JSON.stringify(option)}`,
  );
}
