/**
 * The `"dlt"` layout: Python dlt's filesystem layout, every file written once, so that it works
 * on object storage and Python dlt restores from it.
 *
 * - `_dlt_loads/<schema>__<load_id>.jsonl` — the load's marker (a withdrawal adds
 *   `<schema>__<load_id>__reverted.jsonl`);
 * - `_dlt_pipeline_state/<pipeline>__<load_id>__<hex>.jsonl` — the state, exactly the seven keys
 *   Python dlt reads, written after the commit point (so Python never restores an uncommitted
 *   state);
 * - `_dlt_schemas/<schema>/<version>__<hex>.json` — this library's schemas (a folder of its own:
 *   Python dlt's `_dlt_version/` holds schemas in dlt's format);
 * - `_dlt_version/<schema>__<load_id>__<hex>.jsonl` — each new schema version also in dlt's
 *   format, laid over the newest one there (`_dlt_schema.ts`), for Python dlt to restore;
 * - `_dlt_marks/<table>/<load_id>.reset`, `….keys.jsonl` — the markers of a table's loads (a
 *   replace's start, a merge load's keys), out of the table's folder, whose every file Python
 *   dlt reads as rows;
 * - `init` — written once, as dlt writes it.
 *
 * The newest state is the newest commit point (`state_versions.ts`), unless Python dlt wrote a
 * newer state file for the pipeline since: then that one (Python continued the pipeline).
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import { toHex } from "../state/_hex.ts";
import { fromBase64 } from "../state/_base64.ts";
import {
  compareLoadIds,
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
import { ownValue } from "../state/own_keys.ts";
import type { StateVersionRecord, StateVersions } from "./state_versions.ts";
import { dltVersionFile, tableFromDlt, toDltSchema } from "./_dlt_schema.ts";

const SCHEMAS_DIR = "_dlt_schemas";
const MARKS_DIR = "_dlt_marks";
const REVERTED = "__reverted";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The file name of a schema version. */
export function schemaFileName(schema: Pick<Schema, "version" | "version_hash">): string {
  return `${String(schema.version).padStart(12, "0")}__${hashHex(schema.version_hash)}.json`;
}

function hashHex(hash: string | null | undefined): string {
  if (!hash) return "0";
  try {
    return toHex(fromBase64(hash));
  } catch {
    return toHex(encoder.encode(hash));
  }
}

/** `<schema>__<load_id>` of a `_dlt_loads` file name, with whether it is a withdrawal. */
function parseLoadName(name: string): { loadId: string; reverted: boolean } | undefined {
  if (!name.endsWith(".jsonl")) return undefined;
  let stem = name.slice(0, -".jsonl".length);
  const reverted = stem.endsWith(REVERTED);
  if (reverted) stem = stem.slice(0, -REVERTED.length);
  const cut = stem.lastIndexOf("__");
  if (cut <= 0) return undefined;
  return { loadId: stem.slice(cut + 2), reverted };
}

/**
 * `[name, load_id]` of a state or schema file name (`<name>__<load_id>__<hex>.jsonl`), split as
 * dlt splits it (from the right).
 */
function parseStateName(name: string): [string, string] | undefined {
  if (!name.endsWith(".jsonl")) return undefined;
  const parts = name.slice(0, -".jsonl".length).split("__");
  if (parts.length < 3) return undefined;
  const loadId = parts[parts.length - 2];
  return [parts.slice(0, -2).join("__"), loadId];
}

async function readAll<T>(paths: string[], read: (path: string) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(paths.length);
  for (let i = 0; i < paths.length; i += 8) {
    const chunk = await Promise.all(paths.slice(i, i + 8).map(read));
    for (let j = 0; j < chunk.length; j++) out[i + j] = chunk[j];
  }
  return out;
}

/** The dlt layout of one dataset. */
export class ObjectTables implements DltTables {
  readonly layout = "dlt" as const;
  readonly marksDir = MARKS_DIR;
  readonly #bucket: Bucket;
  readonly #dataset: string;
  readonly #versions: StateVersions;
  #initWritten = false;

  /** The tables of `<dataset>/` in `bucket`. */
  constructor(bucket: Bucket, dataset: string, versions: StateVersions) {
    this.#bucket = bucket;
    this.#dataset = dataset;
    this.#versions = versions;
  }

  #path(...segments: string[]): string {
    return [this.#dataset, ...segments].join("/");
  }

  async #readJson(path: string): Promise<Record<string, unknown> | undefined> {
    const bytes = await this.#bucket.read(path);
    if (!bytes) return undefined;
    try {
      const value = JSON.parse(decoder.decode(bytes));
      return value !== null && typeof value === "object" ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async committedLoadIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    const reverted = new Set<string>();
    for (const entry of await this.#bucket.list(this.#path(LOADS_TABLE))) {
      const parsed = entry.isDirectory ? undefined : parseLoadName(entry.name);
      if (!parsed) continue;
      (parsed.reverted ? reverted : ids).add(parsed.loadId);
    }
    for (const id of reverted) ids.delete(id);
    return ids;
  }

  async loadRows(): Promise<LoadRow[]> {
    const names = (await this.#bucket.list(this.#path(LOADS_TABLE)))
      .filter((entry) => !entry.isDirectory && parseLoadName(entry.name))
      .map((entry) => this.#path(LOADS_TABLE, entry.name));
    const rows = (await readAll(names, (path) => this.#readJson(path)))
      .filter((row): row is Record<string, unknown> => row !== undefined) as unknown as LoadRow[];
    if (rows.some((row) => typeof row.pipeline_name !== "string")) {
      // Python dlt's rows name no pipeline: the state file a load wrote does.
      const owners = new Map<string, string>();
      for (const entry of await this.#bucket.list(this.#path(STATE_TABLE))) {
        const parsed = entry.isDirectory ? undefined : parseStateName(entry.name);
        if (parsed) owners.set(parsed[1], parsed[0]);
      }
      for (const row of rows) {
        if (typeof row.pipeline_name !== "string") {
          const owner = owners.get(row.load_id);
          if (owner !== undefined) row.pipeline_name = owner;
        }
      }
    }
    // Written order: commits by load id, each withdrawal after what it withdraws.
    return rows.sort((a, b) =>
      compareLoadIds(a.load_id, b.load_id) || a.status - b.status ||
      a.inserted_at.localeCompare(b.inserted_at)
    );
  }

  #loadPath(schemaName: string, loadId: string, status: number): string {
    const suffix = status === LOAD_REVERTED ? REVERTED : "";
    return this.#path(LOADS_TABLE, `${schemaName}__${loadId}${suffix}.jsonl`);
  }

  async hasLoadRow(_pipeline: string, schemaName: string, loadId: string): Promise<boolean> {
    return (await this.#bucket.size(this.#loadPath(schemaName, loadId, LOAD_COMPLETED))) !==
      undefined;
  }

  async writeLoadRow(row: LoadRow): Promise<void> {
    await this.#writeInit();
    await this.#bucket.write(
      this.#loadPath(row.schema_name, row.load_id, row.status),
      encoder.encode(JSON.stringify(row) + "\n"),
    );
  }

  async #writeInit(): Promise<void> {
    if (this.#initWritten) return;
    await this.#bucket.createIfAbsent(
      this.#path("init"),
      encoder.encode(JSON.stringify({ initial_version: 2, current_version: 2 })),
    );
    this.#initWritten = true;
  }

  async writeSchemas(schemas: readonly Schema[], loadId: string): Promise<void> {
    for (const schema of schemas) {
      await this.#bucket.write(
        this.#path(SCHEMAS_DIR, schema.name, schemaFileName(schema)),
        encoder.encode(JSON.stringify(schema) + "\n"),
      );
      const base = (await this.#newestDltSchemas(schema.name)).get(schema.name);
      const stored = toDltSchema(schema, base);
      if (!stored) continue; // dlt's newest one says it all already
      // As dlt names them, with the load id where dlt puts the time: newer than the state's.
      await this.#bucket.write(
        this.#path(
          VERSION_TABLE,
          `${schema.name}__${loadId}__${hashHex(stored.version_hash as string)}.jsonl`,
        ),
        encoder.encode(JSON.stringify(dltVersionFile(stored, new Date()))),
      );
    }
  }

  /**
   * The newest schema in dlt's format of each name (of `name` only, when given), as dlt picks
   * it: the greatest time part of the file name, compared as text.
   */
  async #newestDltSchemas(name?: string): Promise<Map<string, Record<string, unknown>>> {
    const newest = new Map<string, { time: string; file: string }>();
    const entries = await this.#bucket.list(
      this.#path(VERSION_TABLE),
      name === undefined ? {} : { prefix: `${name}__` },
    );
    for (const entry of entries) {
      const parsed = entry.isDirectory ? undefined : parseStateName(entry.name);
      if (!parsed || (name !== undefined && parsed[0] !== name)) continue;
      const known = newest.get(parsed[0]);
      if (!known || parsed[1] > known.time) {
        newest.set(parsed[0], { time: parsed[1], file: entry.name });
      }
    }
    const schemas = new Map<string, Record<string, unknown>>();
    for (const [schemaName, { file }] of newest) {
      const row = await this.#readJson(this.#path(VERSION_TABLE, file));
      try {
        const stored = typeof row?.schema === "string" ? JSON.parse(row.schema) : undefined;
        if (stored !== null && typeof stored === "object") schemas.set(schemaName, stored);
      } catch { /* not a schema: as if absent */ }
    }
    return schemas;
  }

  async newestSchema(name: string, file?: string): Promise<Schema | undefined> {
    if (file) {
      const schema = await this.#readJson(this.#path(SCHEMAS_DIR, name, file));
      if (schema) return schema as unknown as Schema;
    }
    const entries = await this.#bucket.list(this.#path(SCHEMAS_DIR, name));
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i].isDirectory) continue;
      const schema = await this.#readJson(this.#path(SCHEMAS_DIR, name, entries[i].name));
      if (schema) return schema as unknown as Schema;
    }
    return undefined;
  }

  async tableSchema(name: string): Promise<TableSchema | undefined> {
    for (const dir of await this.#bucket.list(this.#path(SCHEMAS_DIR))) {
      if (!dir.isDirectory) continue;
      const table = ownValue((await this.newestSchema(dir.name))?.tables, name);
      if (table) return table;
    }
    // A table only Python dlt loaded: its schema says how to read it.
    for (const stored of (await this.#newestDltSchemas()).values()) {
      const table = tableFromDlt(stored, name);
      if (table) return table;
    }
    return undefined;
  }

  async beforeCommit(): Promise<void> {
    // Nothing: the state file is written after the commit point, for Python dlt to restore.
  }

  async afterCommit(record: StateVersionRecord): Promise<void> {
    await this.writeLoadRow({
      load_id: record.load_id,
      schema_name: record.schema_name,
      status: LOAD_COMPLETED,
      inserted_at: record.committed_at,
      schema_version_hash: record.schema_version_hash,
      pipeline_name: record.pipeline_name,
    });
    const row = record.state_row;
    // Exactly the keys Python dlt's StateInfo takes (one more and its restore fails).
    const file = {
      version: row.version,
      engine_version: row.engine_version,
      pipeline_name: row.pipeline_name,
      state: row.state,
      created_at: row.created_at,
      version_hash: row.version_hash,
      _dlt_load_id: row._dlt_load_id,
    };
    await this.#bucket.write(
      this.#path(
        STATE_TABLE,
        `${row.pipeline_name}__${row._dlt_load_id}__${
          hashHex(record.schema_version_hash ?? row.version_hash)
        }.jsonl`,
      ),
      encoder.encode(JSON.stringify(file)),
    );
    await this.#versions.writeHead(record.pipeline_name, record.version);
  }

  async newestCommittedState(pipelineName: string): Promise<CommittedStateRow | undefined> {
    const { record, head, spent } = await this.#versions.newest(pipelineName);
    if (record && head !== record.version) {
      await this.afterCommit(record); // a run died after its commit point: finish it
    }
    const python = await this.#pythonStates(pipelineName, record?.load_id);
    const newest = python.at(-1);
    if (newest && (!record || compareLoadIds(newest._dlt_load_id, record.load_id) > 0)) {
      return { row: newest, spentVersion: spent };
    }
    return record &&
      { row: record.state_row, schemaFiles: record.schema_files, spentVersion: spent };
  }

  /** State files of `pipelineName` after load `after` (Python dlt's), oldest first. */
  async #pythonStates(pipelineName: string, after?: string): Promise<StateRow[]> {
    const prefix = `${pipelineName}__`;
    const entries = await this.#bucket.list(this.#path(STATE_TABLE), {
      prefix,
      ...(after ? { startAfter: `${prefix}${after}` } : {}),
    });
    const files = entries.flatMap((entry) => {
      const parsed = entry.isDirectory ? undefined : parseStateName(entry.name);
      if (!parsed || parsed[0] !== pipelineName) return [];
      if (after && compareLoadIds(parsed[1], after) <= 0) return [];
      return [{ loadId: parsed[1], path: this.#path(STATE_TABLE, entry.name) }];
    }).sort((a, b) => compareLoadIds(a.loadId, b.loadId));
    const rows = await readAll(files.map((f) => f.path), (path) => this.#readJson(path));
    return rows.filter((row): row is Record<string, unknown> =>
      typeof row?.state === "string" && typeof row?.version === "number"
    ).map((row) => ({
      ...row,
      _dlt_load_id: String(row._dlt_load_id ?? row.dlt_load_id),
    })) as unknown as StateRow[];
  }

  async withdrawStates(pipelineName: string, loadIds: readonly string[]): Promise<void> {
    // Python dlt restores from the newest file here, and so would this layout's check for a
    // Python continuation: a withdrawn state must not be one of them.
    for (const loadId of loadIds) {
      const prefix = `${pipelineName}__${loadId}__`;
      for (const entry of await this.#bucket.list(this.#path(STATE_TABLE), { prefix })) {
        if (!entry.isDirectory) await this.#bucket.delete(this.#path(STATE_TABLE, entry.name));
      }
    }
  }

  async committedStateRows(pipelineName: string): Promise<StateRow[]> {
    const ours = (await this.#versions.all(pipelineName)).map((record) => record.state_row);
    const known = new Set(ours.map((row) => row._dlt_load_id));
    const theirs = (await this.#pythonStates(pipelineName)).filter((row) =>
      !known.has(row._dlt_load_id)
    );
    return [...ours, ...theirs].sort((a, b) => compareLoadIds(a._dlt_load_id, b._dlt_load_id));
  }

  async ownTableRows(table: string): Promise<AsyncIterable<Record<string, unknown>> | undefined> {
    let rows: Record<string, unknown>[];
    if (table === LOADS_TABLE) {
      rows = (await this.loadRows()) as unknown as Record<string, unknown>[];
    } else if (table === STATE_TABLE) {
      const entries = await this.#bucket.list(this.#path(STATE_TABLE));
      const paths = entries.filter((e) => !e.isDirectory && parseStateName(e.name))
        .map((e) => this.#path(STATE_TABLE, e.name));
      rows = (await readAll(paths, (path) => this.#readJson(path)))
        .filter((row): row is Record<string, unknown> => row !== undefined)
        .sort((a, b) => compareLoadIds(String(a._dlt_load_id), String(b._dlt_load_id)));
    } else if (table === VERSION_TABLE) {
      rows = [];
      for (const dir of await this.#bucket.list(this.#path(SCHEMAS_DIR))) {
        if (!dir.isDirectory) continue;
        for (const entry of await this.#bucket.list(this.#path(SCHEMAS_DIR, dir.name))) {
          const schema = await this.#readJson(this.#path(SCHEMAS_DIR, dir.name, entry.name));
          if (!schema) continue;
          const row: VersionRow = {
            version: schema.version as number,
            engine_version: schema.engine_version as number,
            inserted_at: "",
            schema_name: schema.name as string,
            version_hash: schema.version_hash as string,
            schema: JSON.stringify(schema),
          };
          rows.push(row as unknown as Record<string, unknown>);
        }
      }
    } else return undefined;
    if (rows.length === 0) return undefined;
    return (async function* () {
      yield* rows;
    })();
  }

  isOwnEntry(name: string): boolean {
    return name.startsWith("_dlt") || name === "init";
  }
}
