/**
 * The local-folder implementation of {@linkcode Bucket}: atomic writes by temp file, fsync and
 * rename; appends with fdatasync.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bucket, BucketEntry, BucketListOptions } from "./bucket.ts";
import { bucketPathSegments, compareNames } from "./bucket.ts";
import { ConfigurationError } from "../errors.ts";
import { fsyncDir, writeFileAtomic } from "./atomic_file.ts";

/** A temp file untouched this long belongs to a write that was killed. */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/** A {@linkcode Bucket} over a folder of the local file system. */
export class LocalBucket implements Bucket {
  /** The URL or path the bucket was opened with. */
  readonly url: string;
  /** The absolute folder. */
  readonly root: string;

  /** Opens the folder at `bucketUrl` (a path or a `file://` URL); nothing is created yet. */
  constructor(bucketUrl: string) {
    this.url = bucketUrl;
    if (bucketUrl.startsWith("file://")) {
      this.root = fileURLToPath(bucketUrl);
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bucketUrl)) {
      throw new ConfigurationError(
        `Use a local path or file:// URL as bucketUrl: ${
          JSON.stringify(bucketUrl)
        } has a scheme this destination cannot write`,
      );
    } else {
      this.root = resolve(bucketUrl);
    }
  }

  #path(path: string): string {
    return join(this.root, ...bucketPathSegments(path));
  }

  async list(dir: string, options: BucketListOptions = {}): Promise<BucketEntry[]> {
    const entries: BucketEntry[] = [];
    const after = options.startAfter;
    const prefix = options.prefix;
    try {
      for await (const entry of Deno.readDir(dir === "" ? this.root : this.#path(dir))) {
        if (entry.name.endsWith(".tmp")) continue;
        if (after !== undefined && entry.name <= after) continue;
        if (prefix !== undefined && !entry.name.startsWith(prefix)) continue;
        entries.push({ name: entry.name, isDirectory: entry.isDirectory });
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return entries.sort((a, b) => compareNames(a.name, b.name));
  }

  async size(path: string): Promise<number | undefined> {
    try {
      return (await Deno.stat(this.#path(path))).size;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(this.#path(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    using file = await Deno.open(this.#path(path), { read: true });
    await file.seek(start, Deno.SeekMode.Start);
    const buffer = new Uint8Array(Math.max(0, end - start));
    let filled = 0;
    while (filled < buffer.length) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  }

  async readStream(path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    try {
      const file = await Deno.open(this.#path(path), { read: true });
      return file.readable;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  async write(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void> {
    await this.#sweepTempFiles(join(this.#path(path), ".."));
    await writeFileAtomic(this.#path(path), data);
  }

  /**
   * Hard-links `localFile` (already fsynced) into place under a temp name and renames it over
   * `path`; copies it where a link is impossible (another file system). Atomic either way.
   */
  async writeFromLocalFile(path: string, localFile: string): Promise<void> {
    const target = this.#path(path);
    await this.#ensureParent(target);
    const dir = join(target, "..");
    await this.#sweepTempFiles(dir);
    const temp = join(dir, `.${crypto.randomUUID().slice(0, 8)}.tmp`);
    try {
      try {
        await Deno.link(localFile, temp);
      } catch {
        await Deno.copyFile(localFile, temp);
        using copy = await Deno.open(temp, { read: true, write: true });
        await copy.sync();
      }
      await Deno.rename(temp, target);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    await fsyncDir(dir);
  }

  async appendLine(path: string, line: Uint8Array): Promise<void> {
    const target = this.#path(path);
    const created = await this.#ensureParent(target);
    using file = await Deno.open(target, { read: true, append: true, create: true });
    const size = (await file.stat()).size;
    let bytes = line;
    if (size > 0) {
      await file.seek(size - 1, Deno.SeekMode.Start);
      const last = new Uint8Array(1);
      await file.read(last);
      if (last[0] !== 0x0a) {
        bytes = new Uint8Array(line.length + 1);
        bytes[0] = 0x0a;
        bytes.set(line, 1);
      }
    }
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.syncData();
    if (size === 0 || created) await fsyncDir(join(target, ".."));
  }

  /**
   * Writes `data` to a temp file, fsyncs it and hard-links it into place: the link fails when a
   * file is there, and a process killed at any moment leaves the whole file or none (never an
   * empty or torn one that would hold the path for good).
   */
  async createIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const target = this.#path(path);
    await this.#ensureParent(target);
    const dir = join(target, "..");
    const temp = join(dir, `.${crypto.randomUUID().slice(0, 8)}.tmp`);
    try {
      const file = await Deno.open(temp, { write: true, createNew: true });
      try {
        let written = 0;
        while (written < data.length) written += await file.write(data.subarray(written));
        await file.sync();
      } finally {
        file.close();
      }
      try {
        await Deno.link(temp, target);
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) return false;
        throw error;
      }
    } finally {
      await Deno.remove(temp).catch(() => {});
    }
    await fsyncDir(dir);
    return true;
  }

  async delete(path: string): Promise<void> {
    try {
      await Deno.remove(this.#path(path));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  async deleteDir(path: string): Promise<void> {
    try {
      await Deno.remove(this.#path(path), { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  readonly #swept = new Set<string>();

  /**
   * Removes the temp files that writes killed half-way left in `dir` (older than
   * {@linkcode STALE_TEMP_MS}, so that no write in progress loses its file), once per folder and
   * bucket object: the first write into a folder cleans it.
   */
  async #sweepTempFiles(dir: string): Promise<void> {
    if (this.#swept.has(dir)) return;
    this.#swept.add(dir);
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isFile || !entry.name.startsWith(".") || !entry.name.endsWith(".tmp")) continue;
        const path = join(dir, entry.name);
        const mtime = (await Deno.stat(path)).mtime?.getTime() ?? Date.now();
        if (Date.now() - mtime > STALE_TEMP_MS) await Deno.remove(path).catch(() => {});
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /** Creates the parent folder of `target`; returns true when it had to. */
  async #ensureParent(target: string): Promise<boolean> {
    const parent = join(target, "..");
    try {
      await Deno.stat(parent);
      return false;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.mkdir(parent, { recursive: true });
    return true;
  }
}
