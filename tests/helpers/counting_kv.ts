/**
 * A Deno KV handle that counts what goes through it: the reads and writes a Deploy app's
 * database is billed for, as the cold-start tests and `bench/kv_cost.ts` measure them.
 */

/** What went through a {@linkcode countingKv} since its last reset. */
export interface KvCounts {
  /** `get`, `getMany` and `list` calls. */
  readCalls: number;
  /** Entries read: one per `get`, one per key of `getMany`, one per entry a `list` returned. */
  keysRead: number;
  /** Bytes of the values read (about: a value's bytes and strings, 8 per number). */
  bytesRead: number;
  /** Atomic operations committed (`commit` calls). */
  commits: number;
  /** Keys set or deleted by them. */
  keysWritten: number;
  /** Bytes of the values set (about, as `bytesRead`). */
  bytesWritten: number;
}

/** A handle on `kv` that counts, and its counts. */
export interface CountingKv {
  /** Use it where the real handle would go. */
  kv: Deno.Kv;
  /** The counts so far. */
  counts: KvCounts;
  /** Sets every count to 0. */
  reset(): void;
}

/** About how many bytes `value` takes. */
export function valueBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === "string") return value.length;
  if (typeof value === "number" || typeof value === "bigint") return 8;
  if (value === null || typeof value !== "object") return 1;
  let total = 0;
  for (const [key, inner] of Object.entries(value)) total += key.length + valueBytes(inner);
  return total;
}

function zero(): KvCounts {
  return { readCalls: 0, keysRead: 0, bytesRead: 0, commits: 0, keysWritten: 0, bytesWritten: 0 };
}

/** Wraps `kv`: the methods a bucket uses (`get`, `getMany`, `list`, `atomic`) count. */
export function countingKv(kv: Deno.Kv): CountingKv {
  const counting: CountingKv = {
    counts: zero(),
    reset: () => Object.assign(counting.counts, zero()),
    kv: undefined as unknown as Deno.Kv,
  };
  const counts = counting.counts;
  const read = (entry: Deno.KvEntryMaybe<unknown>) => {
    counts.keysRead++;
    counts.bytesRead += entry.versionstamp === null ? 0 : valueBytes(entry.value);
  };
  const wrapper = {
    async get(key: Deno.KvKey, options?: { consistency?: Deno.KvConsistencyLevel }) {
      counts.readCalls++;
      const entry = await kv.get(key, options);
      read(entry);
      return entry;
    },
    async getMany(keys: Deno.KvKey[], options?: { consistency?: Deno.KvConsistencyLevel }) {
      counts.readCalls++;
      const entries = await kv.getMany(keys, options);
      entries.forEach(read);
      return entries;
    },
    list(selector: Deno.KvListSelector, options?: Deno.KvListOptions) {
      counts.readCalls++;
      const inner = kv.list(selector, options);
      return (async function* () {
        for await (const entry of inner) {
          read(entry);
          yield entry;
        }
      })();
    },
    atomic() {
      const op = kv.atomic();
      const counted = {
        check(...checks: Deno.AtomicCheck[]) {
          op.check(...checks);
          return counted;
        },
        set(key: Deno.KvKey, value: unknown, options?: { expireIn?: number }) {
          counts.keysWritten++;
          counts.bytesWritten += valueBytes(value);
          op.set(key, value, options);
          return counted;
        },
        delete(key: Deno.KvKey) {
          counts.keysWritten++;
          op.delete(key);
          return counted;
        },
        commit() {
          counts.commits++;
          return op.commit();
        },
      };
      return counted;
    },
  };
  counting.kv = wrapper as unknown as Deno.Kv;
  return counting;
}
