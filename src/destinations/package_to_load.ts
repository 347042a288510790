/**
 * What the destination needs to load one package: its tables, their files, the state row and the
 * schemas. The pipeline builds it from a package of its working dir; the destination never looks
 * into the working dir itself.
 *
 * @module
 */
import type { StateRow } from "./dlt_tables.ts";
import type { Schema, WriteDisposition } from "./schema.ts";

/** One file of a table in a load package. */
export interface PackageFile {
  /** Rows in the file. */
  rows: number;
  /** Opens the file's bytes (JSONL, one row a line). */
  open(): Promise<ReadableStream<Uint8Array>>;
  /** The file on the local file system, when it is one (lets a local bucket link it). */
  localPath?: string;
}

/** One table of a load package. */
export interface PackageTable {
  /** The table name. */
  name: string;
  /** How the table takes the rows. */
  writeDisposition: WriteDisposition;
  /** The primary key, for merge. */
  primaryKey?: string[];
  /**
   * The load starts the table over: rows of earlier loads are no longer visible (replace
   * dispositions, refresh and drop).
   */
  reset?: boolean;
  /** The files, in order. */
  files: PackageFile[];
  /** Merge tables: opens the distinct keys of the load (one JSON value a line). */
  openKeys?: () => Promise<ReadableStream<Uint8Array>>;
  /** Merge tables: the keys file on the local file system, when it is one. */
  keysLocalPath?: string;
  /** Merge tables: line numbers (across the files) that a later row of the load overwrites. */
  supersededLines?: readonly number[];
}

/** What the destination needs to load one package. */
export interface PackageToLoad {
  /** The load id. */
  loadId: string;
  /** The pipeline that made it. */
  pipelineName: string;
  /** The default schema (source) name of the load. */
  schemaName: string;
  /** The hash of that schema at this load. */
  schemaVersionHash: string | null;
  /** The tables. */
  tables: PackageTable[];
  /** The state row, when the state changed. */
  stateRow?: StateRow;
  /** Schemas that changed in this load. */
  schemas: Schema[];
  /** Every schema of the pipeline at this load, by name: its version and hash. */
  schemaVersions?: Record<string, { version: number; version_hash: string }>;
}
