/**
 * The `"append"` layout (DESIGN.md §4): `_dlt_loads.jsonl`, `_dlt_pipeline_state.jsonl` and
 * `_dlt_version.jsonl` at the dataset root, appended line by line. The state row of a load is
 * appended before its commit point, the `_dlt_loads` row after it.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import { ConfigurationError } from "../errors.ts";
import { readRowsBackward, readRowsForward } from "./jsonl.ts";
import {
  compareLoadIds,
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
import type { CommittedStateRow, DltTables } from "./layout.ts";
import type { Schema, TableSchema } from "./schema.ts";
import type { StateVersionRecord, StateVersions } from "./state_versions.ts";
import { findNewestCommittedStateRow } from "./_state_lookup.ts";
import { ownValue } from "../state/own_keys.ts";

const encoder = new TextEncoder();

function line(row: object): Uint8Array {
  return encoder.encode(JSON.stringify(row) + "\n");
}

/** The append layout of one dataset. */
export class AppendTables implements DltTables {
  readonly layout = "append" as const;
  readonly marksDir = undefined;
  readonly #bucket: Bucket;
  readonly #dataset: string;
  readonly #versions: StateVersions;

  /** The tables of `<dataset>/` in `bucket` (which must append). */
  constructor(bucket: Bucket, dataset: string, versions: StateVersions) {
    this.#bucket = bucket;
    this.#dataset = dataset;
    this.#versions = versions;
  }

  #path(table: string): string {
    return `${this.#dataset}/${table}.jsonl`;
  }

  async #append(table: string, row: object): Promise<void> {
    if (!this.#bucket.appendLine) {
      throw new ConfigurationError(
        `Use layout "dlt" for "${this.#bucket.url}": it cannot append lines`,
      );
    }
    await this.#bucket.appendLine(this.#path(table), line(row));
  }

  async loadRows(): Promise<LoadRow[]> {
    const rows: LoadRow[] = [];
    for await (
      const row of readRowsForward(this.#bucket, this.#path(LOADS_TABLE), { skipInvalid: true })
    ) {
      if (isLoadRow(row)) rows.push(row);
    }
    return rows;
  }

  async committedLoadIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const row of await this.loadRows()) {
      if (row.status === LOAD_COMPLETED) ids.add(row.load_id);
      else if (row.status === LOAD_REVERTED) ids.delete(row.load_id);
    }
    return ids;
  }

  async hasLoadRow(pipelineName: string, _schema: string, loadId: string): Promise<boolean> {
    for await (const row of readRowsBackward(this.#bucket, this.#path(LOADS_TABLE))) {
      if (!isLoadRow(row)) continue;
      if (row.load_id === loadId) return row.status === LOAD_COMPLETED;
      if (row.pipeline_name === pipelineName && compareLoadIds(row.load_id, loadId) < 0) {
        return false;
      }
    }
    return false;
  }

  async writeLoadRow(row: LoadRow): Promise<void> {
    await this.#append(LOADS_TABLE, row);
  }

  async writeSchemas(schemas: readonly Schema[]): Promise<void> {
    for (const schema of schemas) {
      if ((await this.#newestSchemaRow(schema.name))?.version_hash === schema.version_hash) {
        continue;
      }
      const row: VersionRow = {
        version: schema.version,
        engine_version: schema.engine_version,
        inserted_at: new Date().toISOString(),
        schema_name: schema.name,
        version_hash: schema.version_hash,
        schema: JSON.stringify(schema),
      };
      await this.#append(VERSION_TABLE, row);
    }
  }

  async #newestSchemaRow(name: string): Promise<Record<string, unknown> | undefined> {
    for await (const row of readRowsBackward(this.#bucket, this.#path(VERSION_TABLE))) {
      if (row.schema_name === name && typeof row.schema === "string") return row;
    }
    return undefined;
  }

  async newestSchema(name: string): Promise<Schema | undefined> {
    for await (const row of readRowsBackward(this.#bucket, this.#path(VERSION_TABLE))) {
      if (row.schema_name !== name || typeof row.schema !== "string") continue;
      try {
        return JSON.parse(row.schema) as Schema;
      } catch {
        continue;
      }
    }
    return undefined;
  }

  async tableSchema(name: string): Promise<TableSchema | undefined> {
    const seen = new Set<string>();
    for await (const row of readRowsBackward(this.#bucket, this.#path(VERSION_TABLE))) {
      const schemaName = row.schema_name;
      if (
        typeof schemaName !== "string" || seen.has(schemaName) || typeof row.schema !== "string"
      ) {
        continue;
      }
      seen.add(schemaName);
      try {
        const table = ownValue((JSON.parse(row.schema) as Schema).tables, name);
        if (table) return table;
      } catch { /* skip a damaged row */ }
    }
    return undefined;
  }

  async beforeCommit(row: StateRow): Promise<void> {
    for await (const stored of readRowsBackward(this.#bucket, this.#path(STATE_TABLE))) {
      if (!isStateRow(stored) || stored.pipeline_name !== row.pipeline_name) continue;
      if (stored._dlt_load_id === row._dlt_load_id) return; // appended by an earlier attempt
      if (compareLoadIds(stored._dlt_load_id, row._dlt_load_id) < 0) break;
    }
    await this.#append(STATE_TABLE, row);
  }

  async afterCommit(record: StateVersionRecord): Promise<void> {
    // Any row of the load, a withdrawal too: a withdrawn load is never committed again.
    for await (const row of readRowsBackward(this.#bucket, this.#path(LOADS_TABLE))) {
      if (isLoadRow(row) && row.load_id === record.load_id) return;
    }
    await this.writeLoadRow({
      load_id: record.load_id,
      schema_name: record.schema_name,
      status: LOAD_COMPLETED,
      inserted_at: new Date().toISOString(),
      schema_version_hash: record.schema_version_hash,
      pipeline_name: record.pipeline_name,
    });
  }

  /**
   * The newest state with a `_dlt_loads` row (read from the ends of the files), then any later
   * version (not withdrawn) whose commit point exists but whose run died before its `_dlt_loads`
   * row: that row is written now, and the version is the newest.
   */
  async newestCommittedState(pipelineName: string): Promise<CommittedStateRow | undefined> {
    let row = await findNewestCommittedStateRow(
      this.#bucket,
      this.#path(STATE_TABLE),
      this.#path(LOADS_TABLE),
      pipelineName,
    );
    let spent = row?.version ?? 0;
    for (let version = spent + 1;; version++) {
      const next = await this.#versions.read(pipelineName, version);
      if (!next && !(await this.#versions.exists(pipelineName, version))) {
        return row && { row, spentVersion: spent };
      }
      spent = version; // a commit point there, readable or not: the number is taken
      if (!next || (await this.#versions.isWithdrawn(pipelineName, version))) continue;
      await this.afterCommit(next);
      row = next.state_row;
    }
  }

  async withdrawStates(): Promise<void> {
    // Nothing: the state rows stay; restores skip the loads that have a withdrawal row.
  }

  async committedStateRows(pipelineName: string): Promise<StateRow[]> {
    const committed = await this.committedLoadIds();
    const rows: StateRow[] = [];
    for await (
      const row of readRowsForward(this.#bucket, this.#path(STATE_TABLE), { skipInvalid: true })
    ) {
      if (!isStateRow(row) || row.pipeline_name !== pipelineName) continue;
      if (committed.has(row._dlt_load_id)) rows.push(row);
    }
    return rows.sort((a, b) => compareLoadIds(a._dlt_load_id, b._dlt_load_id));
  }

  async ownTableRows(table: string): Promise<AsyncIterable<Record<string, unknown>> | undefined> {
    const path = this.#path(table);
    if ((await this.#bucket.size(path)) === undefined) return undefined;
    const rows = readRowsForward(this.#bucket, path, { skipInvalid: true });
    if (table !== STATE_TABLE) return rows;
    const committed = await this.committedLoadIds();
    return (async function* () {
      for await (const row of rows) if (committed.has(row._dlt_load_id as string)) yield row;
    })();
  }

  isOwnEntry(name: string): boolean {
    return name.startsWith("_dlt");
  }
}
