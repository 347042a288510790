/**
 * Step 3 of the run protocol: load the packages an earlier run committed but did not load (it
 * died), oldest first, before extracting anything new. A damaged package is quarantined with
 * every later one, and the state goes back to the destination's committed one so that their
 * rows are extracted again.
 *
 * @module
 */
import { join } from "node:path";
import { PipelineStepFailed, StateConflictError, StateFileCorruptedError } from "../errors.ts";
import { LocalStateStore } from "../state/local_store.ts";
import type { PipelineState } from "../state/state_document.ts";
import type { DatasetStore } from "../destinations/dataset_store.ts";
import type { PipelineEnv } from "./_env.ts";
import { listPendingPackages, type PendingPackage, removePackage } from "./load_package.ts";
import { loadPackage } from "./load.ts";
import { syncState } from "./sync.ts";

/** The state to extract from, and the pending loads that were finished on the way. */
export interface PendingLoadsResult {
  /** The state after the pending packages (each carries the state of its extract). */
  state: PipelineState;
  /** The load ids of the packages loaded. */
  loadIds: string[];
}

/** Loads every pending package on top of `state`; see the module doc. */
export async function loadPendingPackages(
  env: PipelineEnv,
  store: DatasetStore,
  state: PipelineState,
): Promise<PendingLoadsResult> {
  const pending = await listPendingPackages(env.workingDir);
  if (pending.damaged) {
    // The local state counts the quarantined rows as loaded: go back to the committed state so
    // that the next run extracts them again.
    await syncState(env, store, true);
    throw new PipelineStepFailed(
      "load",
      pending.quarantined[0],
      new StateFileCorruptedError(
        pending.damaged.file,
        pending.damaged.message,
        `Run again to extract the rows of load(s) ${
          pending.quarantined.join(", ")
        } anew (moved to "${
          join(env.workingDir, "quarantine")
        }", state reset to the destination's)`,
      ),
    );
  }
  const loadIds: string[] = [];
  for (const pkg of pending.packages) {
    env.logger.warn(
      `Loading package "${pkg.loadId}" left pending by an earlier run before extracting new data`,
    );
    state = await adoptPackageState(env, pkg, state);
    try {
      await loadPackage(env, store, pkg);
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
      // Another machine committed that version meanwhile: the package was discarded, and so are
      // the later ones (their states build on it); the state is the destination's again, and
      // their rows are extracted anew from there.
      const later = pending.packages.slice(pending.packages.indexOf(pkg) + 1);
      for (const rest of later) await removePackage(rest);
      env.logger.warn(
        `Discarded package(s) ${
          [pkg, ...later].map((p) => `"${p.loadId}"`).join(", ")
        }: another run committed state version ${error.remoteVersion} of pipeline "${env.pipelineName}" first; continuing from the destination's state`,
      );
      return { state: await syncState(env, store, true), loadIds };
    }
    loadIds.push(pkg.loadId);
  }
  if (loadIds.length > 0 && state._local.first_run !== false) {
    state._local.first_run = false;
    await env.localStore.save(state);
  }
  return { state, loadIds };
}

/** The package's state snapshot when it is newer than `state` (a run died before saving it). */
async function adoptPackageState(
  env: PipelineEnv,
  pkg: PendingPackage,
  state: PipelineState,
): Promise<PipelineState> {
  if (pkg.manifest.state_version <= state._state_version) return state;
  const snapshot = new LocalStateStore(pkg.dir).load();
  if (!snapshot || snapshot._state_version <= state._state_version) return state;
  snapshot._local = { ...state._local, ...snapshot._local };
  await env.localStore.save(snapshot);
  return snapshot;
}
