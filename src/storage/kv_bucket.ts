/**
 * The Deno KV implementation of {@linkcode Bucket}: a pipeline's files in a Deno KV database,
 * so that a Deno Deploy app keeps its state and rows in the database Deploy gives it, with no
 * account anywhere else. It only uses the `Deno.Kv` it is given and never opens one: importing
 * it needs no `--unstable-kv`.
 *
 * The keys, under the bucket's prefix `P` (the schema, with the values, is written in
 * `_kv_keys.ts`):
 *
 * - `[...P, "n", folder, name]`: a node, one entry of a folder (`""` is the root): a folder, a
 *   small file's bytes, or the version id and chunk count of a larger file;
 * - `[...P, "c", id, i]`: chunk `i` of version `id`;
 * - `[...P, "g", id]`: the garbage record of a version being uploaded or replaced.
 *
 * How the promises of the interface are kept within Deno KV's limits (values of at most 64 KiB;
 * atomic operations of at most 800 KiB, 1000 mutations and 100 checks; keys of at most 2 KiB):
 *
 * - **Files are split into 64 KiB chunks** under a version id of their own, and a file's node
 *   points at its version. Files of at most 4 KiB live in their node. A file of up to 11
 *   chunks is written in one atomic operation; a larger one is staged, 11 chunks per operation,
 *   under a garbage record, then made visible by one small operation that points the node at it. A reader reads the node, then the chunks of the version
 *   it names, so it sees the old file or the new one; a replaced version's chunks are removed
 *   after the switch, and a reader that finds them gone reads the node again (a stream that had
 *   already sent bytes of the old version fails instead of mixing).
 * - **A write killed half-way leaves garbage, never a file:** its chunks are listed by a garbage
 *   record that no node points at. The first write of a bucket object removes the records of
 *   replaced versions, and those of uploads untouched for {@linkcode STALE_UPLOAD_MS}.
 * - **`createIfAbsent`** is an atomic operation that checks that the node does not exist; after
 *   an error that leaves it unknown whether the operation was applied, the node is read back and
 *   its version id compared with this call's.
 * - **Folders are nodes too**, created by the first write under them (checked, not rewritten, by
 *   the writes after it): listing a folder is one range of keys holding exactly its entries, in
 *   pages of `listBatchSize`. Like a local folder, a folder stays when its last file is deleted.
 * - **Paths longer than a key allows** (2048 bytes, the prefix included) or deeper than 32
 *   segments are refused with a `RangeError`; paths that are not well-formed Unicode with a
 *   `TypeError`.
 * - A local database file shared by processes may be locked for a moment: KV calls that fail with
 *   "database is locked" are retried with backoff.
 *
 * @module
 */
import type { Bucket, BucketEntry, BucketListOptions } from "./bucket.ts";
import { compareNames } from "./bucket.ts";
import { kvTarget, type Target } from "./_kv_paths.ts";
import { ConfigurationError, StorageError, StorageUnavailableError } from "../errors.ts";
import { backoffDelay, sleep } from "./_backoff.ts";
import {
  concat,
  KvStore,
  LOCKED_POLICY,
  newUpload,
  READ_BATCH,
  replacedRecord,
  type Upload,
} from "./_kv_store.ts";
import {
  afterPrefix,
  asFile,
  beforeHighCharacters,
  CHUNK_BYTES,
  compareKvStrings,
  type FileNode,
  type GarbageValue,
  INLINE_BYTES,
  isFolder,
  keyBytes,
  KvKeys,
  MAX_PREFIX_BYTES,
  prefixUrl,
} from "./_kv_keys.ts";

export { STALE_UPLOAD_MS } from "./_kv_store.ts";

/** Nodes removed per atomic operation by `deleteDir` (each is checked: at most 100 checks). */
const NODES_PER_DELETE = 50;
/** Attempts of a write whose checks keep failing (other writers, folders being removed). */
const MAX_COMMIT_ATTEMPTS = 50;
/** Reads of a file that keeps being replaced while it is read. */
const MAX_READ_ATTEMPTS = 5;

/**
 * Options of {@linkcode KvBucket}.
 *
 * @example A bucket under a key prefix of its own, beside the app's other data
 * ```ts
 * import { KvBucket, type KvBucketOptions } from "./kv_bucket.ts";
 *
 * const options: KvBucketOptions = { prefix: ["pipelines", "crm"], listBatchSize: 200 };
 * // The database is only used by the bucket's methods; here the construction alone.
 * const bucket = new KvBucket({} as Deno.Kv, options);
 * console.log(bucket.url); // kv://pipelines/crm
 * ```
 */
export interface KvBucketOptions {
  /**
   * The key every key of the bucket starts with, so that one database holds the app's other
   * data (and other buckets) beside it. At most 512 bytes as a key.
   * @default ["dlt"]
   */
  prefix?: Deno.KvKey;
  /**
   * Entries asked for per round trip when listing a folder (Deno KV answers at most 1000).
   * @default 500
   */
  listBatchSize?: number;
}

/**
 * A {@linkcode Bucket} over a Deno KV database: pass it as the `bucket` of the filesystem
 * destination (the `dlt/kv` entry point's `kvDestination` does both). It uses the database only
 * when its methods are called, and never closes it.
 *
 * @example A bucket over a database (construction only: nothing is read or written yet)
 * ```ts
 * import { KvBucket } from "./kv_bucket.ts";
 *
 * // Where Deno KV is available: new KvBucket(await Deno.openKv())
 * const bucket = new KvBucket({} as Deno.Kv);
 * console.log(bucket.url, bucket.prefix); // kv://dlt [ "dlt" ]
 * ```
 */
export class KvBucket implements Bucket {
  /** `kv://` and the prefix, for messages and the working dir record. */
  readonly url: string;
  /** The key every key of the bucket starts with. */
  readonly prefix: Deno.KvKey;
  readonly #store: KvStore;
  readonly #keys: KvKeys;
  readonly #listBatchSize: number;
  /** Folders known to exist: path → versionstamp of their node (checked by the next writes). */
  readonly #folders = new Map<string, string>();
  #swept = false;

  /**
   * A bucket over `kv` under `options.prefix`. Throws {@linkcode ConfigurationError} when `kv`
   * is not a database and `RangeError` for a prefix or batch size out of range.
   */
  constructor(kv: Deno.Kv, options: KvBucketOptions = {}) {
    if (kv === null || typeof kv !== "object") {
      throw new ConfigurationError(
        "Pass an open Deno.Kv to the KV bucket: kvBucket(await Deno.openKv()) (outside Deno Deploy, run with --unstable-kv)",
      );
    }
    const prefix = options.prefix ?? ["dlt"];
    if (!Array.isArray(prefix) || prefix.length === 0) {
      throw new RangeError(`Pass a non-empty key as prefix: got ${JSON.stringify(prefix)}`);
    }
    if (keyBytes(prefix) > MAX_PREFIX_BYTES) {
      throw new RangeError(
        `Use a shorter prefix: it takes ${
          keyBytes(prefix)
        } bytes of a key, at most ${MAX_PREFIX_BYTES} are left to it`,
      );
    }
    const batch = options.listBatchSize ?? 500;
    if (!Number.isInteger(batch) || batch < 1 || batch > 1000) {
      throw new RangeError(`Pass a listBatchSize from 1 to 1000 (Deno KV's most): got ${batch}`);
    }
    this.prefix = Object.freeze([...prefix]);
    this.#keys = new KvKeys(this.prefix);
    this.#listBatchSize = batch;
    this.url = prefixUrl(this.prefix);
    this.#store = new KvStore(kv, this.#keys, this.url);
  }

  #target(path: string): Target {
    return kvTarget(this.#keys, this.url, path);
  }

  async #node(path: string): Promise<FileNode | undefined> {
    return asFile((await this.#store.get(this.#target(path).key)).value);
  }

  async list(dir: string, options: BucketListOptions = {}): Promise<BucketEntry[]> {
    const base = this.#keys.folder(dir === "" ? "" : this.#target(dir).path);
    const after = options.startAfter;
    const namePrefix = options.prefix ?? "";
    let start: string | undefined;
    if (after !== undefined && after !== "") {
      const cut = beforeHighCharacters(after);
      start = cut === after ? `${after}\0` : cut;
    }
    const head = beforeHighCharacters(namePrefix);
    const end = afterPrefix(head);
    if (head !== "" && (start === undefined || compareKvStrings(head, start) > 0)) start = head;
    if (start !== undefined && end !== undefined && compareKvStrings(start, end) >= 0) return [];
    const selector: Deno.KvListSelector = end !== undefined
      ? { start: [...base, start ?? ""], end: [...base, end] }
      : start !== undefined
      ? { prefix: base, start: [...base, start] }
      : { prefix: base };
    return await this.#store.call("list", async (kv) => {
      const entries: BucketEntry[] = [];
      for await (const entry of kv.list(selector, { batchSize: this.#listBatchSize })) {
        const name = entry.key[base.length] as string;
        if (after !== undefined && name <= after) continue;
        if (!name.startsWith(namePrefix)) continue;
        entries.push({ name, isDirectory: isFolder(entry.value) });
      }
      return entries.sort((a, b) => compareNames(a.name, b.name));
    });
  }

  async size(path: string): Promise<number | undefined> {
    return (await this.#node(path))?.size;
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    for (let attempt = 1; attempt <= MAX_READ_ATTEMPTS; attempt++) {
      const node = await this.#node(path);
      if (node === undefined) return undefined;
      if (node.data !== undefined) return node.data;
      const chunks = await this.#store.readChunks(node, 0, node.chunks!);
      if (chunks !== undefined) return concat(chunks, node.size);
    }
    throw this.#keptChanging(path);
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0) {
      throw new RangeError(`Pass non-negative integer offsets to readRange: got ${start}, ${end}`);
    }
    for (let attempt = 1; attempt <= MAX_READ_ATTEMPTS; attempt++) {
      const node = await this.#node(path);
      if (node === undefined) {
        throw new Deno.errors.NotFound(
          `Cannot read a range of "${path}" in "${this.url}": the file does not exist`,
        );
      }
      const stop = Math.min(end, node.size);
      if (stop <= start) return new Uint8Array(0);
      if (node.data !== undefined) return node.data.slice(start, stop);
      const first = Math.floor(start / CHUNK_BYTES);
      const chunks = await this.#store.readChunks(node, first, Math.ceil(stop / CHUNK_BYTES));
      if (chunks === undefined) continue;
      const offset = first * CHUNK_BYTES;
      return concat(chunks, chunks.reduce((n, c) => n + c.length, 0))
        .slice(start - offset, stop - offset);
    }
    throw this.#keptChanging(path);
  }

  async readStream(path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    let node = await this.#node(path);
    if (node === undefined) return undefined;
    if (node.data !== undefined) return ReadableStream.from([node.data]);
    let next = 0;
    let restarts = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (true) {
          if (next >= node!.chunks!) return controller.close();
          const to = Math.min(node!.chunks!, next + READ_BATCH);
          const chunks = await this.#store.readChunks(node!, next, to);
          if (chunks !== undefined) {
            for (const chunk of chunks) controller.enqueue(chunk);
            next = to;
            return;
          }
          // The version was replaced: start over on the new one if nothing was sent yet.
          const now = await this.#node(path);
          if (next > 0 || now === undefined || ++restarts > MAX_READ_ATTEMPTS) {
            return controller.error(
              new StorageError(
                `Read "${path}" of "${this.url}" again: it was replaced or deleted while it was being streamed`,
                this.url,
              ),
            );
          }
          node = now;
          if (node.data !== undefined) {
            controller.enqueue(node.data);
            return controller.close();
          }
        }
      },
    });
  }

  #keptChanging(path: string): StorageError {
    return new StorageError(
      `Read "${path}" of "${this.url}" again later: it was replaced ${MAX_READ_ATTEMPTS} times while being read`,
      this.url,
    );
  }

  async write(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void> {
    const target = this.#target(path);
    await this.#sweepOnce();
    const upload = newUpload();
    try {
      if (data instanceof Uint8Array) await this.#store.push(upload, data);
      else for await (const piece of data) await this.#store.push(upload, piece);
    } catch (error) {
      await this.#store.discard(upload);
      throw error;
    }
    await this.#put(target, upload, false);
  }

  async createIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const target = this.#target(path);
    await this.#sweepOnce();
    const upload = newUpload();
    try {
      await this.#store.push(upload, data);
    } catch (error) {
      await this.#store.discard(upload);
      throw error;
    }
    return await this.#put(target, upload, true);
  }

  /**
   * Makes an upload the file at `target`: one atomic operation that checks the node (absent, for
   * `createIfAbsent`) and the folders above it, creates the missing folders, writes the last
   * chunks and the node, drops the upload's garbage record and records the replaced version as
   * garbage. Retried while other writers change what it checks. Returns false when `onlyIfAbsent`
   * and a file (or folder) is there.
   */
  async #put(target: Target, upload: Upload, onlyIfAbsent: boolean): Promise<boolean> {
    // A copy, not a view: a value holding a view would be stored with its whole buffer.
    const last = upload.tailLength > 0
      ? [...upload.full, upload.tail.slice(0, upload.tailLength)]
      : upload.full;
    const node: FileNode = upload.staged === 0 && upload.size <= INLINE_BYTES
      ? { id: upload.id, size: upload.size, data: concat(last, upload.size) }
      : { id: upload.id, size: upload.size, chunks: upload.staged + last.length };
    const record = this.#keys.garbage(upload.id);
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const unknown = target.folders.filter((folder) => !this.#folders.has(folder.path));
      const [current, ...rest] = await this.#store.getMany([
        target.key,
        ...unknown.map((folder) => folder.key),
        ...(upload.staged > 0 ? [record] : []),
      ]);
      if (isFolder(current.value)) {
        await this.#store.discard(upload);
        if (onlyIfAbsent) return false;
        throw new Deno.errors.IsADirectory(
          `Cannot write "${target.path}" in "${this.url}": it is a folder`,
        );
      }
      if (onlyIfAbsent && current.versionstamp !== null) {
        await this.#store.discard(upload);
        return false;
      }
      const missing: Deno.KvKey[] = [];
      for (const [i, folder] of unknown.entries()) {
        const entry = rest[i];
        if (entry.versionstamp === null) missing.push(folder.key);
        else if (isFolder(entry.value)) this.#folders.set(folder.path, entry.versionstamp);
        else {
          await this.#store.discard(upload);
          throw new Deno.errors.NotADirectory(
            `Cannot write "${target.path}" in "${this.url}": "${folder.path}" is a file`,
          );
        }
      }
      if (upload.staged > 0 && rest.at(-1)?.versionstamp !== upload.recordStamp) {
        throw this.#store.uploadRemoved();
      }
      const replaced = asFile(current.value);
      const build = (op: Deno.AtomicOperation) => {
        op.check(current);
        for (const folder of target.folders) {
          const stamp = this.#folders.get(folder.path);
          if (stamp !== undefined) op.check({ key: folder.key, versionstamp: stamp });
        }
        for (const key of missing) op.check({ key, versionstamp: null }).set(key, { dir: true });
        if (upload.staged > 0) {
          op.check({ key: record, versionstamp: upload.recordStamp }).delete(record);
        }
        if (node.chunks !== undefined) {
          last.forEach((chunk, i) => op.set(this.#keys.chunk(upload.id, upload.staged + i), chunk));
        }
        op.set(target.key, node);
        if (replaced?.chunks !== undefined) {
          const garbage: GarbageValue = {
            state: "replaced",
            at: Date.now(),
            chunks: replaced.chunks,
          };
          op.set(this.#keys.garbage(replaced.id), garbage);
        }
      };
      let result: Deno.KvCommitResult | Deno.KvCommitError;
      try {
        result = await this.#store.commit("write", build);
      } catch (error) {
        // Unknown whether it was applied (a remote database's answer was lost): read it back.
        const now = await this.#store.get(target.key);
        for (const folder of target.folders) this.#folders.delete(folder.path);
        if (asFile(now.value)?.id !== upload.id) {
          // Another caller's file is there: this one lost the claim, whatever became of it.
          if (onlyIfAbsent && now.versionstamp !== null) {
            await this.#store.discard(upload);
            return false;
          }
          throw error;
        }
        result = { ok: true, versionstamp: "" };
      }
      if (result.ok) {
        if (result.versionstamp !== "") {
          for (const folder of target.folders) {
            if (!this.#folders.has(folder.path)) {
              this.#folders.set(folder.path, result.versionstamp);
            }
          }
        }
        if (replaced?.chunks !== undefined) {
          await this.#store.removeVersion(replaced.id, replaced.chunks).catch(() => {});
        }
        return true;
      }
      for (const folder of target.folders) this.#folders.delete(folder.path);
      if (attempt > 3) await sleep(backoffDelay(LOCKED_POLICY, attempt - 3));
    }
    await this.#store.discard(upload);
    throw new StorageUnavailableError(
      this.url,
      `"${target.path}" kept changing while it was written (${MAX_COMMIT_ATTEMPTS} attempts)`,
    );
  }

  async delete(path: string): Promise<void> {
    const target = this.#target(path);
    await this.#sweepOnce();
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const current = await this.#store.get(target.key);
      const file = asFile(current.value);
      if (file === undefined) return;
      const result = await this.#store.commit("delete", (op) => {
        op.check(current).delete(target.key);
        if (file.chunks !== undefined) op.set(this.#keys.garbage(file.id), replacedRecord(file));
      });
      if (result.ok) {
        if (file.chunks !== undefined) {
          await this.#store.removeVersion(file.id, file.chunks).catch(() => {});
        }
        return;
      }
    }
    throw new StorageUnavailableError(this.url, `"${path}" kept changing while it was deleted`);
  }

  /**
   * Removes every node under the folder (its own entries, then those of the folders below it),
   * a checked batch at a time, then the folder's node. A write racing with it into the same
   * folder may survive it, as with a local folder.
   */
  async deleteDir(path: string): Promise<void> {
    const target = this.#target(path);
    await this.#sweepOnce();
    const ranges: Deno.KvListSelector[] = [
      { prefix: this.#keys.folder(path) },
      { start: this.#keys.folder(`${path}/`), end: this.#keys.folder(`${path}0`) },
    ];
    for (const selector of ranges) {
      while (true) {
        const batch = await this.#store.list(selector, { limit: NODES_PER_DELETE });
        if (batch.length === 0) break;
        const files = batch.map((entry) => asFile(entry.value)).filter((file) =>
          file?.chunks !== undefined
        );
        const result = await this.#store.commit("deleteDir", (op) => {
          for (const entry of batch) op.check(entry).delete(entry.key);
          for (const file of files) op.set(this.#keys.garbage(file!.id), replacedRecord(file!));
        });
        if (!result.ok) continue;
        for (const file of files) {
          await this.#store.removeVersion(file!.id, file!.chunks!).catch(() => {});
        }
      }
    }
    const own = await this.#store.get(target.key);
    if (isFolder(own.value)) {
      await this.#store.commit("deleteDir", (op) => op.check(own).delete(target.key));
    }
    for (const folder of [...this.#folders.keys()]) {
      if (folder === path || folder.startsWith(`${path}/`)) this.#folders.delete(folder);
    }
  }

  /** Once per bucket object, before its first write: removes garbage (see `KvStore.sweep`). */
  async #sweepOnce(): Promise<void> {
    if (this.#swept) return;
    this.#swept = true;
    await this.#store.sweep();
  }
}
