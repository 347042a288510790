/**
 * Step 5 of the run protocol, commit the extract: finish the schemas, bump the state version,
 * check the state's size, make sure no other machine committed a newer version already,
 * write the state snapshot and the manifest into the package (it is pending from then on), and
 * replace the local `state.json`. Loading the package is the next step (`load.ts`).
 *
 * @module
 */
import { join } from "node:path";
import { PipelineStepFailed, StateConflictError, StateTooLargeError } from "../errors.ts";
import { bumpStateVersion, type PipelineState } from "../state/state_document.ts";
import { encodeTyped } from "../state/typed_json.ts";
import type { DatasetStore } from "../destinations/dataset_store.ts";
import { makeStateRow } from "../destinations/dlt_tables.ts";
import { addDltColumns, bumpSchemaVersion, type Schema } from "../destinations/schema.ts";
import type { PipelineEnv } from "./_env.ts";
import { explainPermission } from "./_permissions.ts";
import { faultPoint } from "./_faults.ts";
import type { ExtractPackage } from "./extract_run.ts";
import type { PendingPackage } from "./load_package.ts";
import { saveSchemas } from "./working_dir.ts";
import { ownValue } from "../state/own_keys.ts";

/** Everything a commit needs: the state to commit, and the package with its tables. */
export interface CommitJob {
  /** The state to commit (its version is bumped here). */
  state: PipelineState;
  /** The committed state the change started from (for conflict detection). */
  base: PipelineState;
  /** The package holding the rows. */
  pkg: ExtractPackage;
  /** The working copies of the schemas, by source name. */
  schemas: Map<string, Schema>;
  /** When the run started (the state row's `created_at`). */
  startedAt: Date;
}

/**
 * Commits `job.pkg` with `job.state`; see the module doc. Returns the pending package, or
 * `undefined` when there was nothing to commit (the package is discarded and nothing is
 * written but a changed local state that the destination does not keep). Fails with step
 * `"commit"` (or {@linkcode StateConflictError}); the package is discarded then and nothing
 * persists.
 */
export async function commitExtract(
  env: PipelineEnv,
  store: DatasetStore,
  job: CommitJob,
): Promise<PendingPackage | undefined> {
  const { state, pkg, schemas } = job;
  const loadId = pkg.loadId;
  let sendState: boolean;
  const changedSchemas: Schema[] = [];
  try {
    bumpStateVersion(state);
    checkStateSize(env, state);
    for (const [name, hints] of pkg.tables) {
      const table = ownValue(schemas.get(hints.sourceName)?.tables, name);
      if (table) addDltColumns(table);
    }
    for (const schema of schemas.values()) {
      if (bumpSchemaVersion(schema)) changedSchemas.push(schema);
    }
    sendState = env.restoreFromDestination &&
      state._version_hash !== state._local._last_extracted_hash;
    if (pkg.tables.size === 0 && !sendState && changedSchemas.length === 0) {
      await pkg.writer.discard();
      if (state._version_hash !== job.base._version_hash) await env.localStore.save(state);
      return undefined;
    }
    if (sendState) await checkNotBehind(env, store, job.base);
  } catch (error) {
    // The state the resources left (not serializable, too large) or a conflict: the extract's.
    return await abandonPackage(env, pkg, error, "extract");
  }

  env.report({ stage: "commit", message: `committing ${loadId}`, loadId });
  try {
    const defaultSchema = state.default_schema_name ?? env.pipelineName;
    if (sendState) {
      state._local._last_extracted_hash = state._version_hash;
      state._local._last_extracted_at = new Date().toISOString();
    }
    const manifest = await pkg.writer.commit({
      load_id: loadId,
      pipeline_name: env.pipelineName,
      schema_name: defaultSchema,
      schema_version_hash: schemas.get(defaultSchema)?.version_hash ?? null,
      created_at: new Date().toISOString(),
      state_version: state._state_version,
      tables: [...pkg.tables].map(([name, hints]) => ({
        name,
        write_disposition: hints.writeDisposition,
        ...(hints.primaryKey.length > 0 ? { primary_key: hints.primaryKey } : {}),
        ...(hints.reset ? { reset: true } : {}),
      })),
      state_row: sendState
        ? await makeStateRow(state, loadId, `${loadId}.state`, job.startedAt)
        : undefined,
      schemas: changedSchemas,
      schema_versions: Object.fromEntries(
        [...schemas].map(([name, schema]) => [name, {
          version: schema.version,
          version_hash: schema.version_hash,
        }]),
      ),
    }, state);
    faultPoint("extract_commit");
    if (changedSchemas.length > 0) await saveSchemas(env.workingDir, schemas);
    await env.localStore.save(state);
    faultPoint("local_state");
    return { loadId, dir: join(env.workingDir, "load", loadId), manifest };
  } catch (error) {
    return await abandonPackage(env, pkg, error, "commit");
  }
}

/**
 * Discards a package that will not be committed and fails the run's extract step with `error`
 * (passed through when it already is a step failure, e.g. of a checkpoint).
 */
export async function abandonPackage(
  env: PipelineEnv,
  pkg: ExtractPackage,
  error: unknown,
  step: "extract" | "commit" = "extract",
): Promise<never> {
  await pkg.writer.discard();
  if (error instanceof PipelineStepFailed || error instanceof StateConflictError) throw error;
  throw new PipelineStepFailed(
    step,
    pkg.loadId,
    explainPermission(error, "write", env.workingDir),
  );
}

/** Checks the encoded size of the state against the limits. */
function checkStateSize(env: PipelineEnv, state: PipelineState): void {
  const bytes = new TextEncoder().encode(JSON.stringify(encodeTyped(state))).length;
  if (bytes > env.maxStateBytes) {
    throw new StateTooLargeError(env.pipelineName, bytes, env.maxStateBytes);
  }
  if (bytes > env.warnStateBytes) {
    env.logger.warn(
      `The state of pipeline "${env.pipelineName}" is ${bytes} bytes (warning above ${env.warnStateBytes}); keep cursors and high-water marks there, not lists of ids`,
    );
  }
}

/**
 * Fails early with {@linkcode StateConflictError} when the destination already holds a newer
 * committed state than `base` (another machine ran the pipeline in between), before the package
 * is written. The commit point of the load (`DatasetStore.load`) is what decides a race.
 */
async function checkNotBehind(
  env: PipelineEnv,
  store: DatasetStore,
  base: PipelineState,
): Promise<void> {
  const remote = await store.newestCommittedStateRow(env.pipelineName);
  if (remote && remote.version > base._state_version) {
    throw new StateConflictError(env.pipelineName, base._state_version, remote.version);
  }
}
