/**
 * Reading the committed state versions and the rows of loads, for the commands that show or go
 * back to a version.
 *
 * @module
 */
import type { Pipeline, StateVersion } from "../pipeline/pipeline.ts";
import type { PipelineState } from "../state/state_document.ts";
import { DatasetStore } from "../destinations/dataset_store.ts";
import { NotFoundError } from "./exit_codes.ts";

/** The committed state without `_local`, for printing. */
export function committedPart(state: PipelineState): Record<string, unknown> {
  const { _local: _, ...rest } = state;
  return rest;
}

/** Finds a version in the history; {@linkcode NotFoundError} when it is not there. */
export function findVersion(history: StateVersion[], version: number, p: Pipeline): StateVersion {
  const found = history.findLast((v) => v.version === version);
  if (!found) {
    const known = history.map((v) => v.version);
    throw new NotFoundError(
      `Choose a committed state version of pipeline "${p.pipelineName}": ${version} is not one (${
        known.length === 0 ? "the destination holds none" : `known: ${rangeText(known)}`
      })`,
    );
  }
  return found;
}

function rangeText(versions: number[]): string {
  if (versions.length <= 8) return versions.join(", ");
  return `${versions.slice(0, 3).join(", ")}, …, ${versions.slice(-3).join(", ")}`;
}

/** Rows each load wrote per table, counted from the table files still in the dataset. */
export async function rowsByLoad(
  p: Pipeline,
  loadIds: ReadonlySet<string>,
): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  if (!p.destination || loadIds.size === 0) return counts;
  const store = new DatasetStore(p.destination.bucket, p.datasetName);
  const file = /^(.+)\.(\d+)\.jsonl$/;
  for (const table of await store.tableNames()) {
    for (const entry of await store.bucket.list(store.path(table))) {
      const match = file.exec(entry.name);
      if (entry.isDirectory || !match || !loadIds.has(match[1])) continue;
      const stream = await store.bucket.readStream(store.path(table, entry.name));
      let lines = 0;
      if (stream) {
        for await (const chunk of stream) {
          for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) lines++;
        }
      }
      const perTable = counts.get(match[1]) ?? {};
      perTable[table] = (perTable[table] ?? 0) + lines;
      counts.set(match[1], perTable);
    }
  }
  return counts;
}

/** Rows the given loads wrote per table, summed over the loads. */
export async function rowsOfLoads(
  p: Pipeline,
  loadIds: string[],
): Promise<Record<string, number>> {
  const byLoad = await rowsByLoad(p, new Set(loadIds));
  const total: Record<string, number> = {};
  for (const counts of byLoad.values()) {
    for (const [table, n] of Object.entries(counts)) total[table] = (total[table] ?? 0) + n;
  }
  return total;
}

/** Row counts as one line: `issues 3, users 2` (empty when there are none). */
export function rowCountsText(counts: Record<string, number>): string {
  return Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(", ");
}
