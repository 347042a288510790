/**
 * Schemas in Python dlt's stored format (engine version 11), as its filesystem destination keeps
 * them in `_dlt_version/<schema>__<time>__<hex>.jsonl`: what Python dlt restores with a state, so
 * that a pipeline continued there knows the tables and columns loaded here (without one it warns
 * and starts an empty schema). A schema written here is laid over the newest one Python dlt
 * wrote, so that its tables (child tables, normalised columns) are kept. Read back, a dlt table
 * tells the dataset reader how to read a table only Python dlt loaded.
 *
 * @module
 */
import { sha3Base64 } from "../state/hash.ts";
import { canonicalJson, type JsonValue } from "../state/typed_json.ts";
import { ownValue } from "../state/own_keys.ts";
import type { ColumnSchema, DataType, Schema, TableSchema, WriteDisposition } from "./schema.ts";

/** dlt's schema engine version (dlt 1.31). */
const DLT_SCHEMA_ENGINE_VERSION = 11;

type Json = Record<string, unknown>;

/** A `_dlt_version` file of the dlt layout. */
export interface DltVersionFile {
  /** The schema's version hash. */
  version_hash: string;
  /** The schema name. */
  schema_name: string;
  /** The schema version. */
  version: number;
  /** dlt's schema engine version. */
  engine_version: number;
  /** When it was written, ISO 8601 with `+00:00`. */
  inserted_at: string;
  /** The stored schema as JSON text. */
  schema: string;
}

function column(name: string, dataType: string, nullable: boolean, extra: Json = {}): Json {
  return { name, data_type: dataType, nullable, ...extra };
}

/** The tables every dlt schema holds, as dlt 1.31 writes them. */
function dltTables(): Record<string, Json> {
  return {
    _dlt_version: {
      name: "_dlt_version",
      columns: {
        version: column("version", "bigint", false),
        engine_version: column("engine_version", "bigint", false),
        inserted_at: column("inserted_at", "timestamp", false),
        schema_name: column("schema_name", "text", false),
        version_hash: column("version_hash", "text", false),
        schema: column("schema", "text", false),
      },
      write_disposition: "skip",
      resource: "_dlt_version",
      description: "Created by DLT. Tracks schema updates",
    },
    _dlt_loads: {
      name: "_dlt_loads",
      columns: {
        load_id: column("load_id", "text", false, { precision: 64 }),
        schema_name: column("schema_name", "text", true),
        status: column("status", "bigint", false),
        inserted_at: column("inserted_at", "timestamp", false),
        schema_version_hash: column("schema_version_hash", "text", true),
      },
      write_disposition: "skip",
      resource: "_dlt_loads",
      description: "Created by DLT. Tracks completed loads",
    },
    _dlt_pipeline_state: {
      name: "_dlt_pipeline_state",
      columns: {
        version: column("version", "bigint", false),
        engine_version: column("engine_version", "bigint", false),
        pipeline_name: column("pipeline_name", "text", false),
        state: column("state", "text", false),
        created_at: column("created_at", "timestamp", false),
        version_hash: column("version_hash", "text", true),
        _dlt_load_id: column("_dlt_load_id", "text", false, { precision: 64 }),
        _dlt_id: column("_dlt_id", "text", false, { unique: true, row_key: true }),
      },
      write_disposition: "append",
      file_format: "preferred",
      resource: "_dlt_pipeline_state",
      "x-normalizer": { "seen-data": true },
    },
  };
}

const SETTINGS = {
  detections: ["iso_timestamp"],
  default_hints: {
    not_null: ["_dlt_id", "_dlt_root_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_load_id"],
    parent_key: ["_dlt_parent_id"],
    root_key: ["_dlt_root_id"],
    unique: ["_dlt_id"],
    row_key: ["_dlt_id"],
  },
};

const NORMALIZERS = {
  names: "snake_case",
  json: { module: "dlt.common.normalizers.json.relational" },
};

/** One of this library's columns as dlt stores it (variants are not dlt's: left out). */
function dltColumn(source: ColumnSchema): Json {
  const out: Json = { name: source.name, data_type: source.data_type, nullable: source.nullable };
  if (source.primary_key) out.primary_key = true;
  if (source.name === "_dlt_id") Object.assign(out, { unique: true, row_key: true });
  return out;
}

/** One of this library's tables laid over dlt's table of the same name (its columns kept). */
function dltTable(table: TableSchema, base: Json | undefined): Json {
  const columns: Record<string, Json> = { ...(base?.columns as Record<string, Json> ?? {}) };
  for (const [name, source] of Object.entries(table.columns)) {
    const known = ownValue(columns, name);
    columns[name] = known
      ? {
        ...known,
        nullable: source.nullable,
        ...(source.primary_key ? { primary_key: true } : {}),
      }
      : dltColumn(source);
  }
  const seen = Object.keys(table.columns).some((name) => !name.startsWith("_dlt_"));
  return {
    ...(base ?? {}),
    name: table.name,
    columns,
    write_disposition: table.write_disposition,
    ...(table.resource !== undefined ? { resource: table.resource } : {}),
    ...(seen || base?.["x-normalizer"] ? { "x-normalizer": { "seen-data": true } } : {}),
  };
}

/** dlt's `generate_version_hash`: SHA3-256 of the sorted JSON, then table and column names. */
function dltVersionHash(stored: Json): string {
  const {
    version: _v,
    version_hash: _h,
    imported_version_hash: _i,
    previous_hashes: _p,
    ...rest
  } = stored;
  let names = "";
  const tables = (rest.tables ?? {}) as Record<string, Json>;
  for (const name of Object.keys(tables).sort()) {
    names += name + Object.keys((tables[name].columns ?? {}) as Json).join("");
  }
  return sha3Base64(canonicalJson(rest as JsonValue) + names);
}

/**
 * `schema` in dlt's stored format, laid over `base` (the newest schema of that name Python dlt
 * or this library wrote in dlt's format): its tables and settings are kept, this schema's tables
 * and columns added, its write dispositions and keys win. `undefined` when that changes nothing
 * of `base`; else the version is one past the base's (this schema's own without a base).
 */
export function toDltSchema(schema: Schema, base: Json | undefined): Json | undefined {
  const tables: Record<string, Json> = { ...(base?.tables as Record<string, Json> ?? {}) };
  for (const [name, table] of Object.entries(dltTables())) tables[name] ??= table;
  for (const [name, table] of Object.entries(schema.tables)) {
    tables[name] = dltTable(table, ownValue(tables, name));
  }
  const previous = typeof base?.version_hash === "string" ? base.version_hash : undefined;
  const stored: Json = {
    version: typeof base?.version === "number" ? base.version + 1 : Math.max(1, schema.version),
    version_hash: "",
    engine_version: DLT_SCHEMA_ENGINE_VERSION,
    name: schema.name,
    tables,
    settings: base?.settings ?? SETTINGS,
    normalizers: base?.normalizers ?? NORMALIZERS,
    previous_hashes: previous
      ? [previous, ...((base?.previous_hashes as string[] | undefined) ?? [])].slice(0, 10)
      : [],
  };
  stored.version_hash = dltVersionHash(stored);
  return stored.version_hash === previous ? undefined : stored;
}

/** The `_dlt_version` file of a stored dlt schema. */
export function dltVersionFile(stored: Json, insertedAt: Date): DltVersionFile {
  return {
    version_hash: stored.version_hash as string,
    schema_name: stored.name as string,
    version: stored.version as number,
    engine_version: stored.engine_version as number,
    inserted_at: insertedAt.toISOString().replace("Z", "+00:00"),
    schema: JSON.stringify(stored),
  };
}

const DATA_TYPES = new Set<DataType>([
  "text",
  "bigint",
  "double",
  "bool",
  "timestamp",
  "date",
  "json",
  "binary",
]);

/**
 * Table `name` of a stored dlt schema as this library's reader needs it, or `undefined`: a child
 * table takes its root's write disposition; dispositions the reader does not know read as
 * append; types it does not know as text.
 */
export function tableFromDlt(stored: Json, name: string): TableSchema | undefined {
  const tables = (stored.tables ?? {}) as Record<string, Json>;
  const table = ownValue(tables, name);
  if (!table || name.startsWith("_dlt")) return undefined;
  let root: Json = table;
  for (let depth = 0; typeof root.parent === "string" && depth < 64; depth++) {
    root = ownValue(tables, root.parent) ?? root;
    if (root === table) break;
  }
  const disposition = root.write_disposition;
  const columns: Record<string, ColumnSchema> = {};
  const primaryKey: string[] = [];
  for (const [columnName, c] of Object.entries((table.columns ?? {}) as Record<string, Json>)) {
    const type = DATA_TYPES.has(c.data_type as DataType) ? c.data_type as DataType : "text";
    columns[columnName] = { name: columnName, data_type: type, nullable: c.nullable !== false };
    if (c.primary_key === true) {
      columns[columnName].primary_key = true;
      primaryKey.push(columnName);
    }
  }
  return {
    name,
    write_disposition: disposition === "merge" || disposition === "replace"
      ? disposition as WriteDisposition
      : "append",
    ...(primaryKey.length > 0 && root === table ? { primary_key: primaryKey } : {}),
    ...(typeof table.resource === "string" ? { resource: table.resource } : {}),
    columns,
  };
}
