/**
 * Load packages: the rows and state of one extract, staged in the working dir until the
 * destination has them. A package is built under `extracting/<loadId>/` and renamed into
 * `load/<loadId>/` once its files, state snapshot and manifest are on disk, so a run that dies
 * during extract leaves nothing a later run would pick up. Packages under `load/` are pending
 * until loaded.
 *
 * @module
 */
import { join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../storage/atomic_file.ts";
import { StateFileCorruptedError } from "../errors.ts";
import type { PackageToLoad } from "../destinations/dataset_store.ts";
import type { StateRow } from "../destinations/dlt_tables.ts";
import type { Schema, WriteDisposition } from "../destinations/schema.ts";
import { encodeTyped } from "../state/typed_json.ts";
import type { PipelineState } from "../state/state_document.ts";
import { JsonlFileWriter } from "./_jsonl_file_writer.ts";
import { faultPoint } from "./_faults.ts";
import { setOwn } from "../state/own_keys.ts";

/** A new file is started when the current one grows past this many bytes. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** The manifest of a package: written last, its presence marks the package complete. */
export interface PackageManifest {
  /** The load id. */
  load_id: string;
  /** The pipeline. */
  pipeline_name: string;
  /** The default schema (source) name. */
  schema_name: string;
  /** The schema hash at this load. */
  schema_version_hash: string | null;
  /** When the extract was committed. */
  created_at: string;
  /** State version committed by this package. */
  state_version: number;
  /** Tables and their files. */
  tables: {
    name: string;
    write_disposition: WriteDisposition;
    primary_key?: string[];
    /** The load starts the table over (replace, refresh, drop). */
    reset?: boolean;
    files: { name: string; rows: number; bytes: number }[];
    /** For merge tables: the file of the distinct keys of this load, one JSON value a line. */
    keys_file?: string;
    /** For merge tables: line numbers (across the table's files) overwritten later in the load. */
    superseded_lines?: number[];
  }[];
  /** The state row to append, when the state changed. */
  state_row?: StateRow;
  /** Schemas that changed. */
  schemas: Schema[];
  /** Every schema of the pipeline at this load: its version and hash (names the newest files). */
  schema_versions?: Record<string, { version: number; version_hash: string }>;
}

/** Rows of one table flowing into a package. */
export class TableSink {
  /** The table name. */
  readonly name: string;
  /** Rows written. */
  rows = 0;
  readonly #dir: string;
  readonly #files: { name: string; writer: JsonlFileWriter }[] = [];
  #writer: JsonlFileWriter | undefined;
  /** Merge tables: key → line number of its last row in this load. */
  #lastLineOfKey: Map<string, number> | undefined;

  /** A sink writing `<dir>/<name>.<n>.jsonl`. */
  constructor(dir: string, name: string) {
    this.#dir = dir;
    this.name = name;
  }

  /**
   * Writes one row: its JSON without the closing brace, with the `_dlt_*` members appended (see
   * `JsonlFileWriter.writeRow`). Merge tables pass the row's primary key as `key`.
   */
  writeRow(head: string, members: string, end: string, key?: string): void {
    if (key !== undefined) (this.#lastLineOfKey ??= new Map()).set(key, this.rows);
    this.#current().writeRow(head, members, end);
    this.rows++;
  }

  #current(): JsonlFileWriter {
    let writer = this.#writer;
    if (!writer || writer.bytes > MAX_FILE_BYTES) {
      const name = `${this.name}.${this.#files.length}.jsonl`;
      writer = this.#writer = new JsonlFileWriter(join(this.#dir, name));
      this.#files.push({ name, writer });
    }
    return writer;
  }

  /**
   * For merge tables: writes the distinct keys file and returns the lines overwritten by a later
   * row with the same key in this load (the last occurrence wins).
   */
  closeKeys(): { keysFile: string; supersededLines: number[] } | undefined {
    const lastLines = this.#lastLineOfKey;
    if (!lastLines) return undefined;
    const keysFile = `${this.name}.keys.jsonl`;
    const writer = new JsonlFileWriter(join(this.#dir, keysFile));
    const kept = new Uint8Array(this.rows);
    for (const [key, line] of lastLines) {
      writer.writeLine(key);
      kept[line] = 1;
    }
    writer.close();
    const supersededLines: number[] = [];
    if (lastLines.size < this.rows) {
      for (let line = 0; line < this.rows; line++) if (!kept[line]) supersededLines.push(line);
    }
    return { keysFile, supersededLines };
  }

  /** Writes one serialized row. */
  writeLine(line: string): void {
    this.#current().writeLine(line);
    this.rows++;
  }

  /** Flushes and closes the files; returns what the manifest records of them. */
  close(): { name: string; rows: number; bytes: number }[] {
    return this.#files.map(({ name, writer }) => {
      writer.close();
      return { name, rows: writer.lines, bytes: writer.bytes };
    });
  }

  /** Closes the files without flushing. */
  abandon(): void {
    for (const { writer } of this.#files) writer.abandon();
  }
}

/** Builds one package under `extracting/`. */
export class PackageWriter {
  /** The load id. */
  readonly loadId: string;
  readonly #workingDir: string;
  readonly #dir: string;
  readonly #sinks = new Map<string, TableSink>();
  #created = false;

  /** A writer for `loadId` in `workingDir` (the folder is created on first use). */
  constructor(workingDir: string, loadId: string) {
    this.#workingDir = workingDir;
    this.loadId = loadId;
    this.#dir = join(workingDir, "extracting", loadId);
  }

  /** The sink of `table`, created on first use. */
  sink(table: string): TableSink {
    let sink = this.#sinks.get(table);
    if (!sink) {
      if (!this.#created) {
        Deno.mkdirSync(this.#dir, { recursive: true });
        this.#created = true;
      }
      sink = new TableSink(this.#dir, table);
      this.#sinks.set(table, sink);
    }
    return sink;
  }

  /** Row counts by table. */
  rowCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, sink] of this.#sinks) if (sink.rows > 0) setOwn(counts, name, sink.rows);
    return counts;
  }

  /**
   * Closes the files, writes the state snapshot and the manifest, and moves the package to
   * `load/`: from then on it is pending and will be loaded even if this process dies.
   */
  async commit(
    manifest: Omit<PackageManifest, "tables"> & {
      tables: Omit<PackageManifest["tables"][number], "files">[];
    },
    state: PipelineState,
  ): Promise<PackageManifest> {
    await Deno.mkdir(this.#dir, { recursive: true });
    const tables = manifest.tables.map((table) => {
      const sink = this.#sinks.get(table.name);
      const keys = sink?.closeKeys();
      const files = sink?.close() ?? [];
      faultPoint(`package_file:${table.name}`);
      return {
        ...table,
        files,
        ...(keys
          ? {
            keys_file: keys.keysFile,
            ...(keys.supersededLines.length > 0 ? { superseded_lines: keys.supersededLines } : {}),
          }
          : {}),
      };
    });
    const complete: PackageManifest = { ...manifest, tables };
    const encoder = new TextEncoder();
    await writeFileAtomic(
      join(this.#dir, "state.json"),
      encoder.encode(JSON.stringify(encodeTyped(state), null, 1) + "\n"),
    );
    faultPoint("package_file:state.json");
    await writeFileAtomic(
      join(this.#dir, "manifest.json"),
      encoder.encode(JSON.stringify(complete, null, 1) + "\n"),
    );
    faultPoint("package_file:manifest.json");
    const loadDir = join(this.#workingDir, "load");
    await Deno.mkdir(loadDir, { recursive: true });
    await Deno.rename(this.#dir, join(loadDir, this.loadId));
    await fsyncDir(loadDir);
    await fsyncDir(join(this.#workingDir, "extracting"));
    return complete;
  }

  /** Drops everything written. */
  async discard(): Promise<void> {
    for (const sink of this.#sinks.values()) sink.abandon();
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** A package waiting in `load/`. */
export interface PendingPackage {
  /** The load id. */
  loadId: string;
  /** The package folder. */
  dir: string;
  /** Its manifest. */
  manifest: PackageManifest;
}

/**
 * Removes packages left half-built by runs that died during extract, and loaded packages whose
 * deletion a dead run did not finish.
 */
export async function discardUnfinishedPackages(workingDir: string): Promise<void> {
  for (const dir of ["extracting", "trash"]) {
    await Deno.remove(join(workingDir, dir), { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/** The pending packages, and the damage found among them. */
export interface PendingPackages {
  /** Loadable packages, oldest first. */
  packages: PendingPackage[];
  /** The first damaged package's error, when one was found. */
  damaged?: StateFileCorruptedError;
  /** Load ids moved to `quarantine/`. */
  quarantined: string[];
}

/**
 * The pending packages, oldest first. A package whose files do not match its manifest is moved
 * to `quarantine/`, never loaded half-way; so is every later package, because the state each
 * of them carries builds on the damaged one's. With `quarantine: false` nothing is moved (a
 * read-only listing).
 */
export async function listPendingPackages(
  workingDir: string,
  options: { quarantine?: boolean } = {},
): Promise<PendingPackages> {
  const loadDir = join(workingDir, "load");
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(loadDir)) if (entry.isDirectory) ids.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { packages: [], quarantined: [] };
    throw error;
  }
  ids.sort();
  const result: PendingPackages = { packages: [], quarantined: [] };
  for (const loadId of ids) {
    const dir = join(loadDir, loadId);
    if (!result.damaged) {
      try {
        result.packages.push({ loadId, dir, manifest: await readManifest(dir) });
        continue;
      } catch (error) {
        if (!(error instanceof StateFileCorruptedError)) throw error;
        result.damaged = error;
      }
    }
    if (options.quarantine !== false) {
      const quarantine = join(workingDir, "quarantine");
      await Deno.mkdir(quarantine, { recursive: true });
      await Deno.rename(dir, join(quarantine, loadId));
    }
    result.quarantined.push(loadId);
  }
  return result;
}

async function readManifest(dir: string): Promise<PackageManifest> {
  const path = join(dir, "manifest.json");
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new StateFileCorruptedError(
      path,
      (error as Error).message,
      "The package was moved to quarantine/; inspect it or delete it",
    );
  }
  for (const table of manifest.tables ?? []) {
    for (const file of table.files) {
      const stat = await Deno.stat(join(dir, file.name)).catch(() => undefined);
      if (!stat || stat.size !== file.bytes) {
        throw new StateFileCorruptedError(
          join(dir, file.name),
          `expected ${file.bytes} bytes, found ${stat?.size ?? "no file"}`,
          "The package was moved to quarantine/; inspect it or delete it",
        );
      }
    }
  }
  return manifest;
}

/** What the destination needs to load a pending package. */
export function packageToLoad(pending: PendingPackage): PackageToLoad {
  const { manifest, dir } = pending;
  return {
    loadId: manifest.load_id,
    pipelineName: manifest.pipeline_name,
    schemaName: manifest.schema_name,
    schemaVersionHash: manifest.schema_version_hash,
    stateRow: manifest.state_row,
    schemas: manifest.schemas,
    schemaVersions: manifest.schema_versions,
    tables: manifest.tables.map((table) => ({
      name: table.name,
      writeDisposition: table.write_disposition,
      primaryKey: table.primary_key,
      reset: table.reset ?? false,
      files: table.files.map((file) => ({
        rows: file.rows,
        localPath: join(dir, file.name),
        open: async () => (await Deno.open(join(dir, file.name), { read: true })).readable,
      })),
      ...(table.keys_file
        ? {
          keysLocalPath: join(dir, table.keys_file),
          openKeys: async () =>
            (await Deno.open(join(dir, table.keys_file!), { read: true })).readable,
        }
        : {}),
      supersededLines: table.superseded_lines ?? [],
    })),
  };
}

/**
 * Deletes a loaded package. It is first renamed out of `load/` (atomic), so a process killed
 * while deleting its files never leaves a half-deleted package that looks pending and damaged.
 */
export async function removePackage(pending: PendingPackage): Promise<void> {
  const trash = join(pending.dir, "..", "..", "trash");
  await Deno.mkdir(trash, { recursive: true });
  const target = join(trash, `${pending.loadId}.${crypto.randomUUID().slice(0, 8)}`);
  await Deno.rename(pending.dir, target);
  faultPoint("package_trash");
  await Deno.remove(target, { recursive: true });
}
