import assert from "node:assert/strict";
import { LocalBucket, STALE_TEMP_MS } from "../../src/storage/local_bucket.ts";
import { bucketConformance } from "./bucket_conformance.ts";

bucketConformance("LocalBucket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlt_bucket_" });
  return {
    bucket: new LocalBucket(dir),
    dispose: () => Deno.remove(dir, { recursive: true }),
  };
}, { largeWriteBytes: 11 * 1024 * 1024 + 321 });

async function withBucket(fn: (bucket: LocalBucket, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(new LocalBucket(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("LocalBucket.appendLine() starts a new line after a torn one", async () => {
  await withBucket(async (bucket, dir) => {
    await bucket.appendLine("d/f.jsonl", bytes("one\n"));
    await Deno.writeTextFile(`${dir}/d/f.jsonl`, "tor", { append: true });
    await bucket.appendLine("d/f.jsonl", bytes("two\n"));
    assert.equal(await Deno.readTextFile(`${dir}/d/f.jsonl`), "one\ntor\ntwo\n");
  });
});

Deno.test("LocalBucket.write() replaces files whole, from bytes or a stream", async () => {
  await withBucket(async (bucket) => {
    await bucket.write("a/b.txt", bytes("first"));
    await bucket.write("a/b.txt", ReadableStream.from([bytes("sec"), bytes("ond")]));
    assert.equal(new TextDecoder().decode(await bucket.read("a/b.txt")), "second");
    assert.deepEqual(await bucket.list("a"), [{ name: "b.txt", isDirectory: false }]);
    assert.deepEqual(await bucket.readRange("a/b.txt", 1, 4), bytes("eco"));
    assert.equal(await bucket.size("a/b.txt"), 6);
    assert.equal(await bucket.size("a/none"), undefined);
  });
});

Deno.test("LocalBucket.createIfAbsent() creates once and then refuses", async () => {
  await withBucket(async (bucket) => {
    assert.equal(await bucket.createIfAbsent("x/claim", bytes("1")), true);
    assert.equal(await bucket.createIfAbsent("x/claim", bytes("2")), false);
    assert.equal(new TextDecoder().decode(await bucket.read("x/claim")), "1");
  });
});

for (const path of ["../up", "a/../b", "/abs", "a//b", "a\\b", "a/./b", ""]) {
  Deno.test(`LocalBucket refuses the path ${JSON.stringify(path)}`, async () => {
    await withBucket(async (bucket) => {
      await assert.rejects(bucket.write(path, bytes("x")), TypeError);
    });
  });
}

Deno.test("LocalBucket rejects URLs of other schemes", () => {
  assert.throws(() => new LocalBucket("s3://bucket/path"), /local path or file:\/\//);
  assert.ok(new LocalBucket("file:///tmp/x").root.endsWith("/tmp/x"));
});

Deno.test("LocalBucket removes the temp files of killed writes, not those of writes in progress", async () => {
  await withBucket(async (bucket, dir) => {
    await Deno.mkdir(`${dir}/t`, { recursive: true });
    await Deno.writeTextFile(`${dir}/t/.items.0.jsonl.dead.tmp`, "half");
    await Deno.writeTextFile(`${dir}/t/.items.1.jsonl.live.tmp`, "half");
    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    await Deno.utime(`${dir}/t/.items.0.jsonl.dead.tmp`, old, old);
    await bucket.write("t/items.2.jsonl", bytes("{}\n"));
    const names = [...Deno.readDirSync(`${dir}/t`)].map((entry) => entry.name).sort();
    assert.deepEqual(names, [".items.1.jsonl.live.tmp", "items.2.jsonl"]);
  });
});
