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
  decodeStateRow,
  isLoadRow,
  isStateRow,
  type LoadRow,
  LOADS_TABLE,
  STATE_TABLE,
  type StateRow,
  VERSION_TABLE,
  type VersionRow,
} from "./dlt_tables.ts";
import type { Schema, WriteDisposition } from "./schema.ts";
import { DatasetTable } from "./dataset.ts";

const encoder = new TextEncoder();

/** One file of a table in a load package. */
export interface PackageFile {
  /** Rows in the file. */
  rows: number;
  /** Opens the file's bytes (JSONL, one row a line). */
  open(): Promise<ReadableStream<Uint8Array>>;
  /** The file on the local file system, when it is one (lets a local bucket link it). */
  localPath?: string;
}

/** One table of a load package. */
export interface PackageTable {
  /** The table name. */
  name: string;
  /** How the table takes the rows. */
  writeDisposition: WriteDisposition;
  /** The primary key, for merge. */
  primaryKey?: string[];
  /**
   * The load starts the table over: rows of earlier loads are no longer visible (replace
   * dispositions, refresh and drop).
   */
  reset?: boolean;
  /** The files, in order. */
  files: PackageFile[];
  /** Merge tables: opens the distinct keys of the load (one JSON value a line). */
  openKeys?: () => Promise<ReadableStream<Uint8Array>>;
  /** Merge tables: the keys file on the local file system, when it is one. */
  keysLocalPath?: string;
  /** Merge tables: line numbers (across the files) that a later row of the load overwrites. */
  supersededLines?: readonly number[];
}

/** What the destination needs to load one package. */
export interface PackageToLoad {
  /** The load id. */
  loadId: string;
  /** The pipeline that made it. */
  pipelineName: string;
  /** The default schema (source) name of the load. */
  schemaName: string;
  /** The hash of that schema at this load. */
  schemaVersionHash: string | null;
  /** The tables. */
  tables: PackageTable[];
  /** The state row, when the state changed. */
  stateRow?: StateRow;
  /** Schemas that changed in this load. */
  schemas: Schema[];
}

/** The newest committed state of a pipeline, with the row that carried it. */
export interface CommittedState {
  /** The decoded state (no `_local`). */
  state: PipelineState;
  /** The row as stored. */
  row: StateRow;
}

/** Status of a `_dlt_loads` row: committed. */
export const LOAD_COMPLETED = 0;
/** Status of a `_dlt_loads` row appended later for a committed load: its rows are withdrawn. */
export const LOAD_REVERTED = 2;

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

/** Compares load ids (increasing, sortable strings). */
export function compareLoadIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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
   * `_dlt_loads` row). Reads both files from their ends: the cost depends on how many rows other
   * pipelines appended since this pipeline's last commit, not on the length of the history.
   */
  async newestCommittedStateRow(pipelineName: string): Promise<StateRow | undefined> {
    const states = readRowsBackward(this.bucket, this.path(`${STATE_TABLE}.jsonl`));
    const loads = readRowsBackward(this.bucket, this.path(`${LOADS_TABLE}.jsonl`));
    const seen = new Set<string>(); // committed load ids of this pipeline met so far
    const reverted = new Set<string>(); // loads withdrawn by a later row
    let candidate: StateRow | undefined;
    let loadsDone = false;
    try {
      while (true) {
        if (!candidate) {
          const next = await this.#nextStateRow(states, pipelineName);
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

  async #nextStateRow(
    states: AsyncGenerator<Record<string, unknown>>,
    pipelineName: string,
  ): Promise<StateRow | undefined> {
    for (let step = await states.next(); !step.done; step = await states.next()) {
      const row = step.value;
      if (isStateRow(row) && row.pipeline_name === pipelineName) return row;
    }
    return undefined;
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
    await this.#appendLoadRow(
      pkg.loadId,
      pkg.pipelineName,
      pkg.schemaName,
      LOAD_COMPLETED,
      pkg.schemaVersionHash,
    );
    onStep("loads_row");
    for (const table of pkg.tables) {
      if (table.reset) await this.#deleteFilesBefore(table.name, pkg.loadId);
    }
  }

  /**
   * Once a reset of `table` is committed, files of earlier loads are invisible: delete them to
   * free space. Readers never depend on this (a crash before it changes nothing they see).
   */
  async #deleteFilesBefore(table: string, loadId: string): Promise<void> {
    for (const entry of await this.bucket.list(this.path(table))) {
      const id = entry.name.split(".").slice(0, 2).join(".");
      if (!entry.isDirectory && compareLoadIds(id, loadId) < 0) {
        await this.bucket.delete(this.path(table, entry.name));
      }
    }
  }

  /**
   * Rewrites a merge table as one file of the rows a reader sees, committed as a load of its own
   * (`loadId`) that resets the table; the files of earlier loads are deleted. Readers then hold no
   * keys for the loads folded in. Rows keep their `_dlt_load_id`. Returns the rows written.
   */
  async compactTable(
    table: string,
    loadId: string,
    pipelineName: string,
    schemaName: string,
  ): Promise<number> {
    const dir = validateName("table", table);
    const source = new DatasetTable(this, table).rows();
    let rows = 0;
    const bytes = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let text = "";
        for (let i = 0; i < 1000; i++) {
          const step = await source.next();
          if (step.done) {
            if (text.length > 0) controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          text += JSON.stringify(step.value) + "\n";
          rows++;
        }
        controller.enqueue(encoder.encode(text));
      },
      async cancel() {
        await source.return(undefined);
      },
    });
    await this.bucket.write(this.path(dir, `${loadId}.0.jsonl`), bytes);
    await this.bucket.write(this.path(dir, `${loadId}.reset`), new Uint8Array(0));
    await this.#appendLoadRow(loadId, pipelineName, schemaName, LOAD_COMPLETED, null);
    await this.#deleteFilesBefore(table, loadId);
    return rows;
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
      await this.#appendLoadRow(loadId, pipelineName, schemaName, LOAD_REVERTED, null);
    }
  }

  /** Appends one `_dlt_loads` row: a load's commit marker, or its withdrawal. */
  async #appendLoadRow(
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

/**
 * Drops the lines whose numbers (counted from `firstLine`) are in the sorted list `drop`: the rows
 * of a merge table that a later row with the same key overwrote within the same load.
 */
class DropLinesStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(drop: readonly number[], firstLine: number) {
    let line = firstLine;
    let next = 0; // index into drop
    while (next < drop.length && drop[next] < firstLine) next++;
    let dropping = next < drop.length && drop[next] === line;
    super({
      transform(chunk, controller) {
        let start = 0;
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] !== 0x0a) continue;
          if (!dropping && i + 1 > start) controller.enqueue(chunk.slice(start, i + 1));
          if (dropping) next++;
          start = i + 1;
          line++;
          dropping = next < drop.length && drop[next] === line;
        }
        if (start < chunk.length && !dropping) controller.enqueue(chunk.slice(start));
      },
    });
  }
}

function line(row: object): Uint8Array {
  return encoder.encode(JSON.stringify(row) + "\n");
}
