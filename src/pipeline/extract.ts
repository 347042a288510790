/**
 * The extract step: runs each resource inside its run context, passes its rows through the
 * incremental filter, infers the schema and writes the rows into the load package. Nothing here
 * touches the committed state: resources write to the run's working copy.
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

/** Hints of a table as the package manifest records them. */
export interface TableHints {
  /** How the table takes rows. */
  writeDisposition: WriteDisposition;
  /** Primary key columns. */
  primaryKey: string[];
  /** The resource that fills it. */
  resource: string;
  /** The source (schema) it belongs to. */
  sourceName: string;
}

/** Everything one extract needs and produces. */
export interface ExtractRun {
  /** The running pipeline. */
  pipeline: Pipeline;
  /** The working copy of the state. */
  state: PipelineState;
  /** The package being written. */
  writer: PackageWriter;
  /** The load id (goes into every row). */
  loadId: string;
  /** Working copies of the schemas, by source name. */
  schemas: Map<string, Schema>;
  /** Tables touched by this extract, with their hints. */
  tables: Map<string, TableHints>;
  /** When the run started. */
  startedAt: Date;
  /** Aborted when the run stops. */
  signal: AbortSignal;
  /** Warnings go here. */
  warn: (message: string) => void;
  /** Called after each item (page or row) a resource yields; used for progress and checkpoints. */
  afterItem?: (resource: string) => void | Promise<void>;
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
  readonly #suffix: string;
  readonly #idPrefix = randomPrefix();
  #rowCounter = 0;
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
    this.#suffix = `"_dlt_load_id":${JSON.stringify(run.loadId)},"_dlt_id":"`;
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

  #table(name: string): TableEntry {
    let entry = this.#tables.get(name);
    if (entry) return entry;
    const resource = this.#resource;
    const known = this.#run.tables.get(name);
    if (
      known && (known.writeDisposition !== resource.writeDisposition ||
        known.sourceName !== this.#sourceName)
    ) {
      throw new ConfigurationError(
        `Give table "${name}" one write disposition and one source: resource "${resource.name}" writes it with "${resource.writeDisposition}" but "${known.resource}" used "${known.writeDisposition}" (source "${known.sourceName}")`,
      );
    }
    const primaryKey = [...resource.primaryKey];
    this.#run.tables.set(name, {
      writeDisposition: resource.writeDisposition,
      primaryKey,
      resource: resource.name,
      sourceName: this.#sourceName,
    });
    const table = ensureTable(this.#schema, name, {
      writeDisposition: resource.writeDisposition,
      primaryKey,
      resource: resource.name,
    });
    entry = {
      sink: this.#run.writer.sink(name),
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
    const line = json.length === 2
      ? `{${this.#suffix}${id}"}`
      : `${json.slice(0, -1)},${this.#suffix}${id}"}`;
    if (keyOf) sink.writeKeyedLine(line, keyOf(row));
    else sink.writeLine(line);
  }

  writeItem(item: unknown, bound: BoundIncremental<unknown> | undefined): void {
    if (Array.isArray(item)) {
      const rows = bound ? bound.filterPage(this.#checkPage(item)) : item;
      for (let i = 0; i < rows.length; i++) this.writeRow(rows[i]);
    } else if (bound) {
      if (!isRow(item)) throw new InvalidRowError(this.#resource.name, describeItem(item));
      const rows = bound.filterPage([item]);
      if (rows.length > 0) this.writeRow(rows[0]);
    } else {
      this.writeRow(item);
    }
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
      primaryKey: resource.primaryKey.length > 0 ? resource.primaryKey : undefined,
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
    if (data instanceof ReadableStream) {
      const reader = data.getReader();
      try {
        while (true) {
          const step = await runInContext(context, () => reader.read());
          if (step.done) break;
          extractor.writeItem(step.value, bound);
          await run.afterItem?.(name);
          if (bound?.canClose) {
            await reader.cancel();
            break;
          }
        }
      } finally {
        reader.releaseLock();
      }
    } else if (data !== null && typeof data === "object" && Symbol.asyncIterator in data) {
      const iterator = runInContext(context, () => data[Symbol.asyncIterator]());
      let finished = false;
      try {
        while (true) {
          const step = await runInContext(context, () => iterator.next());
          if (step.done) {
            finished = true;
            break;
          }
          extractor.writeItem(step.value, bound);
          await run.afterItem?.(name);
          if (bound?.canClose) break;
        }
      } finally {
        if (!finished) await runInContext(context, () => iterator.return?.());
      }
    } else if (data !== null && typeof data === "object" && Symbol.iterator in data) {
      const iterator = runInContext(context, () => data[Symbol.iterator]());
      let finished = false;
      try {
        while (true) {
          const step = runInContext(context, () => iterator.next());
          if (step.done) {
            finished = true;
            break;
          }
          extractor.writeItem(step.value, bound);
          if (run.afterItem) await run.afterItem(name);
          if (bound?.canClose) break;
        }
      } finally {
        if (!finished) runInContext(context, () => iterator.return?.());
      }
    } else {
      throw new ConfigurationError(
        `Return an iterable, an async iterable or a ReadableStream from resource "${name}"`,
      );
    }
  } finally {
    run.signal.removeEventListener("abort", onAbort);
    controller.abort();
  }
}
