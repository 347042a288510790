import assert from "node:assert/strict";
import { incremental } from "../../src/incremental/incremental.ts";
import { IncrementalCursorPathMissing } from "../../src/errors.ts";
import { hashOf, type Row } from "./_helpers.ts";

/** An endless generator of `{ id }` rows, counting up or down; `state.closed` once it returns. */
function endless(state: { closed: boolean }, from: number, step: 1 | -1) {
  return async function* (): AsyncGenerator<Row> {
    try {
      for (let id = from;; id += step) yield { id };
    } finally {
      state.closed = true;
    }
  };
}

/** Waits until the stream machinery has cancelled the source (it does so asynchronously). */
async function settled(state: { closed: boolean }): Promise<void> {
  for (let i = 0; i < 20 && !state.closed; i++) await new Promise((r) => setTimeout(r, 0));
}

Deno.test("IncrementalTransform filters pages and drops the pages it empties", async () => {
  const state: Record<string, unknown> = {};
  const pages = ReadableStream.from([[{ id: 1 }], [{ id: 2 }, { id: 3 }], [{ id: 1 }, { id: 4 }]]);
  const out = await Array.fromAsync(
    pages.pipeThrough(incremental("id", { initialValue: 2 }).transform({ state })),
  );
  assert.deepEqual(out, [[{ id: 2 }, { id: 3 }], [{ id: 4 }]]);
  assert.deepEqual(state, {
    incremental: {
      id: {
        initial_value: 2,
        last_value: 4,
        unique_hashes: [hashOf({ id: 4 })],
        start_value: 2,
      },
    },
  });
});

Deno.test("IncrementalTransform passes single rows and pages in the order they come", async () => {
  const chunks: (Row | Row[])[] = [{ id: 1 }, [{ id: 0 }, { id: 2 }], { id: 0 }, { id: 3 }];
  const out = await Array.fromAsync(
    ReadableStream.from(chunks).pipeThrough(incremental("id", { initialValue: 1 }).transform()),
  );
  assert.deepEqual(out, [{ id: 1 }, [{ id: 2 }], { id: 3 }]);
});

Deno.test('IncrementalTransform with rowOrder "asc" ends an endless generator past endValue', async () => {
  const source = { closed: false };
  const cursor = incremental("id", { initialValue: 1, endValue: 4, rowOrder: "asc" });
  const out = await Array.fromAsync(
    ReadableStream.from(endless(source, 0, 1)()).pipeThrough(cursor.transform()),
  );
  await settled(source);
  assert.deepEqual(out, [{ id: 1 }, { id: 2 }, { id: 3 }]);
  assert.equal(source.closed, true);
});

Deno.test('IncrementalTransform with rowOrder "desc" ends an endless generator below the start', async () => {
  const source = { closed: false };
  const state = { incremental: { id: { initial_value: null, last_value: 5, unique_hashes: [] } } };
  const cursor = incremental("id", { rowOrder: "desc" });
  const out = await Array.fromAsync(
    ReadableStream.from(endless(source, 8, -1)()).pipeThrough(cursor.transform({ state })),
  );
  await settled(source);
  assert.deepEqual(out, [{ id: 8 }, { id: 7 }, { id: 6 }, { id: 5 }]);
  assert.equal(source.closed, true);
  assert.equal(state.incremental.id.last_value, 8);
});

Deno.test("IncrementalTransform finishes the page in which it can close", async () => {
  const cursor = incremental("id", { initialValue: 1, endValue: 3, rowOrder: "asc" });
  const pages = ReadableStream.from([[{ id: 1 }, { id: 3 }, { id: 2 }], [{ id: 2 }]]);
  const out = await Array.fromAsync(pages.pipeThrough(cursor.transform()));
  assert.deepEqual(out, [[{ id: 1 }, { id: 2 }]]);
});

Deno.test("IncrementalTransform errors the stream and cancels the source on a bad row", async () => {
  const source = { closed: false };
  async function* rows(): AsyncGenerator<Row> {
    try {
      yield { id: 1 };
      yield { other: 2 };
      yield { id: 3 };
    } finally {
      source.closed = true;
    }
  }
  await assert.rejects(
    Array.fromAsync(ReadableStream.from(rows()).pipeThrough(incremental("id").transform())),
    IncrementalCursorPathMissing,
  );
  await settled(source);
  assert.equal(source.closed, true);
});

Deno.test("IncrementalTransform exposes the binding it filters through", async () => {
  const transform = incremental("id", { initialValue: 5 }).transform({ resourceName: "events" });
  assert.equal(transform.incremental.resourceName, "events");
  assert.equal(transform.incremental.startValue, 5);
  await transform.writable.close();
  await transform.readable.cancel();
});
