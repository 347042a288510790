/**
 * Changes outside a run, each recorded as a new state version or a new load, never as an edit in
 * place: `commitState` (any edit of the state), `dropResources` (dlt's `pipeline drop`),
 * `dropPendingPackages`, `syncDestination({ force })` and `revertLoads`. Each runs under the
 * pipeline lock, taken by the caller.
 *
 * @module
 */
import { ConfigurationError, PipelineStepFailed } from "../errors.ts";
import { cloneState, type PipelineState } from "../state/state_document.ts";
import type { DatasetStore } from "../destinations/dataset_store.ts";
import type { PipelineEnv } from "./_env.ts";
import { applyDrop, type DropOptions, type DropPlan, planDrop } from "./drop.ts";
import { newPackage, registerResets } from "./extract_run.ts";
import { listPendingPackages, removePackage } from "./load_package.ts";
import { loadPendingPackages } from "./pending.ts";
import type { CommitResult } from "./results.ts";
import { RunLoads } from "./run_loads.ts";
import { syncForRun, syncState } from "./sync.ts";
import { readSchemas, recordWorkingDir } from "./working_dir.ts";

/** Sync and pending loads: the state every edit starts from, and the loads that carry edits. */
async function startEdit(
  env: PipelineEnv,
  store: DatasetStore,
): Promise<{ base: PipelineState; loads: RunLoads }> {
  const { state } = await loadPendingPackages(env, store, await syncForRun(env, store));
  const schemas = await readSchemas(env.workingDir);
  return {
    base: state,
    loads: new RunLoads(env, store, state, { schemas, startedAt: new Date() }),
  };
}

/** Applies `edit` to a copy of the committed state and commits the result as a new version. */
export async function commitStateEdit(
  env: PipelineEnv,
  store: DatasetStore,
  edit: (state: PipelineState) => void | Promise<void>,
): Promise<CommitResult> {
  const { base, loads } = await startEdit(env, store);
  const working = cloneState(base);
  await edit(working);
  const loadId = await loads.commitAndLoad(newPackage(env.workingDir), working);
  return { changed: loadId !== undefined, stateVersion: working._state_version, loadId };
}

/** Drops what `options` names and commits that as a new state version (and table resets). */
export async function dropResources(
  env: PipelineEnv,
  store: DatasetStore,
  options: DropOptions,
): Promise<DropPlan & { loadId?: string; stateVersion: number }> {
  const { base, loads } = await startEdit(env, store);
  const working = cloneState(base);
  const plan = planDrop(working, Object.fromEntries(loads.schemas), options);
  if (plan.isEmpty) return { ...plan, stateVersion: base._state_version };
  const dropped = applyDrop(working, loads.schemas, plan);
  const pkg = newPackage(env.workingDir);
  registerResets({ pkg, resetDone: new Set<string>() }, plan.sourceName, dropped);
  const loadId = await loads.commitAndLoad(pkg, working);
  return { ...plan, loadId, stateVersion: working._state_version };
}

/**
 * Discards pending packages and goes back to the destination's committed state, so that the
 * cursors do not stay past data that was never loaded. Returns the discarded load ids.
 */
export async function dropPendingPackages(
  env: PipelineEnv,
  store: DatasetStore,
): Promise<string[]> {
  const { packages, quarantined } = await listPendingPackages(env.workingDir);
  for (const pkg of packages) await removePackage(pkg);
  if (packages.length > 0 || quarantined.length > 0) await syncState(env, store, true);
  return [...quarantined, ...packages.map((pkg) => pkg.loadId)];
}

/**
 * Restores the newest committed state from the destination (when it is newer than the local
 * one; always with `force`, which also discards pending packages, as dlt's `sync` does).
 */
export async function syncFromDestination(
  env: PipelineEnv,
  store: DatasetStore,
  force: boolean,
): Promise<void> {
  try {
    if (force) {
      const { packages, quarantined } = await listPendingPackages(env.workingDir);
      for (const pkg of packages) await removePackage(pkg);
      if (quarantined.length > 0) {
        env.logger.warn(`Moved damaged package(s) ${quarantined.join(", ")} to quarantine/`);
      }
    }
    await syncState(env, store, force);
    await recordWorkingDir(env);
  } catch (error) {
    throw new PipelineStepFailed("sync", undefined, error);
  }
}

/**
 * Withdraws committed loads of this pipeline (`_dlt_loads` rows with status 2, their state
 * versions marked withdrawn), after checking that each is one. When that withdraws the newest
 * state version, the pipeline continues from the newest one that is not, recorded as a new
 * version (version numbers are never reused). Returns the state version afterwards.
 */
export async function revertLoads(
  env: PipelineEnv,
  store: DatasetStore,
  loadIds: readonly string[],
  defaultSchemaName: string,
): Promise<number> {
  const mine = new Set((await store.loadsOf(env.pipelineName)).map((load) => load.load_id));
  for (const loadId of loadIds) {
    if (!mine.has(loadId)) {
      throw new ConfigurationError(
        `Revert only committed loads of pipeline "${env.pipelineName}": "${loadId}" is not one`,
      );
    }
  }
  const blockers = await store.revertBlockers(loadIds);
  if (blockers.size > 0) {
    const [loadId, why] = [...blockers][0];
    throw new ConfigurationError(
      `Commit an older state instead (pipeline.commitState, or the command line's rollback without --revert-loads): load "${loadId}" cannot be withdrawn, ${why}`,
    );
  }
  const rows = await store.committedStateRows(env.pipelineName);
  const withdrawn = rows.filter((row) => loadIds.includes(row._dlt_load_id)).map((r) => r.version);
  const top = Math.max(0, ...rows.map((row) => row.version));
  await store.revertLoads(env.pipelineName, defaultSchemaName, loadIds, withdrawn);
  const base = await syncState(env, store, true); // the newest state not withdrawn
  if (!withdrawn.includes(top)) return base._state_version;
  const schemas = await readSchemas(env.workingDir);
  const loads = new RunLoads(env, store, base, { schemas, startedAt: new Date() });
  const state = cloneState(base);
  state._state_version = top + 1; // the withdrawn versions are spent
  state._local._last_extracted_hash = undefined; // send it, though its content is not new
  await loads.commitAndLoad(newPackage(env.workingDir), state);
  return state._state_version;
}
