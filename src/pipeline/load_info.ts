/**
 * What a run did: the loads it made, the rows per table, the state version it committed.
 *
 * @module
 */

/**
 * The result of `pipeline.run()`.
 *
 * @example Reporting what a run did
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "items",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const info: dlt.LoadInfo = await p.run([{ id: 1 }, { id: 2 }], { tableName: "items" });
 * console.log(info.totalRows, info.firstRun, info.stateVersion); // 2 true 1
 * console.log(String(info).split("\n")[1]); //   items: 2 row(s)
 * ```
 */
export class LoadInfo {
  /** The pipeline. */
  readonly pipelineName: string;
  /** The dataset written. */
  readonly datasetName: string;
  /** The destination type (`"filesystem"`). */
  readonly destinationType: string;
  /** Where the destination is. */
  readonly bucketUrl: string;
  /** Every load committed by this run, pending ones from earlier runs first. */
  readonly loadIds: string[];
  /** Loads of earlier runs that this run finished. */
  readonly pendingLoadIds: string[];
  /** Rows written per table by this run's extract, after filtering. */
  readonly rowCounts: Record<string, number>;
  /** The committed state version after the run. */
  readonly stateVersion: number;
  /** True only on the pipeline's first run. */
  readonly firstRun: boolean;
  /** When the run started and finished. */
  readonly startedAt: Date;
  /** When the run finished. */
  readonly finishedAt: Date;
  /**
   * True when the run's `signal` stopped it before its resources were done: what they yielded
   * up to then was committed as a checkpoint (see `RunOptions.signal`).
   */
  readonly stopped: boolean;
  /** Why the signal stopped the run (its abort reason, as text); `undefined` when it did not. */
  readonly stopReason: string | undefined;

  /** Built by the pipeline. */
  constructor(fields: {
    pipelineName: string;
    datasetName: string;
    destinationType: string;
    bucketUrl: string;
    loadIds: string[];
    pendingLoadIds: string[];
    rowCounts: Record<string, number>;
    stateVersion: number;
    firstRun: boolean;
    startedAt: Date;
    finishedAt: Date;
    stopReason?: string;
  }) {
    this.pipelineName = fields.pipelineName;
    this.datasetName = fields.datasetName;
    this.destinationType = fields.destinationType;
    this.bucketUrl = fields.bucketUrl;
    this.loadIds = fields.loadIds;
    this.pendingLoadIds = fields.pendingLoadIds;
    this.rowCounts = fields.rowCounts;
    this.stateVersion = fields.stateVersion;
    this.firstRun = fields.firstRun;
    this.startedAt = fields.startedAt;
    this.finishedAt = fields.finishedAt;
    this.stopped = fields.stopReason !== undefined;
    this.stopReason = fields.stopReason;
  }

  /** Total rows written by this run. */
  get totalRows(): number {
    return Object.values(this.rowCounts).reduce((sum, n) => sum + n, 0);
  }

  /** A readable summary, for `console.log(String(info))`. */
  toString(): string {
    const seconds = ((this.finishedAt.getTime() - this.startedAt.getTime()) / 1000).toFixed(2);
    const lines = [
      `Pipeline ${this.pipelineName} → ${this.destinationType} "${this.bucketUrl}", dataset ${this.datasetName}: ${
        this.loadIds.length === 0
          ? "nothing new to load"
          : `${this.loadIds.length} load(s) committed`
      } in ${seconds}s (state version ${this.stateVersion}${this.firstRun ? ", first run" : ""})`,
    ];
    if (this.stopped) lines.push(`  stopped by the signal: ${this.stopReason}`);
    if (this.pendingLoadIds.length > 0) {
      lines.push(`  finished pending load(s) of an earlier run: ${this.pendingLoadIds.join(", ")}`);
    }
    for (const [table, rows] of Object.entries(this.rowCounts)) {
      lines.push(`  ${table}: ${rows} row(s)`);
    }
    return lines.join("\n");
  }

  /** A plain object for JSON output. */
  toJSON(): Record<string, unknown> {
    return {
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      destinationType: this.destinationType,
      bucketUrl: this.bucketUrl,
      loadIds: this.loadIds,
      pendingLoadIds: this.pendingLoadIds,
      rowCounts: this.rowCounts,
      stateVersion: this.stateVersion,
      firstRun: this.firstRun,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt.toISOString(),
      stopped: this.stopped,
      ...(this.stopReason !== undefined ? { stopReason: this.stopReason } : {}),
    };
  }
}

/** An abort reason as one line of text: an error's name and message, a string as it is. */
export function describeStopReason(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  if (typeof reason === "string") return reason;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}
