/**
 * Everything a pipeline does to one dataset of a bucket: load a package (table files, then the
 * schema row, the state row and last the `_dlt_loads` row that commits it), find the newest
 * committed state of a pipeline reading from the end of the state file, and list the committed
 * files of a table.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import { validateName } from "../storage/names.ts";
import { ConfigurationError } from "../errors.ts";
import type { PipelineState } from "../state/state_document.ts";
import { readRowsBackward, readRowsForward } from "./jsonl.ts";
import {
  compareLoadIds,
  decodeStateRow,
  isLoadRow,
  isStateRow,
  LOAD_COMPLETED,
  LOAD_REVERTED,
  type LoadRow,
  LOADS_TABLE,
  STATE_TABLE,
  type StateRow,
  VERSION_TABLE,
  type VersionRow,
} from "./dlt_tables.ts";
import type { Schema } from "./schema.ts";
import type { PackageToLoad } from "./package_to_load.ts";
import { DropLinesStream } from "./_drop_lines_stream.ts";
import { findNewestCommittedStateRow } from "./_state_lookup.ts";

export { compareLoadIds, LOAD_COMPLETED, LOAD_REVERTED } from "./dlt_tables.ts";
export type { PackageFile, PackageTable, PackageToLoad } from "./package_to_load.ts";

const encoder = new TextEncoder();

/** The newest committed state of a pipeline, with the row that carried it. */
export interface CommittedState {
  /** The decoded state (no `_local`). */
  state: PipelineState;
  /** The row as stored. */
  row: StateRow;
}

/** A committed table file: `<table>/<loadId>.<n>.jsonl`. */
export interface TableFile {
  /** The load that wrote it. */
  loadId: string;
  /** Index within the load. */
  index: number;
  /** Bucket path. */
  path: string;
}

const TABLE_FILE = /^(.+)\.(\d+)\.jsonl$/;
const RESET_MARKER = /^(.+)\.reset$/;

/** One dataset (`<bucket>/<datasetName>/`) of a bucket. */
export class DatasetStore {
  /** The bucket. */
  readonly bucket: Bucket;
  /** The dataset name (a validated path segment). */
  readonly datasetName: string;

  /** Opens the dataset; throws `InvalidNameError` for names that are not safe path segments. */
  constructor(bucket: Bucket, datasetName: string) {
    this.bucket = bucket;
    this.datasetName = validateName("dataset", datasetName);
  }

  async #append(path: string, bytes: Uint8Array): Promise<void> {
    if (!this.bucket.appendLine) {
      throw new ConfigurationError(
        `Use a bucket that can append lines: "${this.bucket.url}" cannot`,
      );
    }
    await this.bucket.appendLine(path, bytes);
  }

  /** Where the bucket is (for messages; never a secret). */
  get url(): string {
    return this.bucket.url;
  }

  /** The bucket path of a file of the dataset. */
  path(...segments: string[]): string {
    return [this.datasetName, ...segments].join("/");
  }

  /** Throws `ConfigurationError` when the bucket root or the dataset exists but is a file. */
  async checkUsable(): Promise<void> {
    for (const entry of await this.#parentEntries()) {
      if (entry.name === this.datasetName && !entry.isDirectory) {
        throw new ConfigurationError(
          `Choose another dataset or bucketUrl: "${this.bucket.url}/${this.datasetName}" is a file, not a folder`,
        );
      }
    }
  }

  async #parentEntries() {
    try {
      return await this.bucket.list("");
    } catch (error) {
      if (error instanceof Deno.errors.NotADirectory) {
        throw new ConfigurationError(
          `Point bucketUrl at a folder: "${this.bucket.url}" is a file`,
        );
      }
      throw error;
    }
  }

  /** {@linkcode DatasetStore.newestCommittedStateRow}, with the state decoded. */
  async newestCommittedState(pipelineName: string): Promise<CommittedState | undefined> {
    const row = await this.newestCommittedStateRow(pipelineName);
    return row && { row, state: await decodeStateRow(row) };
  }

  /**
   * The state row of the newest state of `pipelineName` whose load is committed (has a
   * `_dlt_loads` row), read from the ends of both files (see `_state_lookup.ts`).
   */
  newestCommittedStateRow(pipelineName: string): Promise<StateRow | undefined> {
    return findNewestCommittedStateRow(
      this.bucket,
      this.path(`${STATE_TABLE}.jsonl`),
      this.path(`${LOADS_TABLE}.jsonl`),
      pipelineName,
    );
  }

  /** Whether `loadId` of `pipelineName` has its `_dlt_loads` row (reads from the end). */
  async isCommitted(pipelineName: string, loadId: string): Promise<boolean> {
    for await (const row of readRowsBackward(this.bucket, this.path(`${LOADS_TABLE}.jsonl`))) {
      if (!isLoadRow(row)) continue;
      if (row.load_id === loadId) return row.status === LOAD_COMPLETED;
      if (row.pipeline_name === pipelineName && compareLoadIds(row.load_id, loadId) < 0) {
        return false;
      }
    }
    return false;
  }

  async #hasStateRow(pipelineName: string, loadId: string): Promise<boolean> {
    for await (const row of readRowsBackward(this.bucket, this.path(`${STATE_TABLE}.jsonl`))) {
      if (!isStateRow(row) || row.pipeline_name !== pipelineName) continue;
      if (row._dlt_load_id === loadId) return true;
      if (compareLoadIds(row._dlt_load_id, loadId) < 0) return false;
    }
    return false;
  }

  /** The newest stored version of schema `name`, or `undefined`. */
  async newestSchema(name: string): Promise<Schema | undefined> {
    for await (const row of readRowsBackward(this.bucket, this.path(`${VERSION_TABLE}.jsonl`))) {
      if (row.schema_name !== name || typeof row.schema !== "string") continue;
      try {
        return JSON.parse(row.schema) as Schema;
      } catch {
        continue;
      }
    }
    return undefined;
  }

  async #hasSchemaVersion(name: string, hash: string): Promise<boolean> {
    for await (const row of readRowsBackward(this.bucket, this.path(`${VERSION_TABLE}.jsonl`))) {
      if (row.schema_name === name) return row.version_hash === hash;
    }
    return false;
  }

  /**
   * Loads a package: table files under deterministic names (a retry overwrites, never
   * duplicates), then the schema rows, the state row and the `_dlt_loads` row, each only if not
   * already there. `onStep` is called after each write (a hook for fault-injection tests).
   */
  async load(pkg: PackageToLoad, onStep: (step: string) => void = () => {}): Promise<void> {
    if (await this.isCommitted(pkg.pipelineName, pkg.loadId)) return;
    for (const table of pkg.tables) {
      const dir = validateName("table", table.name);
      if (table.reset) {
        await this.bucket.write(this.path(dir, `${pkg.loadId}.reset`), new Uint8Array(0));
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
        const target = this.path(dir, `${pkg.loadId}.keys.jsonl`);
        if (table.keysLocalPath && this.bucket.writeFromLocalFile) {
          await this.bucket.writeFromLocalFile(target, table.keysLocalPath);
        } else await this.bucket.write(target, await table.openKeys());
        onStep(`keys_file:${table.name}`);
      }
    }
    for (const schema of pkg.schemas) {
      if (await this.#hasSchemaVersion(schema.name, schema.version_hash)) continue;
      const row: VersionRow = {
        version: schema.version,
        engine_version: schema.engine_version,
        inserted_at: new Date().toISOString(),
        schema_name: schema.name,
        version_hash: schema.version_hash,
        schema: JSON.stringify(schema),
      };
      await this.#append(this.path(`${VERSION_TABLE}.jsonl`), line(row));
      onStep("schema_row");
    }
    if (pkg.stateRow && !(await this.#hasStateRow(pkg.pipelineName, pkg.loadId))) {
      await this.#append(this.path(`${STATE_TABLE}.jsonl`), line(pkg.stateRow));
      onStep("state_row");
    }
    onStep("before_loads_row");
    await this.appendLoadRow(
      pkg.loadId,
      pkg.pipelineName,
      pkg.schemaName,
      LOAD_COMPLETED,
      pkg.schemaVersionHash,
    );
    onStep("loads_row");
    for (const table of pkg.tables) {
      if (table.reset) await this.deleteFilesBefore(table.name, pkg.loadId);
    }
  }

  /**
   * Once a reset of `table` is committed, files of earlier loads are invisible: delete them to
   * free space. Readers never depend on this (a crash before it changes nothing they see).
   */
  async deleteFilesBefore(table: string, loadId: string): Promise<void> {
    for (const entry of await this.bucket.list(this.path(table))) {
      const id = entry.name.split(".").slice(0, 2).join(".");
      if (!entry.isDirectory && compareLoadIds(id, loadId) < 0) {
        await this.bucket.delete(this.path(table, entry.name));
      }
    }
  }

  /** How many committed loads a reader of `table` goes through (since its newest reset). */
  async visibleLoadCount(table: string): Promise<number> {
    const files = await this.visibleTableFiles(table, await this.committedLoads());
    return new Set(files.map((file) => file.loadId)).size;
  }

  /**
   * Withdraws committed loads: appends a `_dlt_loads` row with status 2 for each, so readers and
   * restores skip their rows and state. No file is edited.
   */
  async revertLoads(
    pipelineName: string,
    schemaName: string,
    loadIds: readonly string[],
  ): Promise<void> {
    for (const loadId of loadIds) {
      await this.appendLoadRow(loadId, pipelineName, schemaName, LOAD_REVERTED, null);
    }
  }

  /** Appends one `_dlt_loads` row: a load's commit marker, or its withdrawal. */
  async appendLoadRow(
    loadId: string,
    pipelineName: string,
    schemaName: string,
    status: number,
    schemaVersionHash: string | null,
  ): Promise<void> {
    const row: LoadRow = {
      load_id: loadId,
      schema_name: schemaName,
      status,
      inserted_at: new Date().toISOString(),
      schema_version_hash: schemaVersionHash,
      pipeline_name: pipelineName,
    };
    await this.#append(this.path(`${LOADS_TABLE}.jsonl`), line(row));
  }

  /** Every committed (and not reverted) load, in commit order, keyed by load id. */
  async committedLoads(): Promise<Map<string, LoadRow>> {
    const loads = new Map<string, LoadRow>();
    for await (
      const row of readRowsForward(this.bucket, this.path(`${LOADS_TABLE}.jsonl`), {
        skipInvalid: true,
      })
    ) {
      if (!isLoadRow(row)) continue;
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
    const committed = await this.committedLoads();
    const rows: StateRow[] = [];
    for await (
      const row of readRowsForward(this.bucket, this.path(`${STATE_TABLE}.jsonl`), {
        skipInvalid: true,
      })
    ) {
      if (!isStateRow(row) || row.pipeline_name !== pipelineName) continue;
      if (committed.has(row._dlt_load_id)) rows.push(row);
    }
    return rows.sort((a, b) => compareLoadIds(a._dlt_load_id, b._dlt_load_id));
  }

  /** The names of the data tables that have a folder in the dataset. */
  async tableNames(): Promise<string[]> {
    return (await this.bucket.list(this.datasetName))
      .filter((entry) => entry.isDirectory && !entry.name.startsWith("_dlt"))
      .map((entry) => entry.name);
  }

  /**
   * Claims state version `version` of `pipelineName` for `loadId` before it is committed, with a
   * create-if-absent write: of two machines that extracted from the same version, only one can
   * claim the next. A claim by the same `owner` (this working dir, retrying after a crash) holds;
   * so does one older than `staleMs` whose load never committed (its run died), which is taken
   * over. Returns the other claim when there is one.
   */
  async claimStateVersion(
    pipelineName: string,
    version: number,
    loadId: string,
    owner: string,
    staleMs = Infinity,
  ): Promise<
    { loadId: string; owner: string; path: string; ageMs: number; takenOver: boolean } | undefined
  > {
    const path = this.path("_dlt_state_claims", pipelineName, `${version}.json`);
    const claim = encoder.encode(
      JSON.stringify({ load_id: loadId, owner, claimed_at: new Date().toISOString() }) + "\n",
    );
    if (await this.bucket.createIfAbsent(path, claim)) return undefined;
    let existing: { load_id?: string; owner?: string; claimed_at?: string } = {};
    try {
      existing = JSON.parse(new TextDecoder().decode(await this.bucket.read(path)));
    } catch { /* a torn claim is nobody's */ }
    if (existing.owner === owner || existing.owner === undefined) {
      await this.bucket.write(path, claim);
      return undefined;
    }
    const claimedAt = Date.parse(existing.claimed_at ?? "");
    const ageMs = Number.isNaN(claimedAt) ? Infinity : Date.now() - claimedAt;
    const other = {
      loadId: existing.load_id ?? "?",
      owner: existing.owner,
      path: `${this.bucket.url}/${path}`,
      ageMs,
      takenOver: false,
    };
    if (
      ageMs > staleMs &&
      !(existing.load_id && await this.isCommitted(pipelineName, existing.load_id))
    ) {
      await this.bucket.write(path, claim);
      return { ...other, takenOver: true };
    }
    return other;
  }

  /** The distinct merge keys a load wrote to `table` (its keys file), or `undefined` without one. */
  async mergeKeys(table: string, loadId: string): Promise<string[] | undefined> {
    const bytes = await this.bucket.read(this.path(table, `${loadId}.keys.jsonl`));
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
    const files: TableFile[] = [];
    let resetAt = "";
    for (const entry of await this.bucket.list(this.path(table))) {
      if (entry.isDirectory) continue;
      const match = TABLE_FILE.exec(entry.name);
      if (match) {
        if (committed.has(match[1])) {
          files.push({
            loadId: match[1],
            index: Number(match[2]),
            path: this.path(table, entry.name),
          });
        }
        continue;
      }
      const reset = RESET_MARKER.exec(entry.name);
      if (reset && committed.has(reset[1]) && reset[1] > resetAt) resetAt = reset[1];
    }
    return files
      .filter((file) => compareLoadIds(file.loadId, resetAt) >= 0)
      .sort((a, b) => compareLoadIds(a.loadId, b.loadId) || a.index - b.index);
  }
}

function line(row: object): Uint8Array {
  return encoder.encode(JSON.stringify(row) + "\n");
}
