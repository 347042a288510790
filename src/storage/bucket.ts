/**
 * The storage interface a destination talks to. It knows bytes and paths, not tables or state,
 * so that a local folder, an S3-compatible bucket and a Deno KV database can stand behind the
 * same destination. Every implementation passes one conformance suite
 * (`tests/storage/bucket_conformance.ts`); what it must promise is written on each method.
 *
 * Paths are relative, `/`-separated, and never contain empty, `.` or `..` segments; every method
 * throws `TypeError` for any other path (see {@linkcode bucketPathSegments}).
 *
 * "Not found" is never an error: `read`, `size` and `readStream` return `undefined`, `list`
 * returns `[]`, `delete` and `deleteDir` do nothing. Only `readRange` of a missing file throws
 * (`Deno.errors.NotFound`), because a caller asks for a range of a file it has seen.
 *
 * @module
 */

/**
 * One entry of {@linkcode Bucket.list}.
 *
 * @example Listing a folder of a bucket
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const bucket = dlt.destinations.filesystem({ bucketUrl: await Deno.makeTempDir() }).bucket;
 * await bucket.write("notes/a.txt", new TextEncoder().encode("hello"));
 * const entries: dlt.BucketEntry[] = await bucket.list("notes");
 * console.log(entries.map((entry) => `${entry.name} ${entry.isDirectory}`)); // [ "a.txt false" ]
 * ```
 */
export interface BucketEntry {
  /** The entry's name (one path segment). */
  name: string;
  /** True for a folder (a common prefix in an object store). */
  isDirectory: boolean;
}

/**
 * Options of {@linkcode Bucket.list}.
 *
 * @example Listing only the names after a known one
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const bucket = dlt.destinations.filesystem({ bucketUrl: await Deno.makeTempDir() }).bucket;
 * for (const name of ["001", "002", "003"]) await bucket.write(`v/${name}`, new Uint8Array(0));
 * const options: dlt.BucketListOptions = { startAfter: "001" };
 * console.log((await bucket.list("v", options)).map((entry) => entry.name)); // [ "002", "003" ]
 * const twos: dlt.BucketListOptions = { prefix: "00", startAfter: "002" };
 * console.log((await bucket.list("v", twos)).map((entry) => entry.name)); // [ "003" ]
 * ```
 */
export interface BucketListOptions {
  /** Only entries whose name sorts after this one (an object store lists from there). */
  startAfter?: string;
  /** Only entries whose name starts with this (an object store lists only those). */
  prefix?: string;
}

/**
 * A place that holds files: a local folder, an S3-compatible bucket, a Deno KV database.
 *
 * @example Writing, listing and reading through a destination's bucket
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const destination = dlt.destinations.filesystem({ bucketUrl: await Deno.makeTempDir() });
 * const bucket: dlt.Bucket = destination.bucket;
 * const encoder = new TextEncoder();
 * await bucket.write("events/1.jsonl", encoder.encode('{"id":1}\n'));
 * console.log(await bucket.createIfAbsent("claims/1", encoder.encode("mine"))); // true
 * console.log(await bucket.createIfAbsent("claims/1", encoder.encode("yours"))); // false
 * const text = new TextDecoder().decode(await bucket.read("events/1.jsonl"));
 * console.log(text.trim(), await bucket.size("missing.jsonl")); // {"id":1} undefined
 * ```
 */
export interface Bucket {
  /** Where the bucket is, for messages and the working dir record. Never holds a secret. */
  readonly url: string;
  /**
   * The entries directly under `dir` (`""` is the root), sorted by name in ascending code unit
   * order, each name once (a folder and a file of the same name cannot both exist). `[]` when
   * `dir` does not exist. Files being written (temp files, unfinished uploads) are never listed.
   */
  list(dir: string, options?: BucketListOptions): Promise<BucketEntry[]>;
  /** The size of a file in bytes, or `undefined` when it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** A whole file, or `undefined` when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /**
   * Bytes `[start, end)` of a file (fewer when the file is shorter). Throws
   * `Deno.errors.NotFound` when the file does not exist.
   */
  readRange(path: string, start: number, end: number): Promise<Uint8Array>;
  /** A file as a stream, or `undefined` when it does not exist. */
  readStream(path: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /**
   * Writes a whole file, replacing any file at `path`. Atomic: a reader sees the old file or the
   * new one, never a part, and a write that fails (or whose stream errors) leaves the old file,
   * or no file, in place. Durable once the promise resolves.
   */
  write(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void>;
  /**
   * Creates a file only if no file is at `path`: true when this call created it, false when a
   * file was already there (which is left as it was). Atomic across processes and machines: of
   * callers racing for one path, exactly one gets true. Callers pass data unique to them (a load
   * id), so that an implementation that must retry after an ambiguous failure can tell its own
   * earlier write from another's by reading the file back.
   */
  createIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /** Deletes a file; a missing file is not an error. */
  delete(path: string): Promise<void>;
  /** Deletes a folder and everything under it; a missing folder is not an error. */
  deleteDir(path: string): Promise<void>;
  /**
   * Optional, offered only where appends are durable and cheap (a local folder): appends one
   * line (`line` ends with `\n`). When the file does not end with a newline (a torn line left by
   * a crash) a newline is written first, so the torn line stays a line of its own. Buckets
   * without it get the object layout, where every file is written once.
   */
  appendLine?(path: string, line: Uint8Array): Promise<void>;
  /**
   * Optional fast path: writes a whole file, as {@linkcode Bucket.write} does, from a durable file
   * of the local file system (a load package's); a local bucket links or copies it.
   */
  writeFromLocalFile?(path: string, localFile: string): Promise<void>;
}

/** Splits a bucket path into safe segments; throws `TypeError` on `..`, `.`, empty or absolute paths. */
export function bucketPathSegments(path: string): string[] {
  const segments = path.split("/");
  for (const segment of segments) {
    if (
      segment === "" || segment === "." || segment === ".." ||
      segment.includes("\\") || segment.includes("\0")
    ) {
      throw new TypeError(
        `Use a relative bucket path without "." or ".." segments: got ${JSON.stringify(path)}`,
      );
    }
  }
  return segments;
}

/** Compares names as {@linkcode Bucket.list} sorts them (code unit order). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
