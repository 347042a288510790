/**
 * What a run tells its progress listener on the way: rows as they are extracted, and how it
 * ended (done, or stopped by its signal).
 *
 * @module
 */
import type { PipelineEnv } from "./_env.ts";
import { describeStopReason, type LoadInfo } from "./load_info.ts";

/** Reports extract progress every thousand rows (only with a progress option). */
export function countProgress(
  env: PipelineEnv,
  run: { afterItem?: (resource: string, rows: number) => void },
): void {
  let rows = 0;
  const byResource = new Map<string, number>();
  run.afterItem = (resource, n) => {
    rows += n;
    const resourceRows = (byResource.get(resource) ?? 0) + n;
    byResource.set(resource, resourceRows);
    if (rows % 1000 < n) {
      env.report({ stage: "extract", message: `${rows} rows`, resource, rows, resourceRows });
    }
  };
}

/** Says so when `error` is the signal stopping a run that had no checkpoints to commit. */
export function reportFailedStop(
  env: PipelineEnv,
  signal: AbortSignal | undefined,
  error: unknown,
): void {
  if (!signal?.aborted || (error as { cause?: unknown })?.cause !== signal.reason) return;
  env.report({
    stage: "stopped",
    message: `stopped by the signal (${
      describeStopReason(signal.reason)
    }) with no checkpoints: nothing of this run is committed`,
  });
}

/** Reports how the run ended and returns `info`. */
export function reportDone(env: PipelineEnv, info: LoadInfo): LoadInfo {
  const summary =
    `${info.totalRows} row(s) in ${info.loadIds.length} load(s), state version ${info.stateVersion}`;
  env.report(
    info.stopReason === undefined ? { stage: "done", message: summary, rows: info.totalRows } : {
      stage: "stopped",
      message: `stopped by the signal (${info.stopReason}): committed ${summary}`,
      rows: info.totalRows,
    },
  );
  return info;
}
