/**
 * The inferred schema of a source: tables, their columns and column types, as dlt records it in
 * `_dlt_version`. Inference runs on every row, so it caches per column what it saw last and only
 * does real work when a column is new or a value changes kind.
 *
 * A value whose type conflicts with its column is kept as it is (JSONL holds any value) and the
 * conflict is recorded on the column as `variant_types`, so nothing is dropped or coerced silently.
 *
 * @module
 */
import { sha3Base64 } from "../state/hash.ts";
import { canonicalJson, type JsonValue } from "../state/typed_json.ts";
import { ownValue, setOwn } from "../state/own_keys.ts";

/**
 * Column types, named as dlt names them.
 *
 * @example Mapping column types to SQL
 * ```ts
 * import type { DataType } from "../../mod.ts";
 *
 * const sqlType: Record<DataType, string> = {
 *   text: "VARCHAR",
 *   bigint: "BIGINT",
 *   double: "DOUBLE",
 *   bool: "BOOLEAN",
 *   timestamp: "TIMESTAMPTZ",
 *   date: "DATE",
 *   json: "JSON",
 *   binary: "BLOB",
 * };
 * console.log(sqlType.timestamp); // TIMESTAMPTZ
 * ```
 */
export type DataType =
  | "text"
  | "bigint"
  | "double"
  | "bool"
  | "timestamp"
  | "date"
  | "json"
  | "binary";

/**
 * How a table takes new rows.
 *
 * @example Choosing how a table takes rows
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const disposition: dlt.WriteDisposition = "merge";
 * const users = dlt.resource([{ id: 1 }], {
 *   name: "users",
 *   writeDisposition: disposition,
 *   primaryKey: "id",
 * });
 * console.log(users.writeDisposition); // merge
 * ```
 */
export type WriteDisposition = "append" | "replace" | "merge";

/**
 * One column of a table.
 *
 * @example Describing a column
 * ```ts
 * import type { ColumnSchema } from "../../mod.ts";
 *
 * function describe(column: ColumnSchema): string {
 *   return `${column.name} ${column.data_type}${column.nullable ? "" : " not null"}`;
 * }
 * const id: ColumnSchema = { name: "id", data_type: "bigint", nullable: false };
 * console.log(describe(id)); // id bigint not null
 * ```
 */
export interface ColumnSchema {
  /** The column name. */
  name: string;
  /** The type of the first non-null value (widened from bigint to double when needed). */
  data_type: DataType;
  /** Whether the column may be null or missing. */
  nullable: boolean;
  /** Part of the primary key. */
  primary_key?: boolean;
  /** Other types seen in the column: values kept as they are. */
  variant_types?: DataType[];
}

/**
 * One table of a schema.
 *
 * @example A table as the schema records it
 * ```ts
 * import type { TableSchema } from "../../mod.ts";
 *
 * const users: TableSchema = {
 *   name: "users",
 *   write_disposition: "merge",
 *   primary_key: ["id"],
 *   resource: "users",
 *   columns: { id: { name: "id", data_type: "bigint", nullable: false, primary_key: true } },
 * };
 * console.log(Object.keys(users.columns)); // [ "id" ]
 * ```
 */
export interface TableSchema {
  /** The table name. */
  name: string;
  /** How loads write the table. */
  write_disposition: WriteDisposition;
  /** The primary key columns, for merge. */
  primary_key?: string[];
  /** The resource that fills the table. */
  resource?: string;
  /** Columns by name, in the order first seen. */
  columns: Record<string, ColumnSchema>;
}

/**
 * A schema (one per source), the content of a `_dlt_version` row.
 *
 * @example Reading the inferred schema of a load
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "crm",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1, name: "Ada", joined: "2024-06-01" }], { tableName: "users" });
 * const [row] = await p.dataset().table("_dlt_version").toArray();
 * const schema: dlt.Schema = JSON.parse(row.schema as string);
 * const columns = Object.values(schema.tables.users.columns);
 * console.log(columns.map((column) => `${column.name}: ${column.data_type}`).slice(0, 3));
 * // [ "id: bigint", "name: text", "joined: date" ]
 * ```
 */
export interface Schema {
  /** The schema name: the source name. */
  name: string;
  /** Grows by one each time the tables change. */
  version: number;
  /** base64 SHA3-256 of the canonical tables. */
  version_hash: string;
  /** The schema engine version (dlt's current one). */
  engine_version: number;
  /** Tables by name. */
  tables: Record<string, TableSchema>;
}

/** dlt's schema engine version, recorded for readers that know dlt. */
export const SCHEMA_ENGINE_VERSION = 11;

/** Hash of the tables of a schema (base64 SHA3-256 of their canonical JSON). */
export function schemaHash(tables: Record<string, TableSchema>): string {
  return sha3Base64(canonicalJson(tables as unknown as JsonValue));
}

/** A new, empty schema named `name`. */
export function newSchema(name: string): Schema {
  return {
    name,
    version: 0,
    version_hash: schemaHash({}),
    engine_version: SCHEMA_ENGINE_VERSION,
    tables: {},
  };
}

/** Recomputes the hash and bumps the version when the tables changed; returns true then. */
export function bumpSchemaVersion(schema: Schema): boolean {
  const hash = schemaHash(schema.tables);
  if (hash === schema.version_hash) return false;
  schema.version_hash = hash;
  schema.version += 1;
  return true;
}

/** Returns `schema.tables[name]`, creating it (with the dlt columns) or updating its hints. */
export function ensureTable(
  schema: Schema,
  name: string,
  hints: { writeDisposition: WriteDisposition; primaryKey?: readonly string[]; resource?: string },
): TableSchema {
  let table = ownValue(schema.tables, name);
  if (!table) {
    table = setOwn(schema.tables, name, {
      name,
      write_disposition: hints.writeDisposition,
      columns: {},
    });
  }
  table.write_disposition = hints.writeDisposition;
  if (hints.resource !== undefined) table.resource = hints.resource;
  if (hints.primaryKey && hints.primaryKey.length > 0) {
    table.primary_key = [...hints.primaryKey];
    for (const key of hints.primaryKey) {
      const column = ownValue(table.columns, key);
      if (column) column.primary_key = true;
    }
  } else delete table.primary_key;
  return table;
}

/** Adds the `_dlt_load_id` and `_dlt_id` columns (after the data columns, as dlt orders them). */
export function addDltColumns(table: TableSchema): void {
  for (const key of table.primary_key ?? []) {
    const column = ownValue(table.columns, key);
    if (column) {
      column.primary_key = true;
      column.nullable = false;
    }
  }
  delete table.columns._dlt_load_id;
  delete table.columns._dlt_id;
  table.columns._dlt_load_id = { name: "_dlt_load_id", data_type: "text", nullable: false };
  table.columns._dlt_id = { name: "_dlt_id", data_type: "text", nullable: false };
}
