/**
 * The extract hot path: one resource's rows checked, routed to their table, observed by the
 * schema and written into the current package with their `_dlt_load_id` and `_dlt_id`.
 *
 * @module
 */
import { ConfigurationError, InvalidRowError } from "../errors.ts";
import { validateName } from "../storage/names.ts";
import { ensureTable, type Schema, TableObserver } from "../destinations/schema.ts";
import type { BoundIncremental } from "../incremental/incremental.ts";
import type { Resource, Row } from "./resource.ts";
import type { TableSink } from "./load_package.ts";
import { type ExtractPackage, type ExtractRun, registerTable } from "./extract_run.ts";

/** How to name an item that is not a row in an error message. */
export function describeItem(item: unknown): string {
  if (item === null) return "null";
  if (typeof item !== "object") return `a ${typeof item} (${String(item).slice(0, 40)})`;
  if (Array.isArray(item)) return "a nested array";
  return `an instance of ${item.constructor?.name ?? "a class"}`;
}

/** True for a plain object (or a null-prototype one): what a row must be. */
export function isRow(item: unknown): item is Row {
  if (item === null || typeof item !== "object") return false;
  const proto = Object.getPrototypeOf(item);
  return proto === Object.prototype || proto === null;
}

function randomPrefix(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let out = "";
  for (const byte of bytes) out += alphabet[byte & 63];
  return out;
}

interface TableEntry {
  sink: TableSink;
  observer: TableObserver;
  /** Merge tables: the row's primary key as a string. */
  keyOf?: (row: Row) => string;
}

/** The merge key of a row as a string: the same on the JS object and on the row read back. */
export function mergeKeyOf(columns: readonly string[], table: string): (row: Row) => string {
  const missing = (column: string, row: Row): never => {
    throw new InvalidRowError(
      table,
      `a row without primary key column "${column}" (${JSON.stringify(row).slice(0, 120)})`,
    );
  };
  if (columns.length === 1) {
    const [column] = columns;
    return (row) => {
      const value = row[column];
      if (value === undefined || value === null) missing(column, row);
      return JSON.stringify(value);
    };
  }
  return (row) =>
    JSON.stringify(columns.map((column) => {
      const value = row[column];
      if (value === undefined || value === null) missing(column, row);
      return value;
    }));
}

/** Writes the items one resource yields into the run's current package. */
export class ResourceExtractor {
  readonly #resource: Resource<object, unknown>;
  readonly #run: ExtractRun;
  readonly #schema: Schema;
  readonly #sourceName: string;
  readonly #idPrefix = randomPrefix();
  #rowCounter = 0;
  #pkg: ExtractPackage | undefined;
  /** `"_dlt_load_id":"<loadId>","_dlt_id":"` as bytes, appended to every row. */
  #members = new Uint8Array(0);
  readonly #tables = new Map<string, TableEntry>();
  readonly #staticTable: string | undefined;
  readonly #tableFn: ((row: Row) => string) | undefined;

  constructor(
    resource: Resource<object, unknown>,
    sourceName: string,
    schema: Schema,
    run: ExtractRun,
  ) {
    this.#resource = resource;
    this.#run = run;
    this.#schema = schema;
    this.#sourceName = sourceName;
    if (typeof resource.tableName === "string") {
      this.#staticTable = validateName("table", resource.tableName);
    } else this.#tableFn = resource.tableName;
  }

  /** Registers a replace resource's static table, so that a run that yields nothing empties it. */
  registerReplacedTable(): void {
    if (this.#staticTable && this.#resource.writeDisposition === "replace") {
      this.#table(this.#staticTable);
    }
  }

  /** Follows the run to a new package after a checkpoint. */
  #syncPackage(): void {
    const pkg = this.#run.pkg;
    if (pkg === this.#pkg) return;
    this.#pkg = pkg;
    this.#tables.clear();
    this.#members = new TextEncoder().encode(
      `"_dlt_load_id":${JSON.stringify(pkg.loadId)},"_dlt_id":"`,
    );
  }

  #table(name: string): TableEntry {
    this.#syncPackage();
    let entry = this.#tables.get(name);
    if (entry) return entry;
    const resource = this.#resource;
    const known = this.#run.pkg.tables.get(name);
    if (
      known && known.resource !== "" && (known.writeDisposition !== resource.writeDisposition ||
        known.sourceName !== this.#sourceName)
    ) {
      throw new ConfigurationError(
        `Give table "${name}" one write disposition and one source: resource "${resource.name}" writes it with "${resource.writeDisposition}" but "${known.resource}" used "${known.writeDisposition}" (source "${known.sourceName}")`,
      );
    }
    const primaryKey = [...resource.primaryKey];
    registerTable(this.#run, name, {
      writeDisposition: resource.writeDisposition,
      primaryKey,
      resource: resource.name,
      sourceName: this.#sourceName,
    }, resource.writeDisposition === "replace");
    const table = ensureTable(this.#schema, name, {
      writeDisposition: resource.writeDisposition,
      primaryKey,
      resource: resource.name,
    });
    entry = {
      sink: this.#run.pkg.writer.sink(name),
      observer: new TableObserver(table, () => {}),
      ...(resource.writeDisposition === "merge" && primaryKey.length > 0
        ? { keyOf: mergeKeyOf(primaryKey, name) }
        : {}),
    };
    this.#tables.set(name, entry);
    return entry;
  }

  #tableNameOf(row: Row): string {
    const name = this.#tableFn!(row);
    if (this.#tables.has(name)) return name;
    return validateName("table", name);
  }

  writeRow(row: unknown): void {
    if (!isRow(row)) {
      throw new InvalidRowError(this.#resource.name, describeItem(row));
    }
    if (this.#run.pkg !== this.#pkg) this.#syncPackage();
    const tableName = this.#staticTable ?? this.#tableNameOf(row);
    const { sink, observer, keyOf } = this.#tables.get(tableName) ?? this.#table(tableName);
    observer.observe(row);
    let json: string;
    try {
      json = JSON.stringify(row);
    } catch (error) {
      throw new InvalidRowError(tableName, (error as Error).message);
    }
    const id = this.#idPrefix + (this.#rowCounter++).toString(36);
    sink.writeRow(json, this.#members, id, keyOf?.(row));
  }

  /** Writes one yielded item (a row or a page); returns the rows written. */
  writeItem(item: unknown, bound: BoundIncremental<unknown> | undefined): number {
    if (Array.isArray(item)) {
      const rows = bound ? bound.filterPage(this.#checkPage(item)) : item;
      for (let i = 0; i < rows.length; i++) this.writeRow(rows[i]);
      return rows.length;
    }
    if (bound) {
      if (!isRow(item)) throw new InvalidRowError(this.#resource.name, describeItem(item));
      const rows = bound.filterPage([item]);
      if (rows.length > 0) this.writeRow(rows[0]);
      return rows.length;
    }
    this.writeRow(item);
    return 1;
  }

  #checkPage(page: unknown[]): Row[] {
    for (const row of page) {
      if (!isRow(row)) throw new InvalidRowError(this.#resource.name, describeItem(row));
    }
    return page as Row[];
  }
}
