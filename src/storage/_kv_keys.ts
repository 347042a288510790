/**
 * The key schema of `KvBucket` (`kv_bucket.ts`) and Deno KV's limits, kept apart from the bucket's
 * logic. Under the bucket's prefix `P` (default `["dlt"]`):
 *
 * | key | value |
 * |---|---|
 * | `[...P, "n", parent, name]` | a node: one entry of folder `parent` (`""` is the root, else the folder's path, `a/b`): `{ dir: true }` for a folder, `{ id, size, data }` for a file of at most {@linkcode INLINE_BYTES} (its bytes inline), `{ id, size, chunks }` for a larger one |
 * | `[...P, "c", id, i]` | chunk `i` (from 0) of the file version `id`: {@linkcode CHUNK_BYTES} bytes, the last one shorter |
 * | `[...P, "g", id]` | a version whose chunks may be garbage: `{ state: "staging", at, chunks }` while a large file is uploaded (removed by the commit that points a node at it), `{ state: "replaced", at, chunks }` once no node points at it (removed with its chunks) |
 *
 * Every version has an `id` of its own, so a node switches from one version to the next in one
 * atomic operation and readers of either never see a mix. A folder is a node too, so listing a
 * folder is one range of keys holding exactly its entries, however many files lie deeper.
 *
 * @module
 */
/** Deno KV's largest value; files are split into chunks of this size. */
export const CHUNK_BYTES = 64 * 1024;
/** Files up to this size live in their node: one read, no chunk. */
export const INLINE_BYTES = 4 * 1024;
/** Chunks per atomic operation: 11 × 64 KiB stays under its 800 KiB, keys and node included. */
export const CHUNKS_PER_ATOMIC = 11;
/** Deno KV's largest key, in bytes of its encoding. */
export const MAX_KEY_BYTES = 2048;
/** The largest prefix this bucket takes, so that paths keep most of a key. */
export const MAX_PREFIX_BYTES = 512;
/**
 * The deepest path: a write checks every folder above its file in its atomic operation, and one
 * operation takes at most 100 checks.
 */
export const MAX_DEPTH = 32;
/** Keys of chunks deleted per atomic operation: under its 1000 mutations and 80 KiB of keys. */
export const MAX_DELETES_PER_ATOMIC = 900;
const MAX_KEY_BYTES_PER_ATOMIC = 60 * 1024;

/** What a node holds. */
export type NodeValue = FolderNode | FileNode;

/** A folder's node. */
export interface FolderNode {
  /** Always true. */
  dir: true;
}

/** A file's node: the version it points at. */
export interface FileNode {
  /** The version: unique to each write. */
  id: string;
  /** Bytes in all. */
  size: number;
  /** The bytes, for a file of at most {@linkcode INLINE_BYTES}. */
  data?: Uint8Array;
  /** How many chunks, for a larger file. */
  chunks?: number;
}

/** A version whose chunks may be garbage. */
export interface GarbageValue {
  /** `"staging"` while its upload runs; `"replaced"` once nothing points at it. */
  state: "staging" | "replaced";
  /** When the record was last written (`Date.now()`). */
  at: number;
  /** How many chunks of it may exist. */
  chunks: number;
}

/** The keys of one bucket. */
export class KvKeys {
  readonly #prefix: Deno.KvKey;
  readonly #chunkKeyBytes: number;

  /** The keys under `prefix`. */
  constructor(prefix: Deno.KvKey) {
    this.#prefix = prefix;
    this.#chunkKeyBytes = keyBytes([...prefix, "c", newVersionId(), Number.MAX_SAFE_INTEGER]);
  }

  /** The node of entry `name` of folder `parent`. */
  node(parent: string, name: string): Deno.KvKey {
    return [...this.#prefix, "n", parent, name];
  }

  /** The prefix of the nodes of folder `parent`. */
  folder(parent: string): Deno.KvKey {
    return [...this.#prefix, "n", parent];
  }

  /** Chunk `index` of version `id`. */
  chunk(id: string, index: number): Deno.KvKey {
    return [...this.#prefix, "c", id, index];
  }

  /** The garbage record of version `id`. */
  garbage(id: string): Deno.KvKey {
    return [...this.#prefix, "g", id];
  }

  /** The prefix of every garbage record. */
  garbageRecords(): Deno.KvKey {
    return [...this.#prefix, "g"];
  }

  /** Chunk keys one atomic operation may delete. */
  get deletesPerAtomic(): number {
    return Math.max(
      1,
      Math.min(MAX_DELETES_PER_ATOMIC, Math.floor(MAX_KEY_BYTES_PER_ATOMIC / this.#chunkKeyBytes)),
    );
  }
}

/** A fresh version id: 64 random bits in hex. */
export function newVersionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const encoder = new TextEncoder();

/** The size of `key` in Deno KV's encoding (the tuple layer's), as its limits count it. */
export function keyBytes(key: Deno.KvKey): number {
  let total = 0;
  for (const part of key) {
    if (typeof part === "string" || part instanceof Uint8Array) {
      const bytes = typeof part === "string" ? encoder.encode(part) : part;
      // A type byte, the bytes with each 0x00 escaped as 0x00 0xFF, a terminating 0x00.
      total += 2 + bytes.length + bytes.filter((byte) => byte === 0).length;
    } else if (typeof part === "number") total += 9;
    else if (typeof part === "bigint") {
      const magnitude = part < 0n ? -part : part;
      total += 2 + Math.ceil(magnitude.toString(16).length / 2);
    } else total += 1;
  }
  return total;
}

/**
 * The longest head of `text` before its first character from U+D800 on. Deno KV orders strings
 * by UTF-8 bytes (code points), the bucket interface by UTF-16 code units; the two orders agree
 * on every comparison that does not reach such a character, so a bound cut there keeps every
 * name the interface wants, and the rest are filtered out after listing.
 */
export function beforeHighCharacters(text: string): string {
  const cut = text.search(/[\uD800-\uFFFF]/);
  return cut === -1 ? text : text.slice(0, cut);
}

/**
 * The smallest string above every string that starts with `prefix` (which has no character from
 * U+D800 on), in Deno KV's order; `undefined` for `""`.
 */
export function afterPrefix(prefix: string): string | undefined {
  if (prefix === "") return undefined;
  const last = prefix.codePointAt(prefix.length - 1)!;
  const next = last + 1 === 0xD800 ? 0xE000 : last + 1;
  return prefix.slice(0, -1) + String.fromCodePoint(next);
}

/** Compares two strings as Deno KV orders them (UTF-8 bytes). */
export function compareKvStrings(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The file node in `value`, or `undefined` for a folder or anything else. */
export function asFile(value: unknown): FileNode | undefined {
  const node = value as FileNode | null;
  if (node === null || typeof node !== "object" || typeof node.id !== "string") return undefined;
  if (typeof node.size !== "number") return undefined;
  return node.data instanceof Uint8Array || typeof node.chunks === "number" ? node : undefined;
}

/** Whether `value` is a folder's node. */
export function isFolder(value: unknown): value is FolderNode {
  return (value as FolderNode | null)?.dir === true;
}

/** The bucket URL of a prefix: `kv://dlt`, `kv://apps/crm`. */
export function prefixUrl(prefix: Deno.KvKey): string {
  return `kv://${
    prefix.map((part) =>
      part instanceof Uint8Array
        ? Array.from(part, (byte) => byte.toString(16).padStart(2, "0")).join("")
        : encodeURIComponent(String(part))
    ).join("/")
  }`;
}
