/**
 * Finding the newest committed state of a pipeline in the append layout: the state file and
 * `_dlt_loads.jsonl` are read from their ends, side by side, so the cost depends on how many rows
 * other pipelines appended since this pipeline's last commit, not on the length of the history.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import { readRowsBackward } from "./jsonl.ts";
import {
  compareLoadIds,
  isLoadRow,
  isStateRow,
  LOAD_COMPLETED,
  LOAD_REVERTED,
  type StateRow,
} from "./dlt_tables.ts";

/**
 * The state row of the newest state of `pipelineName` whose load is committed (has a
 * `_dlt_loads` row). Reads both files from their ends: the cost depends on how many rows other
 * pipelines appended since this pipeline's last commit, not on the length of the history.
 */
export async function findNewestCommittedStateRow(
  bucket: Bucket,
  statesPath: string,
  loadsPath: string,
  pipelineName: string,
): Promise<StateRow | undefined> {
  const states = readRowsBackward(bucket, statesPath);
  const loads = readRowsBackward(bucket, loadsPath);
  const seen = new Set<string>(); // committed load ids of this pipeline met so far
  const reverted = new Set<string>(); // loads withdrawn by a later row
  let candidate: StateRow | undefined;
  let loadsDone = false;
  try {
    while (true) {
      if (!candidate) {
        const next = await nextStateRow(states, pipelineName);
        if (!next) return undefined;
        candidate = next;
      }
      if (reverted.has(candidate._dlt_load_id)) {
        candidate = undefined;
        continue;
      }
      if (seen.has(candidate._dlt_load_id)) {
        return candidate;
      }
      if (loadsDone) {
        candidate = undefined;
        continue;
      }
      const step = await loads.next();
      if (step.done) {
        loadsDone = true;
        continue;
      }
      const load = step.value;
      if (!isLoadRow(load)) continue;
      if (load.pipeline_name !== undefined && load.pipeline_name !== pipelineName) continue;
      if (load.status === LOAD_REVERTED) {
        reverted.add(load.load_id);
        if (load.load_id === candidate._dlt_load_id) candidate = undefined;
        continue;
      }
      if (load.status !== LOAD_COMPLETED || reverted.has(load.load_id)) continue;
      seen.add(load.load_id);
      if (load.load_id === candidate._dlt_load_id) continue; // found on the next turn
      if (
        load.pipeline_name === pipelineName &&
        compareLoadIds(load.load_id, candidate._dlt_load_id) < 0
      ) {
        // An older load of this pipeline committed after the candidate's: the candidate never was.
        candidate = undefined;
      }
    }
  } finally {
    await states.return(undefined);
    await loads.return(undefined);
  }
}

async function nextStateRow(
  states: AsyncGenerator<Record<string, unknown>>,
  pipelineName: string,
): Promise<StateRow | undefined> {
  for (let step = await states.next(); !step.done; step = await states.next()) {
    const row = step.value;
    if (isStateRow(row) && row.pipeline_name === pipelineName) return row;
  }
  return undefined;
}
