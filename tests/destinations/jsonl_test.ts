import assert from "node:assert/strict";
import { LocalBucket } from "../../src/storage/local_bucket.ts";
import { readLinesBackward, readRowsForward } from "../../src/destinations/jsonl.ts";

async function withBucket(fn: (bucket: LocalBucket, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(new LocalBucket(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readLinesBackward() yields every line from the last, whatever the chunk size", async () => {
  await withBucket(async (bucket, dir) => {
    const lines = Array.from({ length: 200 }, (_, i) => `{"i":${i},"pad":"${"é".repeat(i % 37)}"}`);
    await Deno.writeTextFile(`${dir}/f.jsonl`, lines.join("\n") + "\n");
    for (const chunk of [2, 7, 64, 1000, 1 << 20]) {
      const read = await Array.fromAsync(readLinesBackward(bucket, "f.jsonl", chunk));
      assert.deepEqual(read, [...lines].reverse(), `chunk size ${chunk}`);
    }
  });
});

Deno.test("readLinesBackward() skips a torn last line and empty lines", async () => {
  await withBucket(async (bucket, dir) => {
    await Deno.writeTextFile(`${dir}/f.jsonl`, 'a\n\nb\n{"torn":');
    for (const chunk of [1, 3, 100]) {
      assert.deepEqual(await Array.fromAsync(readLinesBackward(bucket, "f.jsonl", chunk)), [
        "b",
        "a",
      ]);
    }
    await Deno.writeTextFile(`${dir}/g.jsonl`, "only torn");
    assert.deepEqual(await Array.fromAsync(readLinesBackward(bucket, "g.jsonl", 2)), []);
    assert.deepEqual(await Array.fromAsync(readLinesBackward(bucket, "missing.jsonl")), []);
  });
});

Deno.test("readRowsForward() parses rows and drops a torn last line", async () => {
  await withBucket(async (bucket, dir) => {
    await Deno.writeTextFile(`${dir}/f.jsonl`, '{"a":1}\n{"a":2}\n{"a":');
    assert.deepEqual(await Array.fromAsync(readRowsForward(bucket, "f.jsonl")), [{ a: 1 }, {
      a: 2,
    }]);
  });
});

Deno.test("readRowsForward() fails with a SyntaxError naming the line of a damaged row", async () => {
  await withBucket(async (bucket, dir) => {
    await Deno.writeTextFile(`${dir}/f.jsonl`, '{"a":1}\nnot json\n{"a":3}\n');
    await assert.rejects(Array.fromAsync(readRowsForward(bucket, "f.jsonl")), (error: unknown) => {
      assert.ok(error instanceof SyntaxError);
      assert.match(error.message, /line 2 /);
      return true;
    });
    assert.deepEqual(
      await Array.fromAsync(readRowsForward(bucket, "f.jsonl", { skipInvalid: true })),
      [{ a: 1 }, { a: 3 }],
    );
  });
});
