/**
 * How the files of a table are named and which of them a reader sees: table files of committed
 * loads since the newest committed reset marker, and what keeps a load from being withdrawn.
 *
 * @module
 */
import type { BucketEntry } from "../storage/bucket.ts";
import { compareLoadIds } from "./dlt_tables.ts";

/**
 * A committed table file: `<table>/<loadId>.<n>.jsonl`, or Python dlt's
 * `<table>/<loadId>.<file id>.jsonl.gz` (a hex file id, gzipped).
 */
export interface TableFile {
  /** The load that wrote it. */
  loadId: string;
  /** Index within the load. */
  index: number;
  /** Bucket path. */
  path: string;
}

/** A table file: its load id and its index (decimal, or Python dlt's hex file id). */
export const TABLE_FILE = /^(.+)\.(\d+|[0-9a-f]+)\.jsonl(?:\.gz)?$/;
/** Every table file of a load, this library's and Python dlt's, with the markers of a load. */
export const LOAD_FILE = /^(.+?)\.(?:\d+\.jsonl|[0-9a-f]+\.jsonl(?:\.gz)?|keys\.jsonl|reset|fold)$/;
/** A load's marker that starts its table over. */
export const RESET_MARKER = /^(.+)\.reset$/;

/**
 * The files among `entries` (of the table's folder `tableDir` and its markers' folder) a reader
 * sees: those of `committed` loads, from the newest committed reset on, oldest load first.
 */
export function visibleFiles(
  tableDir: string,
  entries: readonly BucketEntry[],
  committed: ReadonlySet<string> | Map<string, unknown>,
): TableFile[] {
  const files: TableFile[] = [];
  let resetAt = "";
  for (const entry of entries) {
    if (entry.isDirectory) continue;
    const match = TABLE_FILE.exec(entry.name);
    if (match) {
      if (committed.has(match[1])) {
        files.push({
          loadId: match[1],
          index: /^\d+$/.test(match[2]) ? Number(match[2]) : Number.parseInt(match[2], 16),
          path: `${tableDir}/${entry.name}`,
        });
      }
      continue;
    }
    const reset = RESET_MARKER.exec(entry.name);
    if (reset && committed.has(reset[1]) && reset[1] > resetAt) resetAt = reset[1];
  }
  return files
    .filter((file) => compareLoadIds(file.loadId, resetAt) >= 0)
    .sort((a, b) => compareLoadIds(a.loadId, b.loadId) || a.index - b.index);
}

/**
 * Adds to `blockers` why each of `loadIds` cannot be withdrawn, judged by the file `names` of
 * `table`: a committed reset marker of the load (it deleted the files before it), or a committed
 * fold of the merge table after it (its rows are in the fold's file).
 */
export function addRevertBlockers(
  blockers: Map<string, string>,
  table: string,
  names: readonly string[],
  committed: ReadonlySet<string>,
  loadIds: readonly string[],
): void {
  const resets = names.flatMap((n) => RESET_MARKER.exec(n)?.[1] ?? []).filter((id) =>
    committed.has(id)
  );
  const folds = names.flatMap((n) => /^(.+)\.fold$/.exec(n)?.[1] ?? []).filter((id) =>
    committed.has(id)
  );
  for (const loadId of loadIds) {
    if (blockers.has(loadId)) continue;
    if (resets.includes(loadId)) {
      blockers.set(loadId, `it started table "${table}" over, deleting its earlier files`);
    } else if (folds.some((fold) => compareLoadIds(fold, loadId) > 0)) {
      blockers.set(loadId, `merge table "${table}" was folded after it`);
    }
  }
}
