/**
 * Step 6 of the run protocol, load: hand a committed package to the destination, which writes
 * its table files, the schema and state rows and, last, the row that commits the load; then
 * delete the package. Merge tables read through too many loads are folded afterwards.
 *
 * @module
 */
import { PipelineStepFailed, StateConflictError } from "../errors.ts";
import type { DatasetStore } from "../destinations/dataset_store.ts";
import { compactTable } from "../destinations/compaction.ts";
import type { PipelineEnv } from "./_env.ts";
import { explainPermission } from "./_permissions.ts";
import { faultPoint } from "./_faults.ts";
import { packageToLoad, type PendingPackage, removePackage } from "./load_package.ts";
import { syncState } from "./sync.ts";

/** A merge table read through more loads than this is folded into one file. */
export const MERGE_COMPACTION_LOADS = 32;

/**
 * Loads `pkg` and removes it from the working dir; fails with step `"load"`. When another load
 * committed the package's state version first, the package is discarded, the local state goes
 * back to the destination's, and {@linkcode StateConflictError} is thrown: nothing of the
 * package is visible.
 */
export async function loadPackage(
  env: PipelineEnv,
  store: DatasetStore,
  pkg: PendingPackage,
): Promise<void> {
  env.report({ stage: "load", message: `loading ${pkg.loadId}`, loadId: pkg.loadId });
  try {
    await store.load(packageToLoad(pkg), faultPoint);
    await removePackage(pkg);
  } catch (error) {
    if (error instanceof StateConflictError) {
      await store.discardLoad(packageToLoad(pkg)).catch(() => {}); // best effort: invisible anyway
      await removePackage(pkg);
      await syncState(env, store, true);
      throw error;
    }
    throw new PipelineStepFailed("load", pkg.loadId, explainPermission(error, "write", store.url));
  }
}

/**
 * Folds the merge tables of a loaded package that readers would go through more than
 * {@linkcode MERGE_COMPACTION_LOADS} loads for, so that reading never holds the keys of a long
 * history: a rewrite every so many loads, never one per run. A failure here loses nothing (the
 * data is committed): it is reported, and the table is folded after a later load.
 */
export async function compactMergeTables(
  env: PipelineEnv,
  store: DatasetStore,
  pkg: PendingPackage,
): Promise<void> {
  for (const table of pkg.manifest.tables) {
    if (table.write_disposition !== "merge" || !table.primary_key?.length) continue;
    try {
      if ((await store.visibleLoadCount(table.name)) <= MERGE_COMPACTION_LOADS) continue;
      env.report({
        stage: "load",
        message: `compacting merge table ${table.name}`,
        table: table.name,
      });
      await compactTable(store, table.name, env.pipelineName, pkg.manifest.schema_name);
    } catch (error) {
      env.logger.warn(
        `Could not compact merge table "${table.name}" (${
          (error as Error).message
        }); it stays as it is and is compacted after a later load`,
      );
    }
  }
}
