/**
 * What a pipeline has done, read without changing anything: its committed state versions and
 * loads in the destination, and the packages waiting in the working dir.
 *
 * @module
 */
import type { DatasetStore } from "../destinations/dataset_store.ts";
import { decodeStateRow, type LoadRow } from "../destinations/dlt_tables.ts";
import type { PipelineEnv } from "./_env.ts";
import { listPendingPackages } from "./load_package.ts";
import type { PendingPackageInfo, StateVersion } from "./results.ts";

/** Every committed state version of the pipeline in the destination, oldest first. */
export async function stateHistory(
  env: PipelineEnv,
  store: DatasetStore,
): Promise<StateVersion[]> {
  const versions: StateVersion[] = [];
  for (const row of await store.committedStateRows(env.pipelineName)) {
    versions.push({
      version: row.version,
      loadId: row._dlt_load_id,
      createdAt: row.created_at,
      versionHash: row.version_hash,
      state: await decodeStateRow(row),
    });
  }
  return versions;
}

/** The committed loads of the pipeline, oldest first. */
export function committedLoads(env: PipelineEnv, store: DatasetStore): Promise<LoadRow[]> {
  return store.loadsOf(env.pipelineName);
}

/** Packages committed by extract but not loaded yet (a run died), oldest first. */
export async function pendingPackages(env: PipelineEnv): Promise<PendingPackageInfo[]> {
  const { packages } = await listPendingPackages(env.workingDir, { quarantine: false });
  return packages.map(({ loadId, manifest }) => ({
    loadId,
    createdAt: manifest.created_at,
    stateVersion: manifest.state_version,
    rowCounts: Object.fromEntries(
      manifest.tables.map((t) => [t.name, t.files.reduce((n, f) => n + f.rows, 0)]),
    ),
  }));
}
