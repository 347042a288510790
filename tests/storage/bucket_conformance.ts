/**
 * The conformance suite of {@linkcode Bucket}: every promise written in `src/storage/bucket.ts`,
 * as Deno tests registered for any implementation. A test file calls {@linkcode bucketConformance}
 * with a factory that opens a fresh, empty bucket for each test.
 */
import assert from "node:assert/strict";
import type { Bucket, BucketEntry } from "../../src/storage/bucket.ts";
import { compareNames } from "../../src/storage/bucket.ts";

/** A fresh, empty bucket for one test, and how to clean it up. */
export interface OpenedBucket {
  /** The bucket under test. */
  bucket: Bucket;
  /** Removes what the test left (a temp dir); optional. */
  dispose?: () => Promise<void>;
}

/** Options of {@linkcode bucketConformance}. */
export interface BucketConformanceOptions {
  /**
   * Bytes of the large streamed writes: make it larger than twice an S3 bucket's part size, so
   * that they take the multipart path and end with a short last part.
   */
  largeWriteBytes: number;
  /** How many files the listing-across-pages test writes (more than one listing page). */
  manyEntries?: number;
  /** Registers the tests as ignored (the implementation cannot run in this process). */
  ignore?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);
const text = (data: Uint8Array | undefined) =>
  data === undefined ? undefined : decoder.decode(data);

/** Deterministic bytes where every position differs from its neighbours' parts. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** `data` as a stream of chunks of uneven sizes. */
function chunked(data: Uint8Array, chunk = 1_000_003): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= data.length) return controller.close();
      const size = Math.min(chunk - (offset % 7), data.length - offset);
      controller.enqueue(data.slice(offset, offset + size));
      offset += size;
    },
  }, { highWaterMark: 0 });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function names(entries: BucketEntry[]): string[] {
  return entries.map((entry) => entry.name);
}

function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array, what: string) {
  assert.ok(actual !== undefined, `${what}: missing`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: first difference at byte ${i}`);
  }
}

const BAD_PATHS = ["../up", "a/../b", "/abs", "a//b", "a\\b", "a/./b", "a/", ".", "..", "a\0b"];

/**
 * Registers the conformance tests of a {@linkcode Bucket} implementation named `label`;
 * `open` gives each test a fresh, empty bucket.
 */
export function bucketConformance(
  label: string,
  open: () => Promise<OpenedBucket>,
  options: BucketConformanceOptions,
): void {
  const test = (name: string, fn: (bucket: Bucket) => Promise<void>) => {
    Deno.test({
      name: `${label}${name}`,
      ignore: options.ignore,
      fn: async () => {
        const opened = await open();
        try {
          await fn(opened.bucket);
        } finally {
          await opened.dispose?.();
        }
      },
    });
  };

  test(".list() sorts names by code unit and tells folders from files", async (bucket) => {
    const files = ["b", "a", "B", "_x", "10", "9", "é", "😀", "\uE000", "a b&c<d>'\"", "z+y%20"];
    for (const name of files) await bucket.write(`d/${name}`, bytes(name));
    await bucket.write("d/m/n/o", bytes("deep"));
    await bucket.write("d/k/1", bytes("1"));
    const expected = [...files, "m", "k"].sort(compareNames);
    const entries = await bucket.list("d");
    assert.deepEqual(names(entries), expected);
    for (const entry of entries) {
      assert.equal(entry.isDirectory, entry.name === "m" || entry.name === "k", entry.name);
    }
    assert.deepEqual(await bucket.list("d/m"), [{ name: "n", isDirectory: true }]);
    assert.deepEqual(await bucket.list(""), [{ name: "d", isDirectory: true }]);
  });

  test(".list() with startAfter returns only the names after it, folders included", async (bucket) => {
    for (const name of ["a", "b", "c/x", "d", "😀", "\uE000", "\uFFFD"]) {
      await bucket.write(`v/${name}`, bytes(name));
    }
    assert.deepEqual(names(await bucket.list("v", { startAfter: "a" })), [
      "b",
      "c",
      "d",
      "😀",
      "\uE000",
      "\uFFFD",
    ]);
    assert.deepEqual(names(await bucket.list("v", { startAfter: "c" })), [
      "d",
      "😀",
      "\uE000",
      "\uFFFD",
    ]);
    assert.deepEqual(names(await bucket.list("v", { startAfter: "bb" })), [
      "c",
      "d",
      "😀",
      "\uE000",
      "\uFFFD",
    ]);
    // Code unit order: U+D83D (the lead surrogate of 😀) sorts before U+E000.
    assert.deepEqual(names(await bucket.list("v", { startAfter: "😀" })), ["\uE000", "\uFFFD"]);
    assert.deepEqual(names(await bucket.list("v", { startAfter: "\uE000" })), ["\uFFFD"]);
    assert.deepEqual(await bucket.list("v", { startAfter: "\uFFFD" }), []);
    assert.deepEqual(names(await bucket.list("", { startAfter: "" })), ["v"]);
  });

  test(".list() with a prefix returns only the names that start with it", async (bucket) => {
    for (const name of ["p__1", "p__2/x", "p_3", "q__1", "pp__1"]) {
      await bucket.write(`s/${name}`, bytes(name));
    }
    assert.deepEqual(names(await bucket.list("s", { prefix: "p__" })), ["p__1", "p__2"]);
    assert.deepEqual(names(await bucket.list("s", { prefix: "p__", startAfter: "p__1" })), [
      "p__2",
    ]);
    assert.deepEqual(await bucket.list("s", { prefix: "r" }), []);
    assert.deepEqual(await bucket.list("none", { prefix: "p" }), []);
  });

  test(".list() returns every entry of a folder larger than a listing page", async (bucket) => {
    const count = options.manyEntries ?? 25;
    const expected: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `f${String(i).padStart(4, "0")}`;
      expected.push(name);
      await bucket.write(i % 5 === 0 ? `many/${name}/inner` : `many/${name}`, bytes(name));
    }
    const entries = await bucket.list("many");
    assert.deepEqual(names(entries), expected);
    assert.equal(entries.filter((entry) => entry.isDirectory).length, Math.ceil(count / 5));
    const middle = expected[Math.floor(count / 2)];
    assert.deepEqual(
      names(await bucket.list("many", { startAfter: middle })),
      expected.filter((name) => name > middle),
    );
  });

  test(" answers a missing file or folder with undefined, [] or nothing", async (bucket) => {
    await bucket.write("here/file", bytes("x"));
    for (const path of ["none", "here/none", "none/deeper"]) {
      assert.equal(await bucket.read(path), undefined, path);
      assert.equal(await bucket.size(path), undefined, path);
      assert.equal(await bucket.readStream(path), undefined, path);
      assert.deepEqual(await bucket.list(path), [], path);
      await bucket.delete(path);
      await bucket.deleteDir(path);
    }
    assert.deepEqual(await bucket.list(""), [{ name: "here", isDirectory: true }]);
  });

  test(".readRange() of a missing file throws Deno.errors.NotFound", async (bucket) => {
    await assert.rejects(bucket.readRange("none", 0, 10), Deno.errors.NotFound);
    await assert.rejects(bucket.readRange("none", 0, 0), Deno.errors.NotFound);
    await assert.rejects(bucket.readRange("d/none", 5, 10), Deno.errors.NotFound);
  });

  test(".readRange() returns bytes [start, end), fewer at the end of the file", async (bucket) => {
    await bucket.write("r", bytes("0123456789"));
    assert.equal(text(await bucket.readRange("r", 0, 10)), "0123456789");
    assert.equal(text(await bucket.readRange("r", 2, 5)), "234");
    assert.equal(text(await bucket.readRange("r", 7, 100)), "789");
    assert.equal(text(await bucket.readRange("r", 10, 20)), "");
    assert.equal(text(await bucket.readRange("r", 12, 20)), "");
    assert.equal(text(await bucket.readRange("r", 4, 4)), "");
    await bucket.write("empty", new Uint8Array(0));
    assert.equal(text(await bucket.readRange("empty", 0, 10)), "");
  });

  test(" keeps empty files: size 0, read and stream empty", async (bucket) => {
    await bucket.write("e/empty", new Uint8Array(0));
    assert.equal(await bucket.size("e/empty"), 0);
    assert.deepEqual(await bucket.read("e/empty"), new Uint8Array(0));
    const stream = await bucket.readStream("e/empty");
    assert.ok(stream);
    assert.deepEqual(await readAll(stream), new Uint8Array(0));
    await bucket.write("e/from-stream", ReadableStream.from<Uint8Array>([]));
    assert.equal(await bucket.size("e/from-stream"), 0);
    assert.deepEqual(names(await bucket.list("e")), ["empty", "from-stream"]);
  });

  test(".write() replaces a file whole, from bytes or a stream", async (bucket) => {
    await bucket.write("w/f.txt", bytes("a first, longer version"));
    await bucket.write("w/f.txt", ReadableStream.from([bytes("sec"), bytes("ond")]));
    assert.equal(text(await bucket.read("w/f.txt")), "second");
    assert.equal(await bucket.size("w/f.txt"), 6);
    const stream = await bucket.readStream("w/f.txt");
    assert.ok(stream);
    assert.equal(text(await readAll(stream)), "second");
    await bucket.write("w/f.txt", bytes("third"));
    assert.equal(text(await bucket.read("w/f.txt")), "third");
    assert.deepEqual(await bucket.list("w"), [{ name: "f.txt", isDirectory: false }]);
  });

  test(".write() of a large stream keeps every byte in order", async (bucket) => {
    const data = pattern(options.largeWriteBytes, 7);
    await bucket.write("big/data.bin", chunked(data));
    assert.equal(await bucket.size("big/data.bin"), data.length);
    sameBytes(await bucket.read("big/data.bin"), data, "read");
    const stream = await bucket.readStream("big/data.bin");
    assert.ok(stream);
    sameBytes(await readAll(stream), data, "readStream");
    const middle = Math.floor(data.length / 2);
    sameBytes(
      await bucket.readRange("big/data.bin", middle - 1000, middle + 1000),
      data.subarray(middle - 1000, middle + 1000),
      "readRange",
    );
    sameBytes(
      await bucket.readRange("big/data.bin", data.length - 10, data.length + 10),
      data.subarray(data.length - 10),
      "readRange at the end",
    );
    assert.deepEqual(await bucket.list("big"), [{ name: "data.bin", isDirectory: false }]);
  });

  test(".write() is atomic: a reader sees the old file or the new one, never a part", async (bucket) => {
    const old = bytes("the old version\n".repeat(64));
    const next = pattern(options.largeWriteBytes, 11);
    await bucket.write("atomic/f", old);
    let seenDuringWrite = () => {};
    const readerChecked = new Promise<void>((resolve) => seenDuringWrite = resolve);
    let offset = 0;
    const half = Math.floor(next.length / 2);
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (offset === half) await readerChecked;
        if (offset >= next.length) return controller.close();
        const end = Math.min(offset < half ? half : next.length, offset + 512 * 1024);
        controller.enqueue(next.slice(offset, end));
        offset = end;
      },
    }, { highWaterMark: 0 });
    let done = false;
    const writing = bucket.write("atomic/f", stream).finally(() => done = true);
    let reads = 0;
    while (!done) {
      const seen = await bucket.read("atomic/f");
      assert.ok(seen !== undefined, "the file vanished during the write");
      if (seen.length === old.length) {
        sameBytes(seen, old, "old version");
      } else sameBytes(seen, next, "new version");
      assert.deepEqual(names(await bucket.list("atomic")), ["f"], "only the file is listed");
      reads++;
      if (offset >= half) seenDuringWrite();
      if (reads > 10_000) assert.fail("the write did not finish");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await writing;
    sameBytes(await bucket.read("atomic/f"), next, "after the write");
  });

  test(".write() whose stream errors midway leaves the old file, or none", async (bucket) => {
    const old = bytes("old");
    await bucket.write("broken/f", old);
    const failing = (total: number) => {
      const data = pattern(total, 3);
      let offset = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= total) return controller.error(new Error("source broke"));
          const end = Math.min(total, offset + 1024 * 1024);
          controller.enqueue(data.slice(offset, end));
          offset = end;
        },
      });
    };
    const partial = Math.floor(options.largeWriteBytes * 0.75);
    await assert.rejects(bucket.write("broken/f", failing(partial)), /source broke/);
    assert.equal(text(await bucket.read("broken/f")), "old");
    await assert.rejects(bucket.write("broken/g", failing(partial)), /source broke/);
    await assert.rejects(bucket.write("broken/h", failing(10)), /source broke/);
    assert.equal(await bucket.read("broken/g"), undefined);
    assert.deepEqual(await bucket.list("broken"), [{ name: "f", isDirectory: false }]);
  });

  test(".createIfAbsent() creates once and leaves an existing file as it was", async (bucket) => {
    assert.equal(await bucket.createIfAbsent("c/claim", bytes("first")), true);
    assert.equal(await bucket.createIfAbsent("c/claim", bytes("second")), false);
    assert.equal(text(await bucket.read("c/claim")), "first");
    await bucket.write("c/written", bytes("by write"));
    assert.equal(await bucket.createIfAbsent("c/written", bytes("by claim")), false);
    assert.equal(text(await bucket.read("c/written")), "by write");
    assert.equal(await bucket.createIfAbsent("c/empty", new Uint8Array(0)), true);
    assert.equal(await bucket.size("c/empty"), 0);
  });

  test(".createIfAbsent() gives true to exactly one of 20 racing callers", async (bucket) => {
    for (let round = 0; round < 3; round++) {
      const path = `race/${round}`;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => bucket.createIfAbsent(path, bytes(`caller ${i}`))),
      );
      const winners = results.flatMap((won, i) => won ? [i] : []);
      assert.equal(winners.length, 1, `round ${round}: winners ${winners}`);
      assert.equal(text(await bucket.read(path)), `caller ${winners[0]}`);
    }
  });

  test(".delete() removes a file and leaves its neighbours", async (bucket) => {
    await bucket.write("del/a", bytes("a"));
    await bucket.write("del/b", bytes("b"));
    await bucket.delete("del/a");
    assert.equal(await bucket.read("del/a"), undefined);
    assert.deepEqual(await bucket.list("del"), [{ name: "b", isDirectory: false }]);
    await bucket.delete("del/a");
  });

  test(".deleteDir() removes a folder and everything under it, nothing beside it", async (bucket) => {
    for (const path of ["d/a", "d/b/c", "d/b/e/f", "d2/x", "dx", "d-y/z"]) {
      await bucket.write(path, bytes(path));
    }
    await bucket.deleteDir("d");
    assert.deepEqual(await bucket.list("d"), []);
    assert.equal(await bucket.read("d/b/e/f"), undefined);
    assert.deepEqual(await bucket.list(""), [
      { name: "d-y", isDirectory: true },
      { name: "d2", isDirectory: true },
      { name: "dx", isDirectory: false },
    ]);
    await bucket.deleteDir("d2");
    assert.deepEqual(names(await bucket.list("")), ["d-y", "dx"]);
  });

  test(" refuses unsafe paths with TypeError in every method", async (bucket) => {
    for (const path of [...BAD_PATHS, ""]) {
      const where = JSON.stringify(path);
      await assert.rejects(bucket.write(path, bytes("x")), TypeError, `write ${where}`);
      await assert.rejects(bucket.write(path, ReadableStream.from([bytes("x")])), TypeError, where);
      await assert.rejects(bucket.createIfAbsent(path, bytes("x")), TypeError, where);
      await assert.rejects(bucket.read(path), TypeError, `read ${where}`);
      await assert.rejects(bucket.size(path), TypeError, `size ${where}`);
      await assert.rejects(bucket.readStream(path), TypeError, `readStream ${where}`);
      await assert.rejects(bucket.readRange(path, 0, 1), TypeError, `readRange ${where}`);
      await assert.rejects(bucket.delete(path), TypeError, `delete ${where}`);
      await assert.rejects(bucket.deleteDir(path), TypeError, `deleteDir ${where}`);
    }
    for (const path of BAD_PATHS) {
      await assert.rejects(bucket.list(path), TypeError, `list ${JSON.stringify(path)}`);
    }
    assert.deepEqual(await bucket.list(""), []);
  });
}
