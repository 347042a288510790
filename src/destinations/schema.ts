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
import { InvalidRowError } from "../errors.ts";
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

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** The type of a non-null value. Throws `InvalidRowError` for values JSON cannot hold. */
export function inferType(value: unknown, table: string, column: string): DataType {
  switch (typeof value) {
    case "string":
      if (value.length >= 16 && value.length <= 40 && ISO_TIMESTAMP.test(value)) return "timestamp";
      if (value.length === 10 && ISO_DATE.test(value)) return "date";
      return "text";
    case "number":
      if (!Number.isFinite(value)) {
        throw new InvalidRowError(table, `${value} in column "${column}", which JSON cannot hold`);
      }
      return Number.isInteger(value) ? "bigint" : "double";
    case "boolean":
      return "bool";
    case "object":
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) {
          throw new InvalidRowError(table, `an invalid Date in column "${column}"`);
        }
        return "timestamp";
      }
      if (value instanceof Temporal.Instant || value instanceof Temporal.ZonedDateTime) {
        return "timestamp";
      }
      if (value instanceof Temporal.PlainDateTime) return "timestamp";
      if (value instanceof Temporal.PlainDate) return "date";
      if (value instanceof Uint8Array) {
        throw new InvalidRowError(table, `bytes in column "${column}"; encode them as base64 text`);
      }
      checkJson(value as object, table, column, 0);
      return "json";
    default:
      throw new InvalidRowError(
        table,
        `${
          typeof value === "bigint"
            ? "a BigInt; convert it to a number or string,"
            : `a ${typeof value}`
        } in column "${column}"`,
      );
  }
}

/** Throws for nested values that JSON would silently drop or cannot hold. */
function checkJson(value: object, table: string, path: string, depth: number): void {
  if (depth > 64) {
    throw new InvalidRowError(
      table,
      `a value nested deeper than 64 levels (or a cycle) at "${path}"`,
    );
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item !== null && typeof item === "object") {
        checkJson(item, table, `${path}[${i}]`, depth + 1);
      } else checkScalar(item, table, `${path}[${i}]`);
    }
    return;
  }
  if (value instanceof Date || value instanceof Temporal.Instant) return;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidRowError(
      table,
      `an instance of ${value.constructor?.name ?? "a class"} at "${path}", which JSON cannot hold`,
    );
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item === "object") {
      checkJson(item, table, `${path}.${key}`, depth + 1);
    } else checkScalar(item, table, `${path}.${key}`);
  }
}

function checkScalar(value: unknown, table: string, path: string): void {
  const kind = typeof value;
  if (kind === "function" || kind === "symbol" || kind === "bigint") {
    throw new InvalidRowError(table, `a ${kind} at "${path}", which JSON cannot hold`);
  }
  if (kind === "number" && !Number.isFinite(value)) {
    throw new InvalidRowError(table, `${value} at "${path}", which JSON cannot hold`);
  }
}

/** Can a column of type `type` hold `value` without recording a variant? Fast checks only. */
function fits(type: DataType, value: unknown): boolean {
  switch (type) {
    case "text":
      return typeof value === "string";
    case "double":
      return typeof value === "number" && Number.isFinite(value);
    case "bool":
      return typeof value === "boolean";
    case "bigint":
      return typeof value === "number" && Number.isInteger(value);
    case "timestamp":
      if (typeof value === "string") {
        return value.length >= 16 && value.charCodeAt(4) === 45 && value.charCodeAt(13) === 58 &&
          (value.charCodeAt(10) === 84 || value.charCodeAt(10) === 32);
      }
      return value instanceof Date || value instanceof Temporal.Instant;
    case "date":
      return typeof value === "string" && value.length === 10 && value.charCodeAt(4) === 45;
    default:
      return false;
  }
}

/**
 * The kinds of values the fast path of {@linkcode TableObserver} checks inline; the other column
 * types go through {@linkcode fits}.
 */
const enum Kind {
  Unknown, // no column yet (only nulls so far): the slow path adds it
  Text,
  Bigint,
  Double,
  Bool,
  Timestamp,
  Json,
  Other,
}

function kindOf(column: ColumnSchema | undefined): Kind {
  switch (column?.data_type) {
    case undefined:
      return Kind.Unknown;
    case "text":
      return Kind.Text;
    case "bigint":
      return Kind.Bigint;
    case "double":
      return Kind.Double;
    case "bool":
      return Kind.Bool;
    case "timestamp":
      return Kind.Timestamp;
    case "json":
      return Kind.Json;
    default:
      return Kind.Other;
  }
}

/** Set by {@linkcode isPlainJson} when it meets an object inside an array. */
let objectInArray = false;

/**
 * True when a nested value is made of plain objects, arrays, strings, booleans, null and finite
 * numbers only, at most 64 levels deep. Anything else (a Date, a class instance, `undefined`, …)
 * answers false, and {@linkcode checkJson} then decides, with the path in its error. Sets
 * `objectInArray` when an array holds an object.
 */
function isPlainJson(value: object, depth: number): boolean {
  if (depth > 64) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      switch (typeof item) {
        case "string":
        case "boolean":
          continue;
        case "number":
          if (Number.isFinite(item)) continue;
          return false;
        case "object":
          if (item === null) continue;
          objectInArray = true;
          if (isPlainJson(item, depth + 1)) continue;
          return false;
        default:
          return false;
      }
    }
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    switch (typeof item) {
      case "string":
      case "boolean":
        continue;
      case "number":
        if (Number.isFinite(item)) continue;
        return false;
      case "object":
        if (item === null || isPlainJson(item, depth + 1)) continue;
        return false;
      default:
        return false;
    }
  }
  return true;
}

/** Watches the rows of one table and records new columns and type conflicts. */
export class TableObserver {
  readonly #table: TableSchema;
  readonly #onChange: () => void;
  /** The keys of the last row that took the slow path, in its order. */
  #keys: string[] = [];
  /** Their columns (`undefined` while a column has only seen nulls). */
  #columns: (ColumnSchema | undefined)[] = [];
  /** Their kinds, for the checks the fast path makes inline. */
  #kinds = new Uint8Array(0);
  /**
   * Since `observePage` began: a row was empty, held a value not known to be plain JSON, or
   * (after the first row) had other keys than the row before.
   */
  #unusual = false;
  /** `observePage` is past its first row. */
  #inPage = false;

  /** Observes `table`, calling `onChange` whenever the table schema changes. */
  constructor(table: TableSchema, onChange: () => void) {
    this.#table = table;
    this.#onChange = onChange;
  }

  /** The table schema being updated. */
  get table(): TableSchema {
    return this.#table;
  }

  /**
   * Records the columns and types of one row. Throws `InvalidRowError` for values JSON cannot
   * hold. Rows usually share their keys and key order: those are checked against the columns of
   * the previous row position by position, without looking a column up by name, and the common
   * types are checked inline.
   */
  observe(row: Record<string, unknown>): void {
    const keys = this.#keys;
    const kinds = this.#kinds;
    let i = 0;
    for (const key in row) {
      if (key !== keys[i]) return this.#observeSlowly(row);
      const value = row[key];
      const kind = kinds[i++];
      if (value === null || value === undefined) continue;
      switch (kind) {
        case Kind.Text:
          if (typeof value === "string") continue;
          break;
        case Kind.Bigint:
          if (Number.isInteger(value)) continue;
          break;
        case Kind.Double:
          if (Number.isFinite(value)) continue;
          break;
        case Kind.Bool:
          if (typeof value === "boolean") continue;
          break;
        case Kind.Timestamp:
          // An ISO string as fits() checks it; Dates and other values go the long way.
          if (
            typeof value === "string" && value.length >= 16 && value.charCodeAt(4) === 45 &&
            value.charCodeAt(13) === 58 &&
            (value.charCodeAt(10) === 84 || value.charCodeAt(10) === 32)
          ) continue;
          break;
        case Kind.Json:
          if (typeof value === "object" && isPlainJson(value, 0)) continue;
          break;
        case Kind.Unknown:
          return this.#observeSlowly(row);
      }
      this.#check(i - 1, value, key);
    }
    if (i !== keys.length) this.#observeSlowly(row);
    else if (i === 0) this.#unusual = true;
  }

  /**
   * Observes every row of a page (see {@linkcode TableObserver.observe}) and returns the text
   * that separates two rows in `JSON.stringify(rows)` and occurs nowhere else, when there is
   * one: `},{"<first key>":`. That holds when every row has the same keys in the same order (the
   * first one not empty and not starting with `,`, `}`, `]` or `:`) and no array in any row
   * holds an object. Then `},{` followed by `"` can only be two objects side by side in an
   * array, which is the page itself; or the end of a string (whose content `},{` may be), but
   * then its closing quote is followed by one of `,}]:`, never by the first key's text. A `"`
   * inside a string is always escaped. `undefined` otherwise: the page is serialised row by row.
   */
  observePage(rows: readonly Record<string, unknown>[]): string | undefined {
    objectInArray = false;
    this.#unusual = false;
    this.#inPage = false;
    for (let i = 0; i < rows.length; i++) {
      this.observe(rows[i]);
      this.#inPage = true;
    }
    this.#inPage = false;
    if (objectInArray || this.#unusual || this.#keys.length === 0) return undefined;
    const key = JSON.stringify(this.#keys[0]);
    if (key.length === 2 || ",}]:".includes(key[1])) return undefined;
    return `},{${key}:`;
  }

  /** Marks the page unusual unless `value` is a scalar or plain JSON (arrays are looked into). */
  #notePlain(value: unknown): void {
    if (typeof value === "object" && value !== null && !isPlainJson(value, 0)) this.#unusual = true;
  }

  /** The full check of the value at position `index` of the last row's keys. */
  #check(index: number, value: unknown, key: string): void {
    this.#notePlain(value);
    const column = this.#columns[index]!;
    this.#checkColumn(column, value, key);
    this.#kinds[index] = kindOf(column); // a conflict may have widened the column
  }

  #checkColumn(column: ColumnSchema, value: unknown, key: string): void {
    if (column.data_type === "json") {
      if (typeof value === "object") {
        checkJson(value as object, this.#table.name, key, 0);
        return;
      }
    } else if (fits(column.data_type, value)) return;
    this.#conflict(column, value, key);
  }

  /** Looks every column up by name, adds new ones, and remembers this row's key order. */
  #observeSlowly(row: Record<string, unknown>): void {
    if (this.#inPage) this.#unusual = true;
    const columns = this.#table.columns;
    const keys: string[] = [];
    const seen: (ColumnSchema | undefined)[] = [];
    for (const key in row) {
      const value = row[key];
      let column = ownValue(columns, key);
      keys.push(key);
      this.#notePlain(value);
      if (value !== null && value !== undefined) {
        if (column !== undefined) this.#checkColumn(column, value, key);
        else {
          column = setOwn(columns, key, {
            name: key,
            data_type: inferType(value, this.#table.name, key),
            nullable: true,
          });
          this.#onChange();
        }
      }
      seen.push(column);
    }
    if (keys.length === 0) this.#unusual = true;
    this.#keys = keys;
    this.#columns = seen;
    this.#kinds = Uint8Array.from(seen, kindOf);
  }

  #conflict(column: ColumnSchema, value: unknown, key: string): void {
    const type = inferType(value, this.#table.name, key);
    if (type === column.data_type) return;
    if (column.data_type === "bigint" && type === "double") {
      column.data_type = "double"; // widening keeps every value
      this.#onChange();
      return;
    }
    if (
      (column.data_type === "text" && (type === "timestamp" || type === "date")) ||
      (column.data_type === "double" && type === "bigint")
    ) return;
    const variants = column.variant_types ??= [];
    if (!variants.includes(type)) {
      variants.push(type);
      this.#onChange();
    }
  }
}

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
