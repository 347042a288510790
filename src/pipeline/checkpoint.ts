/**
 * Checkpoints (beyond dlt): every so many rows or seconds, the package built so far is committed
 * and loaded in the middle of the run, with the state as it stood when each resource yielded the
 * item it holds (the extract waits for every resource of the source to reach a yield first), so
 * that a run that dies after hours resumes from its last checkpoint without duplicates.
 *
 * @module
 */
import { cloneState } from "../state/state_document.ts";
import type { PipelineEnv } from "./_env.ts";
import { finishState } from "./_finish_state.ts";
import { type ExtractRun, newPackage } from "./extract_run.ts";
import type { CheckpointEvery } from "./options.ts";
import type { RunLoads } from "./run_loads.ts";

/**
 * Makes `run` commit a checkpoint through `loads` before an item is written whenever
 * `every.rows` rows or `every.seconds` seconds went into the current package.
 */
export function installCheckpoints(
  env: PipelineEnv,
  run: ExtractRun,
  every: CheckpointEvery,
  loads: RunLoads,
): void {
  let rowsInPackage = 0;
  let packageStarted = Date.now();
  const countRows = run.afterItem;
  run.afterItem = (resource, rows) => {
    rowsInPackage += rows;
    countRows?.(resource, rows);
  };
  run.checkpoint = {
    due: () =>
      rowsInPackage > 0 &&
      ((every.rows !== undefined && rowsInPackage >= every.rows) ||
        (every.seconds !== undefined && Date.now() - packageStarted >= every.seconds * 1000)),
    async commit() {
      const snapshot = cloneState(run.state);
      finishState(env, snapshot, run);
      const pkg = run.pkg;
      run.pkg = newPackage(env.workingDir);
      if (await loads.commitAndLoad(pkg, snapshot)) {
        for (const [table, hints] of pkg.tables) if (hints.reset) run.resetDone.add(table);
      }
      // The working copy continues from the committed snapshot's version.
      run.state._state_version = snapshot._state_version;
      run.state._version_hash = snapshot._version_hash;
      run.state._local = snapshot._local;
      rowsInPackage = 0;
      packageStarted = Date.now();
    },
  };
}
