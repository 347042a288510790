/**
 * The Deno KV side of `KvBucket`: its calls to the database (waiting out a local database file
 * that another process holds locked), and the versions of its files: their chunks, the uploads
 * that stage them, and the garbage records that let killed writes and replaced versions be
 * removed later (the key schema is in `_kv_keys.ts`).
 *
 * @module
 */
import { StorageError, StorageUnavailableError } from "../errors.ts";
import { backoffDelay, type BackoffPolicy, sleep } from "./_backoff.ts";
import {
  CHUNK_BYTES,
  CHUNKS_PER_ATOMIC,
  type FileNode,
  type GarbageValue,
  type KvKeys,
  newVersionId,
} from "./_kv_keys.ts";

/** An upload untouched this long belongs to a write that was killed. */
export const STALE_UPLOAD_MS = 60 * 60 * 1000;

/** Chunks read per round trip. */
export const READ_BATCH = 8;
/** Waiting for a local database file that another process holds locked. */
export const LOCKED_POLICY: BackoffPolicy = { maxAttempts: 60, baseDelayMs: 5, maxDelayMs: 250 };
const LOCKED = /database is locked|database table is locked|SQLITE_BUSY/i;

/** A file version being written: bytes are pushed, full batches of chunks staged. */
export interface Upload {
  /** The new version. */
  readonly id: string;
  /** Bytes pushed so far. */
  size: number;
  /** Full chunks not yet staged. */
  full: Uint8Array[];
  /** The chunk being filled, and how far. */
  tail: Uint8Array;
  tailLength: number;
  /** Chunks already written to the database (under a garbage record). */
  staged: number;
  /** The versionstamp of the garbage record, once chunks are staged. */
  recordStamp: string | null;
}

/** A new, empty upload. */
export function newUpload(): Upload {
  return {
    id: newVersionId(),
    size: 0,
    full: [],
    tail: new Uint8Array(CHUNK_BYTES),
    tailLength: 0,
    staged: 0,
    recordStamp: null,
  };
}

/** The garbage record of a version nothing points at any more. */
export function replacedRecord(file: FileNode): GarbageValue {
  return { state: "replaced", at: Date.now(), chunks: file.chunks ?? 0 };
}

/** The database of one bucket. */
export class KvStore {
  readonly #kv: Deno.Kv;
  readonly #keys: KvKeys;
  readonly #url: string;

  /** The store of the bucket at `url`, whose keys are `keys`. */
  constructor(kv: Deno.Kv, keys: KvKeys, url: string) {
    this.#kv = kv;
    this.#keys = keys;
    this.#url = url;
  }

  /** Runs a KV call, waiting out a local database file that another process holds locked. */
  async call<T>(what: string, call: (kv: Deno.Kv) => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await call(this.#kv);
      } catch (error) {
        if (!LOCKED.test(String((error as Error)?.message))) throw error;
        if (attempt >= LOCKED_POLICY.maxAttempts) {
          throw new StorageUnavailableError(
            this.#url,
            `${what}: the database stayed locked by another process`,
            { cause: error },
          );
        }
        await sleep(backoffDelay(LOCKED_POLICY, attempt));
      }
    }
  }

  /** One entry. */
  async get(key: Deno.KvKey): Promise<Deno.KvEntryMaybe<unknown>> {
    return await this.call("get", (kv) => kv.get(key));
  }

  /** Entries of `keys`, in groups of 10 (Deno KV's most per `getMany`). */
  async getMany(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<unknown>[]> {
    const groups: Promise<Deno.KvEntryMaybe<unknown>[]>[] = [];
    for (let i = 0; i < keys.length; i += 10) {
      const group = keys.slice(i, i + 10);
      groups.push(this.call("getMany", (kv) => kv.getMany(group)));
    }
    return (await Promise.all(groups)).flat();
  }

  /** Every entry `selector` names (listed again from the start if the file was locked). */
  async list<T>(
    selector: Deno.KvListSelector,
    options: Deno.KvListOptions = {},
  ): Promise<Deno.KvEntry<T>[]> {
    return await this.call("list", (kv) => Array.fromAsync(kv.list<T>(selector, options)));
  }

  /** Commits the atomic operation `build` fills. */
  async commit(
    what: string,
    build: (op: Deno.AtomicOperation) => void,
  ): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    return await this.call(what, (kv) => {
      const op = kv.atomic();
      build(op);
      return op.commit();
    });
  }

  /** Chunks `[from, to)` of a version, or `undefined` when any is gone (it was replaced). */
  async readChunks(node: FileNode, from: number, to: number): Promise<Uint8Array[] | undefined> {
    if (from >= to) return [];
    const entries = await this.list<Uint8Array>(
      { start: this.#keys.chunk(node.id, from), end: this.#keys.chunk(node.id, to) },
      { batchSize: READ_BATCH },
    );
    if (entries.length !== to - from) return undefined;
    return entries.every((entry, i) => entry.key.at(-1) === from + i)
      ? entries.map((entry) => entry.value)
      : undefined;
  }

  /** Adds bytes to an upload, staging every full batch of chunks. */
  async push(upload: Upload, bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(CHUNK_BYTES - upload.tailLength, bytes.length - offset);
      upload.tail.set(bytes.subarray(offset, offset + take), upload.tailLength);
      upload.tailLength += take;
      offset += take;
      if (upload.tailLength === CHUNK_BYTES) {
        upload.full.push(upload.tail);
        upload.tail = new Uint8Array(CHUNK_BYTES);
        upload.tailLength = 0;
        if (upload.full.length === CHUNKS_PER_ATOMIC) await this.#stage(upload);
      }
    }
    upload.size += bytes.length;
  }

  /**
   * Writes the full chunks of an upload, with its garbage record, in one atomic operation. The
   * record's versionstamp is checked, so that an upload whose record a sweep took (it looked
   * abandoned) stops here instead of writing on.
   */
  async #stage(upload: Upload): Promise<void> {
    const record: GarbageValue = {
      state: "staging",
      at: Date.now(),
      chunks: upload.staged + upload.full.length,
    };
    const result = await this.commit("stage chunks", (op) => {
      op.check({ key: this.#keys.garbage(upload.id), versionstamp: upload.recordStamp });
      upload.full.forEach((chunk, i) =>
        op.set(this.#keys.chunk(upload.id, upload.staged + i), chunk)
      );
      op.set(this.#keys.garbage(upload.id), record);
    });
    if (!result.ok) throw this.uploadRemoved();
    upload.recordStamp = result.versionstamp;
    upload.staged += upload.full.length;
    upload.full = [];
  }

  /** The error of an upload whose staged chunks a sweep removed. */
  uploadRemoved(): StorageError {
    return new StorageError(
      `Write again to "${this.#url}": the chunks of this write were removed as abandoned (untouched for ${
        STALE_UPLOAD_MS / 60_000
      } minutes)`,
      this.#url,
    );
  }

  /** Removes what an upload staged (it failed or lost); errors are left for a sweep. */
  async discard(upload: Upload): Promise<void> {
    if (upload.staged > 0) await this.removeVersion(upload.id, upload.staged).catch(() => {});
  }

  /** Deletes the chunks of a version nothing points at, then its garbage record. */
  async removeVersion(id: string, chunks: number): Promise<void> {
    const step = this.#keys.deletesPerAtomic;
    for (let from = 0; from < chunks; from += step) {
      await this.commit("remove chunks", (op) => {
        for (let i = from; i < Math.min(chunks, from + step); i++) {
          op.delete(this.#keys.chunk(id, i));
        }
      });
    }
    await this.commit("remove chunks", (op) => op.delete(this.#keys.garbage(id)));
  }

  /**
   * Removes the chunks of replaced versions whose removal was cut short, and of uploads untouched
   * for {@linkcode STALE_UPLOAD_MS} (a write that was killed). An abandoned upload is first
   * marked replaced, with its record's versionstamp checked, so that a write still going on stops
   * at its next step instead of pointing a node at chunks that are being removed. Best effort:
   * garbage only costs space, and the next sweep tries again.
   */
  async sweep(): Promise<void> {
    try {
      const records = await this.list<GarbageValue>({ prefix: this.#keys.garbageRecords() });
      for (const entry of records) {
        const id = entry.key.at(-1) as string;
        const record = entry.value;
        if (record?.state === "staging") {
          if (Date.now() - record.at < STALE_UPLOAD_MS) continue;
          const claimed = await this.commit(
            "sweep",
            (op) => op.check(entry).set(entry.key, { ...record, state: "replaced" }),
          );
          if (!claimed.ok) continue;
        } else if (record?.state !== "replaced") continue;
        await this.removeVersion(id, record.chunks);
      }
    } catch {
      // Left for the next sweep.
    }
  }
}

/** The first `size` bytes of `parts`, in a buffer of their own. */
export function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1 && parts[0].length === size && size === parts[0].buffer.byteLength) {
    return parts[0];
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part.subarray(0, size - offset), offset);
    offset += part.length;
    if (offset >= size) break;
  }
  return out;
}
