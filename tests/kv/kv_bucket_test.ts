import assert from "node:assert/strict";
import { KvBucket, STALE_UPLOAD_MS } from "../../src/storage/kv_bucket.ts";
import { bucketConformance } from "../storage/bucket_conformance.ts";
import { KV_AVAILABLE, kvTest, TempKv } from "../helpers/kv.ts";
import { countingKv } from "../helpers/counting_kv.ts";
import { spawnFixture } from "../helpers/child.ts";
import { ConfigurationError, StorageError } from "../../src/errors.ts";

bucketConformance("KvBucket", async () => {
  const temp = await TempKv.create();
  return {
    bucket: new KvBucket(temp.kv, { listBatchSize: 7 }),
    dispose: () => temp[Symbol.asyncDispose](),
  };
}, { largeWriteBytes: 3 * 1024 * 1024 + 12_345, manyEntries: 25, ignore: !KV_AVAILABLE });

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);
const MiB = 1024 * 1024;

/** A fresh database and a bucket over it, for one test. */
async function withBucket(
  fn: (bucket: KvBucket, temp: TempKv) => Promise<void>,
  options: ConstructorParameters<typeof KvBucket>[1] = {},
) {
  await using temp = await TempKv.create();
  await fn(new KvBucket(temp.kv, options), temp);
}

/** Every key under `[...prefix, part]`, with its value. */
async function keysUnder(kv: Deno.Kv, part: string, prefix: Deno.KvKey = ["dlt"]) {
  return await Array.fromAsync(kv.list({ prefix: [...prefix, part] }));
}

function filled(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array): boolean {
  if (actual === undefined || actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return false;
  return true;
}

kvTest(
  "KvBucket stores a large file as 64 KiB chunks and removes the old ones when it is replaced",
  async () => {
    await withBucket(async (bucket, temp) => {
      const first = filled(3 * MiB + 5, 1);
      await bucket.write("t/f", first);
      const chunks = await keysUnder(temp.kv, "c");
      assert.equal(chunks.length, Math.ceil(first.length / (64 * 1024)));
      for (const entry of chunks) assert.ok((entry.value as Uint8Array).length <= 64 * 1024);
      assert.deepEqual(await keysUnder(temp.kv, "g"), [], "no garbage record once committed");
      await bucket.write("t/f", bytes("small now"));
      assert.deepEqual(await keysUnder(temp.kv, "c"), [], "the replaced version's chunks");
      assert.deepEqual(await keysUnder(temp.kv, "g"), []);
      assert.equal(new TextDecoder().decode(await bucket.read("t/f")), "small now");
      await bucket.write("t/f", first);
      await bucket.delete("t/f");
      assert.deepEqual(await keysUnder(temp.kv, "c"), [], "a deleted file's chunks");
    });
  },
);

kvTest(
  "KvBucket writes and removes a file of more chunks than one atomic operation may delete",
  async () => {
    await withBucket(async (bucket, temp) => {
      const size = 1_050 * 64 * 1024 + 17;
      await bucket.write("huge/f", ReadableStream.from([filled(size, 3)]));
      assert.equal(await bucket.size("huge/f"), size);
      const tail = await bucket.readRange("huge/f", size - 100, size + 100);
      assert.ok(sameBytes(tail, filled(size, 3).subarray(size - 100)));
      await bucket.deleteDir("huge");
      assert.deepEqual(await keysUnder(temp.kv, "c"), []);
      assert.deepEqual(await keysUnder(temp.kv, "n"), []);
    });
  },
);

kvTest(
  "KvBucket refuses a path longer than a Deno KV key with a RangeError that says so",
  async () => {
    await withBucket(async (bucket) => {
      // ["dlt", "n", "d", name]: each string part takes 2 bytes more than its UTF-8.
      const longest = `d/${"x".repeat(2048 - 5 - 3 - 3 - 2)}`;
      await bucket.write(longest, bytes("fits"));
      assert.equal(await bucket.size(longest), 4);
      const tooLong = `${longest}y`;
      await assert.rejects(bucket.write(tooLong, bytes("x")), RangeError);
      await assert.rejects(bucket.read(tooLong), /takes 2049 bytes as a Deno KV key.*at most 2048/);
      await assert.rejects(bucket.createIfAbsent(tooLong, bytes("x")), RangeError);
      await assert.rejects(bucket.list(tooLong), RangeError);
    });
  },
);

kvTest(
  "KvBucket refuses paths deeper than 32 segments and paths that are not well-formed Unicode",
  async () => {
    await withBucket(async (bucket) => {
      const deep = Array.from({ length: 33 }, (_, i) => `s${i}`).join("/");
      await assert.rejects(bucket.write(deep, bytes("x")), /at most 32 segments/);
      await bucket.write(deep.slice(0, deep.lastIndexOf("/")), bytes("32 is fine"));
      await assert.rejects(bucket.write("a/\uD800b", bytes("x")), TypeError);
      await assert.rejects(bucket.read("\uDC00"), /well-formed Unicode/);
    });
  },
);

kvTest("KvBucket refuses a write under a file, and a file where a folder is", async () => {
  await withBucket(async (bucket) => {
    await bucket.write("a/file", bytes("x"));
    await assert.rejects(bucket.write("a/file/inner", bytes("y")), Deno.errors.NotADirectory);
    await assert.rejects(bucket.write("a", bytes("y")), Deno.errors.IsADirectory);
    assert.equal(await bucket.createIfAbsent("a", bytes("y")), false);
    assert.deepEqual(await bucket.list(""), [{ name: "a", isDirectory: true }]);
  });
});

kvTest("KvBucket lists a folder from its own entries, however many files lie deeper", async () => {
  await withBucket(async (_bucket, temp) => {
    const counting = countingKv(temp.kv);
    const bucket = new KvBucket(counting.kv);
    for (let i = 0; i < 300; i++) await bucket.write(`ds/table/${i}.jsonl`, bytes(`${i}\n`));
    await bucket.write("ds/init", bytes("{}"));
    counting.reset();
    assert.deepEqual(await bucket.list("ds"), [
      { name: "init", isDirectory: false },
      { name: "table", isDirectory: true },
    ]);
    assert.equal(counting.counts.keysRead, 2);
    assert.equal(counting.counts.readCalls, 1);
  });
});

kvTest(
  "KvBucket: a reader of a file being replaced sees the old or the new one whole",
  async () => {
    await withBucket(async (bucket) => {
      const versions = [filled(MiB + 3, 1), filled(MiB / 2 + 7, 2), filled(4000, 3)];
      await bucket.write("r/f", versions[0]);
      let done = false;
      const writer = (async () => {
        for (let i = 1; i <= 30; i++) await bucket.write("r/f", versions[i % 3]);
        done = true;
      })();
      let reads = 0;
      while (!done) {
        const seen = await bucket.read("r/f");
        assert.ok(
          versions.some((version) => sameBytes(seen, version)),
          `read ${reads} mixed versions`,
        );
        const range = await bucket.readRange("r/f", 1000, 3000);
        assert.ok(versions.some((version) => sameBytes(range, version.subarray(1000, 3000))));
        reads++;
      }
      await writer;
      assert.ok(reads > 0);
    });
  },
);

kvTest(
  "KvBucket: a stream of a file replaced while it is read fails instead of mixing versions",
  async () => {
    await withBucket(async (bucket) => {
      const old = filled(2 * MiB, 1);
      await bucket.write("s/f", old);
      const stream = await bucket.readStream("s/f");
      assert.ok(stream);
      const reader = stream.getReader();
      const first = await reader.read();
      assert.ok(sameBytes(first.value, old.subarray(0, 64 * 1024)));
      await bucket.write("s/f", filled(2 * MiB, 2));
      await assert.rejects(
        (async () => {
          while (!(await reader.read()).done) { /* drain */ }
        })(),
        (error) => error instanceof StorageError && /replaced or deleted while/.test(error.message),
      );
    });
  },
);

/** A stream that sends `before` bytes, then waits for `resume()` before sending `after`. */
function pausedStream(before: number, after: number) {
  let resume!: () => void;
  const resumed = new Promise<void>((resolve) => resume = resolve);
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => reached = resolve);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === before) {
        reached();
        await resumed;
      }
      if (sent >= before + after) return controller.close();
      controller.enqueue(new Uint8Array(256 * 1024).fill(sent / (256 * 1024)));
      sent += 256 * 1024;
    },
  }, { highWaterMark: 0 });
  return { stream, paused, resume };
}

kvTest(
  "KvBucket: a write killed half-way is never visible, and a later bucket removes its chunks once stale",
  async () => {
    await using temp = await TempKv.create();
    const child = spawnFixture("kv_killed_write", [temp.path], {}, {
      denoFlags: ["--unstable-kv"],
    });
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("staged")) {
      const { done, value } = await lines.read();
      if (done) break;
      out += value;
    }
    child.kill("SIGKILL");
    await lines.cancel();
    await child.status;
    await child.stderr.cancel();
    assert.match(out, /staged/);
    const bucket = new KvBucket(temp.kv);
    assert.equal(await bucket.read("big/file"), undefined);
    assert.deepEqual(await bucket.list("big"), []);
    const [record] = await keysUnder(temp.kv, "g");
    assert.equal((record.value as { state: string }).state, "staging");
    assert.ok((await keysUnder(temp.kv, "c")).length >= 11);
    // Fresh: a later bucket leaves it (the write could still be going on).
    await new KvBucket(temp.kv).write("other", bytes("x"));
    assert.equal((await keysUnder(temp.kv, "g")).length, 1);
    // Untouched for longer than STALE_UPLOAD_MS: removed by the next bucket's first write.
    await temp.kv.set(record.key, {
      ...(record.value as object),
      at: Date.now() - STALE_UPLOAD_MS - 1,
    });
    await new KvBucket(temp.kv).write("other", bytes("y"));
    assert.deepEqual(await keysUnder(temp.kv, "g"), []);
    assert.deepEqual(await keysUnder(temp.kv, "c"), []);
  },
);

kvTest(
  "KvBucket: an upload going on keeps its chunks; one whose chunks were swept fails without a file",
  async () => {
    await withBucket(async (bucket, temp) => {
      const live = pausedStream(MiB, MiB);
      const writing = bucket.write("live/f", live.stream);
      await live.paused;
      await new KvBucket(temp.kv).write("x", bytes("sweeps"));
      live.resume();
      await writing;
      assert.equal(await bucket.size("live/f"), 2 * MiB);

      const abandoned = pausedStream(MiB, MiB);
      const failing = bucket.write("gone/f", abandoned.stream);
      await abandoned.paused;
      const [record] = await keysUnder(temp.kv, "g");
      await temp.kv.set(record.key, { ...(record.value as object), at: 0 });
      await new KvBucket(temp.kv).write("x", bytes("sweeps"));
      assert.deepEqual(await keysUnder(temp.kv, "g"), []);
      abandoned.resume();
      await assert.rejects(failing, /removed as abandoned/);
      assert.equal(await bucket.read("gone/f"), undefined);
    });
  },
);

kvTest(
  "KvBucket.createIfAbsent() on two handles of one database gives true to exactly one caller",
  async () => {
    await using temp = await TempKv.create();
    const second = await temp.open();
    try {
      for (let round = 0; round < 3; round++) {
        const buckets = [new KvBucket(temp.kv), new KvBucket(second)];
        const results = await Promise.all(
          Array.from(
            { length: 10 },
            (_, i) => buckets[i % 2].createIfAbsent(`claims/${round}/v`, bytes(`caller ${i}`)),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results}`);
      }
    } finally {
      second.close();
    }
  },
);

kvTest(
  "KvBucket names its prefix in url and refuses what is not a database or too long a prefix",
  () => {
    const kv = {} as Deno.Kv;
    assert.equal(new KvBucket(kv, { prefix: ["apps", "crm", 2] }).url, "kv://apps/crm/2");
    assert.throws(() => new KvBucket(undefined as unknown as Deno.Kv), ConfigurationError);
    assert.throws(() => new KvBucket(kv, { prefix: [] }), RangeError);
    assert.throws(() => new KvBucket(kv, { prefix: ["x".repeat(600)] }), /shorter prefix/);
    assert.throws(() => new KvBucket(kv, { listBatchSize: 1001 }), RangeError);
  },
);

/**
 * `kv`, whose first commit throws, after committing (`"applied"`) or instead (`"lost"`), once
 * `meanwhile` (another caller's write) is done.
 */
function answerLostOnce(
  kv: Deno.Kv,
  how: "applied" | "lost",
  meanwhile: () => Promise<unknown> = async () => {},
): Deno.Kv {
  let armed = true;
  return new Proxy(kv, {
    get(target, key) {
      if (key !== "atomic") return Reflect.get(target, key).bind(target);
      return () => {
        const op = target.atomic();
        const commit = op.commit.bind(op);
        op.commit = async () => {
          if (!armed) return await commit();
          armed = false;
          await meanwhile();
          if (how === "applied") await commit();
          throw new TypeError("error sending request: connection reset");
        };
        return op;
      };
    },
  });
}

kvTest(
  "KvBucket.createIfAbsent() after an answer that was lost tells its own write from another's",
  async () => {
    await withBucket(async (_bucket, temp) => {
      const open = (how: "applied" | "lost", meanwhile?: () => Promise<unknown>) =>
        new KvBucket(answerLostOnce(temp.kv, how, meanwhile));
      const text = async (path: string) =>
        new TextDecoder().decode(await new KvBucket(temp.kv).read(path));
      assert.equal(await open("applied").createIfAbsent("c/a", bytes("mine")), true);
      assert.equal(await text("c/a"), "mine");
      const theirs = () => new KvBucket(temp.kv).createIfAbsent("c/b", bytes("theirs"));
      assert.equal(await open("lost", theirs).createIfAbsent("c/b", bytes("mine")), false);
      assert.equal(await text("c/b"), "theirs");
      await assert.rejects(
        open("lost").createIfAbsent("c/none", bytes("mine")),
        /connection reset/,
      );
    });
  },
);
