/**
 * The storage interface a destination talks to. It knows bytes and paths, not tables or state,
 * so that a local folder and an S3-compatible bucket can stand behind the same destination.
 *
 * Paths are relative, `/`-separated and never contain `.` or `..` segments.
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
 * A place that holds files: a local folder today, an object store tomorrow.
 *
 * @example Appending lines through a destination's bucket
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const destination = dlt.destinations.filesystem({ bucketUrl: await Deno.makeTempDir() });
 * const bucket: dlt.Bucket = destination.bucket;
 * const encoder = new TextEncoder();
 * await bucket.appendLine("events.jsonl", encoder.encode('{"id":1}\n'));
 * await bucket.appendLine("events.jsonl", encoder.encode('{"id":2}\n'));
 * const text = new TextDecoder().decode(await bucket.read("events.jsonl"));
 * console.log(text.split("\n").length - 1, await bucket.size("missing.jsonl")); // 2 undefined
 * ```
 */
export interface Bucket {
  /** Where the bucket is, as given by the user (for messages and the working dir record). */
  readonly url: string;
  /** The entries directly under `dir`; `[]` when `dir` does not exist. */
  list(dir: string): Promise<BucketEntry[]>;
  /** The size of a file in bytes, or `undefined` when it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** A whole file, or `undefined` when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Bytes `[start, end)` of a file. */
  readRange(path: string, start: number, end: number): Promise<Uint8Array>;
  /** A file as a stream, or `undefined` when it does not exist. */
  readStream(path: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Writes a whole file atomically: a reader sees the old file or the new one, never a part. */
  write(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void>;
  /**
   * Optional: writes a whole file atomically from a durable file of the local file system (a
   * load package's), faster than streaming it (a local bucket links or copies it).
   */
  writeFromLocalFile?(path: string, localFile: string): Promise<void>;
  /**
   * Appends one line (`line` ends with `\n`) durably. When the file does not end with a newline (a
   * torn line left by a crash) a newline is written first, so the torn line stays a line of its own.
   */
  appendLine(path: string, line: Uint8Array): Promise<void>;
  /** Creates a file only if it does not exist; returns false when it existed. */
  createIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /** Deletes a file; a missing file is not an error. */
  delete(path: string): Promise<void>;
  /** Deletes a folder and everything under it; a missing folder is not an error. */
  deleteDir(path: string): Promise<void>;
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
