/**
 * The extract step: runs each resource inside its run context, passes its rows through the
 * incremental filter, infers the schema and writes the rows into the current load package.
 * Nothing here touches the committed state: resources write to the run's working copy.
 *
 * @module
 */
import { ConfigurationError, InvalidRowError } from "../errors.ts";
import { validateName } from "../storage/names.ts";
import type { PipelineState } from "../state/state_document.ts";
import {
  ensureTable,
  newSchema,
  type Schema,
  TableObserver,
  type WriteDisposition,
} from "../destinations/schema.ts";
import type { BoundIncremental, Incremental } from "../incremental/incremental.ts";
import {
  resourceStateFor,
  type RunContext,
  runInContext,
  sourceStateFor,
  writableSourceState,
} from "./context.ts";
import type { Resource, ResourceContext, Row } from "./resource.ts";
import type { Source } from "./source.ts";
import type { PackageWriter, TableSink } from "./load_package.ts";
import type { Pipeline } from "./pipeline.ts";
import { applyRefresh, type DroppedTable, type RefreshMode } from "./drop.ts";

/** Hints of a table as the package manifest records them. */
export interface TableHints {
  /** How the table takes rows. */
  writeDisposition: WriteDisposition;
  /** Primary key columns. */
  primaryKey: string[];
  /** The resource that fills it (empty when only a refresh or drop touched it). */
  resource: string;
  /** The source (schema) it belongs to. */
  sourceName: string;
  /** The load starts the table over (replace, refresh, drop). */
  reset: boolean;
}

/** The package rows currently go to; replaced after each checkpoint. */
export interface ExtractPackage {
  /** The package writer. */
  writer: PackageWriter;
  /** Its load id (goes into every row). */
  loadId: string;
  /** Tables it touches, with their hints. */
  tables: Map<string, TableHints>;
}

/** Everything one extract needs and produces. */
export interface ExtractRun {
  /** The running pipeline. */
  pipeline: Pipeline;
  /** The working copy of the state. */
  state: PipelineState;
  /** The current package. */
  pkg: ExtractPackage;
  /** Working copies of the schemas, by source name. */
  schemas: Map<string, Schema>;
  /** Tables reset by an earlier (checkpoint) package of this run: not reset again. */
  resetDone: Set<string>;
  /** The refresh mode of this run. */
  refresh?: RefreshMode;
  /** When the run started. */
  startedAt: Date;
  /** Aborted when the run stops. */
  signal: AbortSignal;
  /** Warnings go here. */
  warn: (message: string) => void;
  /**
   * Called when a resource has yielded an item, before the item is written: the state then
   * holds every change the resource made for the items before it (checkpoints commit here).
   */
  beforeItem?: (resource: string) => void | Promise<void>;
  /** Called after an item was written (progress). */
  afterItem?: (resource: string, rows: number) => void;
}

/** Registers `name` in the current package with `hints`, reset once per run at most. */
export function registerTable(
  run: ExtractRun,
  name: string,
  hints: Omit<TableHints, "reset">,
  reset: boolean,
): TableHints {
  const existing = run.pkg.tables.get(name);
  const entry: TableHints = {
    ...hints,
    reset: (existing?.reset ?? false) || (reset && !run.resetDone.has(name)),
  };
  run.pkg.tables.set(name, entry);
  return entry;
}

/** Registers dropped or truncated tables in the current package, to be reset at load. */
export function registerResets(
  run: ExtractRun,
  sourceName: string,
  tables: readonly DroppedTable[],
): void {
  for (const { name, table } of tables) {
    registerTable(run, name, {
      writeDisposition: table.write_disposition,
      primaryKey: table.primary_key ?? [],
      resource: "",
      sourceName,
    }, true);
  }
}

/** Runs every selected resource of `source`, in order. */
export async function extractSource(source: Source, run: ExtractRun): Promise<void> {
  const sources = run.state.sources ??= {};
  const sourceContext: RunContext = {
    pipeline: run.pipeline,
    sourceName: source.name,
    sources,
    readOnly: true,
  };
  const resources = await runInContext(
    sourceContext,
    () => source.resolve({ state: sourceStateFor(sourceContext) }),
  );
  let schema = run.schemas.get(source.name);
  if (schema && run.refresh) {
    // dlt applies a refresh only to sources the pipeline already knows.
    const dropped = applyRefresh(
      run.state,
      source.name,
      schema,
      resources.map((r) => r.name),
      run.refresh,
    );
    registerResets(run, source.name, dropped);
  }
  if (!schema) {
    schema = newSchema(source.name);
    run.schemas.set(source.name, schema);
  }
  for (const resource of resources) {
    await extractResource(resource, source.name, schema, run);
  }
}

function describeItem(item: unknown): string {
  if (item === null) return "null";
  if (typeof item !== "object") return `a ${typeof item} (${String(item).slice(0, 40)})`;
  if (Array.isArray(item)) return "a nested array";
  return `an instance of ${item.constructor?.name ?? "a class"}`;
}

function isRow(item: unknown): item is Row {
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

class ResourceExtractor {
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

function missingIncremental(resourceName: string): never {
  throw new ConfigurationError(
    `Declare options.incremental on resource "${resourceName}" before reading ctx.incremental`,
  );
}

function isSyncIterable(data: unknown): data is Iterable<unknown> {
  return data !== null && typeof data === "object" && !(Symbol.asyncIterator in data) &&
    !(data instanceof ReadableStream) && Symbol.iterator in data;
}

/** Yields the items of an async iterable (a stream included), stepping it inside `context`. */
async function* itemsOf(
  data: unknown,
  context: RunContext,
  resourceName: string,
): AsyncGenerator<unknown, void, undefined> {
  // A ReadableStream is an async iterable too; leaving its loop early cancels it.
  if (data !== null && typeof data === "object" && Symbol.asyncIterator in data) {
    const iterable = data as AsyncIterable<unknown>;
    const iterator = runInContext(context, () => iterable[Symbol.asyncIterator]());
    let finished = false;
    try {
      while (true) {
        const step = await runInContext(context, () => iterator.next());
        if (step.done) {
          finished = true;
          return;
        }
        yield step.value;
      }
    } finally {
      // Closing the generator runs its finally blocks (and return()) inside the context too.
      if (!finished) await runInContext(context, () => iterator.return?.());
    }
  }
  throw new ConfigurationError(
    `Return an iterable, an async iterable or a ReadableStream from resource "${resourceName}"`,
  );
}

async function extractResource(
  resource: Resource<object, unknown>,
  sourceName: string,
  schema: Schema,
  run: ExtractRun,
): Promise<void> {
  const name = resource.name;
  const context: RunContext = {
    pipeline: run.pipeline,
    sourceName,
    sources: run.state.sources!,
    readOnly: false,
    resourceName: name,
    warn: run.warn,
  };
  if (resource.writeDisposition === "replace") {
    // dlt: a replace resource starts every run with empty state, incremental included.
    const resources = run.state.sources![sourceName]?.resources;
    if (resources) delete resources[name];
  }
  let bound: BoundIncremental<unknown> | undefined;
  if (resource.incremental) {
    bound = resource.incremental.bind({
      resourceName: name,
      resourceState: resourceStateFor(context, name),
      // A single key column is passed as a string: dlt hashes `row[pk]`, not `[row[pk]]`.
      primaryKey: resource.primaryKey.length === 0
        ? undefined
        : resource.primaryKey.length === 1
        ? resource.primaryKey[0]
        : resource.primaryKey,
      runStartedAt: run.startedAt,
      warn: run.warn,
    });
    context.incrementals = new Map<Incremental<unknown>, BoundIncremental<unknown>>([
      [resource.incremental, bound],
    ]);
  }
  const extractor = new ResourceExtractor(resource, sourceName, schema, run);
  extractor.registerReplacedTable();
  const controller = new AbortController();
  const onAbort = () => controller.abort(run.signal.reason);
  run.signal.addEventListener("abort", onAbort, { once: true });
  const resourceContext: ResourceContext<object, unknown> = {
    get state() {
      return resourceStateFor(context, name);
    },
    get sourceState() {
      return writableSourceState(context);
    },
    get incremental(): BoundIncremental<unknown> {
      return bound ?? missingIncremental(name);
    },
    signal: controller.signal,
  };
  try {
    let data = runInContext(context, () => resource.call(resourceContext));
    if (data instanceof Promise) data = await data;
    const { beforeItem, afterItem } = run;
    if (isSyncIterable(data)) {
      // Arrays and sync generators: stepped without an await per item (beforeItem aside).
      const iterator = runInContext(context, () => data[Symbol.iterator]());
      const next = () => iterator.next();
      let finished = false;
      try {
        while (true) {
          const step = runInContext(context, next);
          if (step.done) {
            finished = true;
            break;
          }
          if (beforeItem) await beforeItem(name);
          const rows = extractor.writeItem(step.value, bound);
          afterItem?.(name, rows);
          if (bound?.canClose) break;
        }
      } finally {
        if (!finished) runInContext(context, () => iterator.return?.());
      }
      return;
    }
    for await (const item of itemsOf(data, context, name)) {
      if (beforeItem) await beforeItem(name);
      const rows = extractor.writeItem(item, bound);
      afterItem?.(name, rows);
      if (bound?.canClose) break;
    }
  } finally {
    run.signal.removeEventListener("abort", onAbort);
    controller.abort();
  }
}
