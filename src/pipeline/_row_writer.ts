/**
 * The extract hot path: one resource's rows checked, routed to their table, observed by the
 * schema and written into the current package with their `_dlt_load_id` and `_dlt_id`.
 *
 * @module
 */
import { ConfigurationError, InvalidRowError } from "../errors.ts";
import { validateName } from "../storage/names.ts";
import { ensureTable, type Schema } from "../destinations/schema.ts";
import { TableObserver } from "../destinations/table_observer.ts";
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

/**
 * How a row's line ends for the last two base-36 digits 0 … 1295 of its counter: the digits,
 * plain (`"z"`) or padded (`"0z"`), then the end of the `_dlt_id` string, `}` and a newline.
 */
const ENDS = Array.from({ length: 1296 }, (_, n) => `${n.toString(36)}"}\n`);
const ENDS_2 = Array.from({ length: 1296 }, (_, n) => `${n.toString(36).padStart(2, "0")}"}\n`);

/**
 * How much of a page is serialised at once: at most `MAX_SLICE_ROWS` rows, and about
 * `SLICE_CHARS` characters of JSON (the rows per slice follow the width of the rows seen so far).
 * Each slice's JSON then stays a short-lived string of V8's young generation: a whole page is a
 * string of a quarter megabyte or more, which V8 keeps in its large-object space until a full
 * collection, and the peak memory of a long run grew with its length (1.28× for 10× the rows).
 */
const MAX_SLICE_ROWS = 200;
const SLICE_CHARS = 56 * 1024;

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
  /** `#rowCounter % 1296`. */
  #low = 0;
  /** `#members` with the `_dlt_id` digits of `#rowCounter` above its last two. */
  #idMembers = "";
  /** Rows of a page serialised at once (see `SLICE_CHARS`). */
  #sliceRows = MAX_SLICE_ROWS;
  /** Where each row of a page ends (reused). */
  #ends = new Int32Array(1024);
  #pkg: ExtractPackage | undefined;
  /**
   * `,"_dlt_load_id":"<loadId>","_dlt_id":"<id prefix>`, appended to every row's JSON (the
   * row's counter and `"}` follow).
   */
  #members = "";
  readonly #tables = new Map<string, TableEntry>();
  readonly #staticTable: string | undefined;
  /** The entry of the static table in the current package, once the first row made it. */
  #staticEntry: TableEntry | undefined;
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
    this.#staticEntry = undefined;
    this.#members = `,"_dlt_load_id":${JSON.stringify(pkg.loadId)},"_dlt_id":"${this.#idPrefix}`;
    this.#idMembers = this.#membersAt(this.#rowCounter);
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
    if (name === this.#staticTable) this.#staticEntry = entry;
    return entry;
  }

  #entryOf(row: Row): TableEntry {
    const name = this.#tableFn!(row);
    return this.#tables.get(name) ?? this.#table(validateName("table", name));
  }

  /**
   * Writes rows already known to be rows (plain objects): each is observed by its table's
   * schema, serialised once, and written with its `_dlt_load_id` and `_dlt_id`. The rows of a
   * page bound for one table are serialised together, as one array (faster than row by row),
   * and the text is cut into rows where the observer vouches that only row boundaries look like
   * `},{"<first key>":`.
   */
  #writeRows(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    if (this.#run.pkg !== this.#pkg) this.#syncPackage();
    if (this.#staticTable === undefined) return this.#writeEach(rows, undefined, false);
    const entry = this.#staticEntry ?? this.#table(this.#staticTable);
    if (rows.length === 1) return this.#writeEach(rows, entry, false);
    const cut = entry.observer.observePage(rows);
    if (cut === undefined) return this.#writeEach(rows, entry, true);
    for (let from = 0; from < rows.length;) {
      const count = Math.min(this.#sliceRows, rows.length - from);
      const slice = count === rows.length ? rows : rows.slice(from, from + count);
      from += count;
      let page: string | undefined;
      try {
        page = JSON.stringify(slice);
      } catch {
        page = undefined; // row by row, for the error that names the table
      }
      if (page !== undefined) {
        const fit = Math.floor((SLICE_CHARS * count) / page.length);
        this.#sliceRows = Math.max(1, Math.min(MAX_SLICE_ROWS, fit));
      }
      if (page === undefined || !this.#writeSplit(page, cut, slice, entry)) {
        this.#writeEach(slice, entry, true);
      }
    }
  }

  /** Writes `rows` one by one (observed first unless `observed`). */
  #writeEach(rows: readonly Row[], fixed: TableEntry | undefined, observed: boolean): void {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const { sink, observer, keyOf } = fixed ?? this.#entryOf(row);
      if (!observed) observer.observe(row);
      let json: string;
      try {
        json = JSON.stringify(row);
      } catch (error) {
        throw new InvalidRowError(observer.table.name, (error as Error).message);
      }
      // A row's own toJSON (not enumerable, so not seen by the schema) may turn it into anything.
      if (json.charCodeAt(0) !== 123 || json.charCodeAt(json.length - 1) !== 125) {
        throw new InvalidRowError(
          observer.table.name,
          `a row that serialises to ${json.slice(0, 40)}, not a JSON object (a toJSON method?)`,
        );
      }
      if (json.length > 2) this.#emit(sink, json.slice(0, -1), keyOf?.(row));
      else this.#emit(sink, "{", keyOf?.(row), true); // an empty object: no comma
    }
  }

  /**
   * Writes the rows of `page`, the JSON array of `rows`, cut where `cut` (`},{"<first key>":`,
   * see `TableObserver.observePage`) occurs. False, and nothing written, unless it occurs exactly
   * once between each two rows.
   */
  #writeSplit(page: string, cut: string, rows: readonly Row[], entry: TableEntry): boolean {
    const count = rows.length;
    const ends = this.#ends.length >= count ? this.#ends : (this.#ends = new Int32Array(count));
    let from = 1;
    for (let i = 0; i < count - 1; i++) {
      const at = page.indexOf(cut, from);
      if (at < 0) return false;
      ends[i] = at;
      from = at + 2;
    }
    if (
      page.indexOf(cut, from) >= 0 || page.charCodeAt(1) !== 123 ||
      page.charCodeAt(page.length - 2) !== 125
    ) return false;
    ends[count - 1] = page.length - 2;
    const { sink, keyOf } = entry;
    let start = 1;
    for (let i = 0; i < count; i++) {
      const end = ends[i];
      this.#emit(sink, page.slice(start, end), keyOf?.(rows[i]));
      start = end + 2;
    }
    return true;
  }

  /** Writes one row's JSON without its closing brace, with the `_dlt_*` members. */
  #emit(sink: TableSink, head: string, key: string | undefined, empty = false): void {
    // A row's id is the prefix and its counter in base 36: the members carry the prefix and the
    // counter's digits above the last two, which change once every 1296 rows.
    const low = this.#low;
    sink.writeRow(
      head,
      empty ? this.#idMembers.slice(1) : this.#idMembers,
      this.#rowCounter < 1296 ? ENDS[low] : ENDS_2[low],
      key,
    );
    this.#rowCounter++;
    if (low === 1295) {
      this.#low = 0;
      this.#idMembers = this.#membersAt(this.#rowCounter);
    } else this.#low = low + 1;
  }

  /** The members for row `counter`: the `_dlt_id` prefix with all but its last two digits. */
  #membersAt(counter: number): string {
    return counter < 1296 ? this.#members : this.#members + Math.floor(counter / 1296).toString(36);
  }

  /** Writes one row (checked here). */
  writeRow(row: unknown): void {
    if (!isRow(row)) throw new InvalidRowError(this.#resource.name, describeItem(row));
    this.#writeRows([row]);
  }

  /** Writes one yielded item (a row or a page); returns the rows written. */
  writeItem(item: unknown, bound: BoundIncremental<unknown> | undefined): number {
    if (Array.isArray(item)) {
      const page = this.#checkPage(item);
      const rows = bound ? bound.filterPage(page) : page;
      this.#writeRows(rows);
      return rows.length;
    }
    if (!isRow(item)) throw new InvalidRowError(this.#resource.name, describeItem(item));
    const rows = bound ? bound.filterPage([item]) : [item];
    this.#writeRows(rows);
    return rows.length;
  }

  #checkPage(page: unknown[]): Row[] {
    for (let i = 0; i < page.length; i++) {
      if (!isRow(page[i])) throw new InvalidRowError(this.#resource.name, describeItem(page[i]));
    }
    return page as Row[];
  }
}
