/**
 * Schema inference on the extract hot path: the type of each value, and a {@linkcode TableObserver}
 * that records a table's columns and types row by row (checking the previous row's key order
 * first, so the common row costs no lookup by name). A value whose type conflicts with its column
 * is kept as it is and recorded as a variant type.
 *
 * @module
 */
import { InvalidRowError } from "../errors.ts";
import { ownValue, setOwn } from "../state/own_keys.ts";
import { IsoDateTime } from "../state/iso_date_time.ts";
import { isPreciseInstant, temporalApi } from "../state/temporal.ts";
import type { ColumnSchema, DataType, TableSchema } from "./schema.ts";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** The type of a Temporal value (where the runtime has Temporal) or an `IsoDateTime`. */
function timeType(value: unknown): DataType | undefined {
  if (value instanceof IsoDateTime) return value.kind === "date" ? "date" : "timestamp";
  const temporal = temporalApi();
  if (temporal === undefined) return undefined;
  if (
    value instanceof temporal.Instant || value instanceof temporal.ZonedDateTime ||
    value instanceof temporal.PlainDateTime
  ) {
    return "timestamp";
  }
  return value instanceof temporal.PlainDate ? "date" : undefined;
}

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
      {
        const type = timeType(value);
        if (type !== undefined) return type;
      }
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
  if (value instanceof Date || isPreciseInstant(value)) return;
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

/** Text a timestamp column takes: `YYYY-MM-DDTHH:MM…` (or a space for the `T`), by its shape. */
function isTimestampText(value: string): boolean {
  return value.length >= 16 && value.charCodeAt(4) === 45 && value.charCodeAt(13) === 58 &&
    (value.charCodeAt(10) === 84 || value.charCodeAt(10) === 32);
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
      if (typeof value === "string") return isTimestampText(value);
      return value instanceof Date || isPreciseInstant(value);
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
          if (typeof value === "string" && isTimestampText(value)) continue;
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
