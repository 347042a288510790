/**
 * Step 2 of the run protocol, sync: when the local state is missing, damaged or older than the
 * destination's newest *committed* state, adopt that state (and its schemas). The usual case, a
 * local state as new as the destination's, reads only the newest state row and decodes nothing.
 *
 * @module
 */
import { PipelineStepFailed, StateFileCorruptedError } from "../errors.ts";
import { bumpStateVersion, newPipelineState, type PipelineState } from "../state/state_document.ts";
import type { DatasetStore } from "../destinations/dataset_store.ts";
import { decodeStateRow } from "../destinations/dlt_tables.ts";
import type { Schema } from "../destinations/schema.ts";
import type { PipelineEnv } from "./_env.ts";
import { explainPermission } from "./_permissions.ts";
import { discardUnfinishedPackages, listPendingPackages } from "./load_package.ts";
import { saveSchemas } from "./working_dir.ts";
import { noteLoadId } from "./_load_id.ts";

/** The local state as read from `state.json`, with the damage found, if any. */
export interface LocalStateReading {
  /** The state, or `undefined` when there is none (or it is damaged). */
  state: PipelineState | undefined;
  /** Why the file cannot be used, when it is damaged. */
  damaged?: StateFileCorruptedError;
}

/** Reads the local state; a damaged file is reported and treated as missing. */
export function readLocalState(env: PipelineEnv): LocalStateReading {
  try {
    return { state: env.localStore.load() };
  } catch (error) {
    if (error instanceof StateFileCorruptedError) return { state: undefined, damaged: error };
    throw explainPermission(error, "read", env.workingDir);
  }
}

/**
 * Whether a load stands behind `local`: a state that says it was sent with a load (its hash is
 * the last extracted one) must be committed in the destination or pending in the working dir.
 * A state not sent yet (a local change on top of the committed one) needs nothing behind it.
 */
async function isBacked(
  env: PipelineEnv,
  local: PipelineState,
  committedVersion: number,
): Promise<boolean> {
  if (local._state_version <= committedVersion) return true;
  if (local._version_hash !== local._local._last_extracted_hash) return true;
  const { packages } = await listPendingPackages(env.workingDir, { quarantine: false });
  return packages.some((pkg) => pkg.manifest.state_version >= local._state_version);
}

/** A fresh state of the pipeline, version 0. */
export function freshState(env: PipelineEnv): PipelineState {
  return newPipelineState(env.pipelineName, env.datasetName);
}

/**
 * Adopts the destination's newest committed state when the local one is missing or older (or
 * equally new but different), or always with `force`. Returns the state to run from, which is
 * also what `state.json` holds afterwards.
 */
export async function syncState(
  env: PipelineEnv,
  store: DatasetStore,
  force = false,
): Promise<PipelineState> {
  const reading = readLocalState(env);
  const { damaged } = reading;
  let local = reading.state;
  if (!env.restoreFromDestination) {
    if (damaged) throw damaged;
    return local ?? freshState(env);
  }
  await store.checkUsable();
  const committed = await store.newestCommitted(env.pipelineName);
  const remoteRow = committed?.row;
  // The next load must sort after it, whatever clock (or Python dlt) made it.
  if (remoteRow) noteLoadId(remoteRow._dlt_load_id);
  // The version the next commit must be above: the newest committed one's, or a higher number
  // a commit point already holds (withdrawn by revertLoads, or torn): numbers are never reused.
  const level = Math.max(remoteRow?.version ?? 0, committed?.spentVersion ?? 0);
  if (local && !force && !(await isBacked(env, local, level))) {
    env.logger.warn(
      `The local state of pipeline "${env.pipelineName}" (version ${local._state_version}) was sent with a load that is neither committed in the destination nor pending in "${env.workingDir}" (deleted?); continuing from the destination's committed state instead, so those rows are extracted again`,
    );
    local = undefined;
    force = true; // whatever is adopted replaces the local file
  }
  const isCurrent = (version: number, hash: string | undefined) =>
    !force && local !== undefined && (version < local._state_version ||
      (version === local._state_version && hash === local._version_hash));
  if (remoteRow && isCurrent(level, remoteRow.version_hash)) {
    return local!; // the usual case: nothing to adopt, nothing to decode
  }
  if (!remoteRow) {
    if (damaged) {
      throw new StateFileCorruptedError(
        damaged.file,
        damaged.message,
        `Delete "${damaged.file}" to start pipeline "${env.pipelineName}" from empty state, or restore it from a backup; the destination holds no state to recover from`,
      );
    }
    const previous = reading.state;
    if (force && previous) {
      const fresh = freshState(env);
      fresh._local = { ...previous._local, _last_extracted_hash: undefined };
      await saveSchemas(env.workingDir, new Map()); // the schemas went with that state
      await env.localStore.save(fresh);
      return fresh;
    }
    return local ?? freshState(env);
  }
  const adopted = await decodeStateRow(remoteRow);
  if (adopted._state_version < level) adopted._state_version = level;
  if (damaged) {
    env.logger.warn(
      `${damaged.message}; recovered state version ${adopted._state_version} from the destination`,
    );
  }
  if (isCurrent(adopted._state_version, adopted._version_hash)) return local!;
  adopted._local = {
    ...(reading.state?._local ?? {}),
    first_run: false,
    _last_extracted_hash: adopted._version_hash,
  };
  if (adopted.dataset_name !== env.datasetName) {
    env.logger.warn(
      `State restored from the destination names dataset "${adopted.dataset_name}"; keeping "${env.datasetName}" as given`,
    );
    // A local change on top of the committed state: a new version, sent with the next load.
    adopted.dataset_name = env.datasetName;
    bumpStateVersion(adopted);
  }
  const schemas = new Map<string, Schema>();
  for (const name of adopted.schema_names ?? []) {
    const schema = await store.newestSchema(name, committed?.schemaFiles?.[name]);
    if (schema) schemas.set(name, schema);
  }
  await saveSchemas(env.workingDir, schemas);
  await env.localStore.save(adopted);
  return adopted;
}

/**
 * The sync step of every state-changing operation: removes what a run that died during extract
 * left half-built, then {@linkcode syncState}. Fails with step `"sync"`.
 */
export async function syncForRun(env: PipelineEnv, store: DatasetStore): Promise<PipelineState> {
  try {
    await discardUnfinishedPackages(env.workingDir);
    return await syncState(env, store);
  } catch (error) {
    throw new PipelineStepFailed("sync", undefined, explainPermission(error, "read", store.url));
  }
}
