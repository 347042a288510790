/**
 * Everything a pipeline does to one dataset of a bucket. Loading a package follows one commit
 * protocol whatever the layout: the table files under names of their own (a retry overwrites,
 * never duplicates), the schemas, then the commit point of the state version
 * (`state_versions.ts`: a create-if-absent write, so of two machines only one commits), then the
 * `_dlt_loads` marker and what else follows from the commit. Where the library's own tables live
 * is the layout's (`layout.ts`): appended JSONL files in a local folder, or Python dlt's
 * one-file-per-load layout, the only one an object store can hold.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import { validateName } from "../storage/names.ts";
import { ConfigurationError, StateConflictError } from "../errors.ts";
import type { PipelineState } from "../state/state_document.ts";
import {
  compareLoadIds,
  decodeStateRow,
  LOAD_COMPLETED,
  LOAD_REVERTED,
  type LoadRow,
  STATE_TABLE,
  type StateRow,
} from "./dlt_tables.ts";
import type { CommittedStateRow, DatasetLayout, DltTables } from "./layout.ts";
import type { Schema, TableSchema } from "./schema.ts";
import type { PackageToLoad } from "./package_to_load.ts";
import { StateVersions } from "./state_versions.ts";
import { DropLinesStream } from "./_drop_lines_stream.ts";
import { AppendTables } from "./_append_tables.ts";
import { ObjectTables, schemaFileName } from "./_object_tables.ts";
import { addRevertBlockers, LOAD_FILE, type TableFile, visibleFiles } from "./_table_files.ts";

export { compareLoadIds, LOAD_COMPLETED, LOAD_REVERTED } from "./dlt_tables.ts";
export type { PackageFile, PackageTable, PackageToLoad } from "./package_to_load.ts";
export type { TableFile } from "./_table_files.ts";

/** The newest committed state of a pipeline, with the row that carried it. */
export interface CommittedState {
  /** The decoded state (no `_local`). */
  state: PipelineState;
  /** The row as stored. */
  row: StateRow;
}

/** One dataset (`<bucket>/<datasetName>/`) of a bucket. */
export class DatasetStore {
  /** The bucket. */
  readonly bucket: Bucket;
  /** The dataset name (a validated path segment). */
  readonly datasetName: string;
  /** The commit points of the dataset's state versions. */
  readonly versions: StateVersions;
  readonly #preferred: DatasetLayout | undefined;
  #tables: Promise<DltTables> | undefined;

  /**
   * Opens the dataset; throws `InvalidNameError` for names that are not safe path segments.
   * `layout` is the one to use for a new dataset (an existing one keeps its own).
   */
  constructor(bucket: Bucket, datasetName: string, options: { layout?: DatasetLayout } = {}) {
    this.bucket = bucket;
    this.datasetName = validateName("dataset", datasetName);
    this.versions = new StateVersions(bucket, this.datasetName);
    this.#preferred = options.layout;
  }

  /** Where the bucket is (for messages; never a secret). */
  get url(): string {
    return this.bucket.url;
  }

  /** The bucket path of a file of the dataset. */
  path(...segments: string[]): string {
    return [this.datasetName, ...segments].join("/");
  }

  /** The layout of the dataset: the one it has, else the one asked for, else the bucket's. */
  async layout(): Promise<DatasetLayout> {
    return (await this.#layoutTables()).layout;
  }

  #layoutTables(): Promise<DltTables> {
    return this.#tables ??= this.#detectLayout().catch((error) => {
      this.#tables = undefined;
      throw error;
    });
  }

  async #detectLayout(): Promise<DltTables> {
    const canAppend = this.bucket.appendLine !== undefined;
    let found: DatasetLayout | undefined;
    if (canAppend) {
      // A local folder: one listing tells which layout an existing dataset has.
      for (const entry of await this.bucket.list(this.datasetName)) {
        if (entry.name === `${STATE_TABLE}.jsonl` || entry.name === "_dlt_loads.jsonl") {
          found = "append";
        } else if (entry.name === STATE_TABLE || entry.name === "init") found ??= "dlt";
      }
    }
    const wanted = this.#preferred;
    if (found && wanted && found !== wanted) {
      throw new ConfigurationError(
        `Use layout "${found}" for dataset "${this.datasetName}" of "${this.bucket.url}" (or another dataset): it already holds the "${found}" layout, not "${wanted}"`,
      );
    }
    const layout = found ?? wanted ?? (canAppend ? "append" : "dlt");
    if (layout === "append" && !canAppend) {
      throw new ConfigurationError(
        `Use layout "dlt" for "${this.bucket.url}": object storage cannot append, so the "append" layout is only for local folders`,
      );
    }
    return layout === "append"
      ? new AppendTables(this.bucket, this.datasetName, this.versions)
      : new ObjectTables(this.bucket, this.datasetName, this.versions);
  }

  /** Throws `ConfigurationError` when the bucket root or the dataset exists but is a file. */
  async checkUsable(): Promise<void> {
    if (!this.bucket.appendLine) return; // an object store has no folders to be files
    let entries;
    try {
      entries = await this.bucket.list("");
    } catch (error) {
      if (error instanceof Deno.errors.NotADirectory) {
        throw new ConfigurationError(`Point bucketUrl at a folder: "${this.bucket.url}" is a file`);
      }
      throw error;
    }
    for (const entry of entries) {
      if (entry.name === this.datasetName && !entry.isDirectory) {
        throw new ConfigurationError(
          `Choose another dataset or bucketUrl: "${this.bucket.url}/${this.datasetName}" is a file, not a folder`,
        );
      }
    }
  }

  /** The newest committed state of `pipelineName`, with its schemas where the layout keeps them. */
  async newestCommitted(pipelineName: string): Promise<CommittedStateRow | undefined> {
    return await (await this.#layoutTables()).newestCommittedState(pipelineName);
  }

  /** The state row of the newest committed state of `pipelineName`. */
  async newestCommittedStateRow(pipelineName: string): Promise<StateRow | undefined> {
    return (await this.newestCommitted(pipelineName))?.row;
  }

  /** {@linkcode DatasetStore.newestCommittedStateRow}, with the state decoded. */
  async newestCommittedState(pipelineName: string): Promise<CommittedState | undefined> {
    const row = await this.newestCommittedStateRow(pipelineName);
    return row && { row, state: await decodeStateRow(row) };
  }

  /**
   * The newest stored version of schema `name`, or `undefined`; `file` is where the committed
   * state says it is (saves a listing).
   */
  async newestSchema(name: string, file?: string): Promise<Schema | undefined> {
    return await (await this.#layoutTables()).newestSchema(name, file);
  }

  /** The schema of data table `name` (from the newest schema that has it), or `undefined`. */
  async tableSchema(name: string): Promise<TableSchema | undefined> {
    return await (await this.#layoutTables()).tableSchema(name);
  }

  /**
   * Loads a package: its table files, its schemas and, for a load that carries a state version,
   * the commit point of that version, then the `_dlt_loads` marker. Idempotent: a retry of a
   * load whose commit point exists only finishes what follows it. Throws
   * {@linkcode StateConflictError} when another load committed the version first; nothing of
   * this load is visible then. `onStep` is called after each write (a fault-injection hook).
   */
  async load(pkg: PackageToLoad, onStep: (step: string) => void = () => {}): Promise<void> {
    const tables = await this.#layoutTables();
    const state = pkg.stateRow;
    if (state) {
      const existing = await this.versions.read(pkg.pipelineName, state.version);
      if (existing && existing.load_id !== pkg.loadId) throw this.#conflict(pkg, state);
      if (existing && (await this.versions.isWithdrawn(pkg.pipelineName, state.version))) {
        // Committed by an attempt that died, then withdrawn by someone: nothing to load.
        throw this.#conflict(pkg, state, "it was committed, then withdrawn (revertLoads)");
      }
      if (existing) {
        await tables.afterCommit(existing); // committed by an attempt that died right after
        return;
      }
    } else if (await tables.hasLoadRow(pkg.pipelineName, pkg.schemaName, pkg.loadId)) return;
    await this.#writeTableFiles(pkg, onStep);
    if (pkg.schemas.length > 0) {
      await tables.writeSchemas(pkg.schemas, pkg.loadId);
      onStep("schema_row");
    }
    if (state) {
      await tables.beforeCommit(state);
      onStep("state_row");
      const record = {
        version: state.version,
        load_id: pkg.loadId,
        pipeline_name: pkg.pipelineName,
        schema_name: pkg.schemaName,
        schema_version_hash: pkg.schemaVersionHash,
        committed_at: new Date().toISOString(),
        state_row: state,
        ...(pkg.schemaVersions
          ? {
            schema_files: Object.fromEntries(
              Object.entries(pkg.schemaVersions).map(([name, v]) => [name, schemaFileName(v)]),
            ),
          }
          : {}),
      };
      onStep("before_loads_row");
      if (await this.versions.commit(record)) throw this.#conflict(pkg, state);
      onStep("state_version");
      await tables.afterCommit(record);
    } else {
      onStep("before_loads_row");
      await tables.writeLoadRow(
        this.#loadRow(
          pkg.loadId,
          pkg.pipelineName,
          pkg.schemaName,
          LOAD_COMPLETED,
          pkg.schemaVersionHash,
        ),
      );
    }
    onStep("loads_row");
    for (const table of pkg.tables) {
      if (table.reset) await this.deleteFilesBefore(table.name, pkg.loadId);
    }
  }

  /**
   * Deletes the files a load that will never commit wrote (it lost the race for its version):
   * invisible to this library's readers, they would still be read by Python dlt's.
   */
  async discardLoad(pkg: PackageToLoad): Promise<void> {
    for (const table of pkg.tables) {
      const dir = validateName("table", table.name);
      const marks = await this.#markDir(dir);
      for (const folder of new Set([this.path(dir), marks])) {
        for (const entry of await this.bucket.list(folder, { prefix: `${pkg.loadId}.` })) {
          if (!entry.isDirectory) await this.bucket.delete(`${folder}/${entry.name}`);
        }
      }
    }
  }

  #conflict(pkg: PackageToLoad, state: StateRow, why?: string): StateConflictError {
    return new StateConflictError(
      pkg.pipelineName,
      state.version - 1,
      state.version,
      ` (${why ?? `another load committed version ${state.version} first`})`,
    );
  }

  async #writeTableFiles(pkg: PackageToLoad, onStep: (step: string) => void): Promise<void> {
    for (const table of pkg.tables) {
      const dir = validateName("table", table.name);
      if (table.reset) {
        await this.writeResetMarker(dir, pkg.loadId);
        onStep(`reset_marker:${table.name}`);
      }
      const superseded = table.supersededLines ?? [];
      let firstLine = 0;
      for (let index = 0; index < table.files.length; index++) {
        const file = table.files[index];
        const target = this.path(dir, `${pkg.loadId}.${index}.jsonl`);
        if (superseded.length === 0 && file.localPath && this.bucket.writeFromLocalFile) {
          await this.bucket.writeFromLocalFile(target, file.localPath);
        } else {
          let bytes = await file.open();
          if (superseded.length > 0) {
            bytes = bytes.pipeThrough(new DropLinesStream(superseded, firstLine));
          }
          await this.bucket.write(target, bytes);
        }
        firstLine += file.rows;
        onStep(`table_file:${table.name}:${index}`);
      }
      if (table.openKeys) {
        const target = `${await this.#markDir(dir)}/${pkg.loadId}.keys.jsonl`;
        if (table.keysLocalPath && this.bucket.writeFromLocalFile) {
          await this.bucket.writeFromLocalFile(target, table.keysLocalPath);
        } else await this.bucket.write(target, await table.openKeys());
        onStep(`keys_file:${table.name}`);
      }
    }
  }

  #loadRow(
    loadId: string,
    pipelineName: string,
    schemaName: string,
    status: number,
    schemaVersionHash: string | null,
  ): LoadRow {
    return {
      load_id: loadId,
      schema_name: schemaName,
      status,
      inserted_at: new Date().toISOString(),
      schema_version_hash: schemaVersionHash,
      pipeline_name: pipelineName,
    };
  }

  /** Writes a `_dlt_loads` row: a load's commit marker (status 0), or its withdrawal (2). */
  async writeLoadRow(
    loadId: string,
    pipelineName: string,
    schemaName: string,
    status: number,
    schemaVersionHash: string | null,
  ): Promise<void> {
    await (await this.#layoutTables()).writeLoadRow(
      this.#loadRow(loadId, pipelineName, schemaName, status, schemaVersionHash),
    );
  }

  /**
   * Once a reset of `table` is committed, files of earlier loads are invisible: delete them to
   * free space. Readers never depend on this (a crash before it changes nothing they see).
   */
  async deleteFilesBefore(table: string, loadId: string): Promise<void> {
    for (const dir of new Set([this.path(table), await this.#markDir(table)])) {
      for (const entry of await this.bucket.list(dir)) {
        const id = LOAD_FILE.exec(entry.name)?.[1];
        if (!entry.isDirectory && id !== undefined && compareLoadIds(id, loadId) < 0) {
          await this.bucket.delete(`${dir}/${entry.name}`);
        }
      }
    }
  }

  /**
   * The folder of the markers of `table`'s loads (`<loadId>.reset`, `<loadId>.keys.jsonl`): the
   * table's own in the append layout; in the dlt layout one of its own, since Python dlt reads
   * every file in a table's folder as rows.
   */
  async #markDir(table: string): Promise<string> {
    const marks = (await this.#layoutTables()).marksDir;
    return marks === undefined ? this.path(table) : this.path(marks, table);
  }

  /**
   * Writes the marker that starts `table` over at load `loadId` (visible once it commits);
   * `fold` marks a merge table's fold (compaction.ts) as one too.
   */
  async writeResetMarker(table: string, loadId: string, fold = false): Promise<void> {
    const dir = await this.#markDir(table);
    if (fold) await this.bucket.write(`${dir}/${loadId}.fold`, new Uint8Array(0));
    await this.bucket.write(`${dir}/${loadId}.reset`, new Uint8Array(0));
  }

  /**
   * Why each of `loadIds` cannot be withdrawn, if it cannot: a load that started a table over
   * (replace, refresh, drop, a fold) deleted the files before it, which a withdrawal would not
   * bring back; and a load older than a fold of a merge table has its rows in the fold's file.
   */
  async revertBlockers(loadIds: readonly string[]): Promise<Map<string, string>> {
    const committed = await this.committedLoadIds();
    const blockers = new Map<string, string>();
    for (const table of await this.tableFolders()) {
      const dir = await this.#markDir(table);
      const names = (await this.bucket.list(dir)).map((entry) => entry.name);
      if (dir !== this.path(table)) {
        names.push(...(await this.bucket.list(this.path(table))).map((entry) => entry.name));
      }
      addRevertBlockers(blockers, table, names, committed, loadIds);
    }
    return blockers;
  }

  /** How many committed loads a reader of `table` goes through (since its newest reset). */
  async visibleLoadCount(table: string): Promise<number> {
    const files = await this.visibleTableFiles(table, await this.committedLoadIds());
    return new Set(files.map((file) => file.loadId)).size;
  }

  /**
   * Withdraws committed loads: writes a `_dlt_loads` row with status 2 for each, and marks the
   * state versions they committed (`versions`) withdrawn, so readers and restores skip their
   * rows and state. No file is edited.
   */
  async revertLoads(
    pipelineName: string,
    schemaName: string,
    loadIds: readonly string[],
    versions: readonly number[],
  ): Promise<void> {
    await (await this.#layoutTables()).withdrawStates(pipelineName, loadIds);
    for (const version of versions) await this.versions.withdraw(pipelineName, version);
    for (const loadId of loadIds) {
      await this.writeLoadRow(loadId, pipelineName, schemaName, LOAD_REVERTED, null);
    }
  }

  /** The ids of the committed (and not withdrawn) loads. */
  async committedLoadIds(): Promise<Set<string>> {
    return await (await this.#layoutTables()).committedLoadIds();
  }

  /** Every committed (and not withdrawn) load, keyed by load id, in commit order. */
  async committedLoads(): Promise<Map<string, LoadRow>> {
    const loads = new Map<string, LoadRow>();
    for (const row of await (await this.#layoutTables()).loadRows()) {
      if (row.status === LOAD_COMPLETED) loads.set(row.load_id, row);
      else if (row.status === LOAD_REVERTED) loads.delete(row.load_id);
    }
    return loads;
  }

  /** The committed loads of `pipelineName`, oldest first. */
  async loadsOf(pipelineName: string): Promise<LoadRow[]> {
    return [...(await this.committedLoads()).values()]
      .filter((load) => load.pipeline_name === pipelineName)
      .sort((a, b) => compareLoadIds(a.load_id, b.load_id));
  }

  /** The state rows of `pipelineName` whose loads are committed, oldest load first. */
  async committedStateRows(pipelineName: string): Promise<StateRow[]> {
    return await (await this.#layoutTables()).committedStateRows(pipelineName);
  }

  /** The rows of one of the library's own tables, or `undefined` when it has none yet. */
  async ownTableRows(table: string): Promise<AsyncIterable<Record<string, unknown>> | undefined> {
    return await (await this.#layoutTables()).ownTableRows(table);
  }

  /** The names of the folders of the dataset that hold data tables. */
  async tableFolders(): Promise<string[]> {
    const tables = await this.#layoutTables();
    return (await this.bucket.list(this.datasetName))
      .filter((entry) => entry.isDirectory && !tables.isOwnEntry(entry.name))
      .map((entry) => entry.name);
  }

  /**
   * The data tables a reader sees: those with committed rows or in a current schema (a dropped
   * table is neither, though its folder may remain).
   */
  async tableNames(): Promise<string[]> {
    const committed = await this.committedLoadIds();
    const names: string[] = [];
    for (const folder of await this.tableFolders()) {
      if (
        (await this.visibleTableFiles(folder, committed)).length > 0 ||
        (await this.tableSchema(folder)) !== undefined
      ) names.push(folder);
    }
    return names;
  }

  /** The distinct merge keys a load wrote to `table` (its keys file), or `undefined` without one. */
  async mergeKeys(table: string, loadId: string): Promise<string[] | undefined> {
    const name = `${loadId}.keys.jsonl`;
    const dir = await this.#markDir(table);
    // Before the dlt layout had a folder for markers, they were in the table's.
    const bytes = await this.bucket.read(`${dir}/${name}`) ??
      (dir === this.path(table) ? undefined : await this.bucket.read(this.path(table, name)));
    if (!bytes) return undefined;
    return new TextDecoder().decode(bytes).split("\n").filter((key) => key.length > 0);
  }

  /**
   * The files of `table` a reader sees: those of committed loads, starting at the newest
   * committed reset of the table, oldest load first.
   */
  async visibleTableFiles(
    table: string,
    committed: ReadonlySet<string> | Map<string, unknown>,
  ): Promise<TableFile[]> {
    const tableDir = this.path(table);
    const markDir = await this.#markDir(table);
    const entries = await this.bucket.list(tableDir);
    if (markDir !== tableDir) entries.push(...await this.bucket.list(markDir));
    return visibleFiles(tableDir, entries, committed);
  }
}
