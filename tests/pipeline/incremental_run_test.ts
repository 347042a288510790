/** incremental() inside real pipeline runs: state slots, errors, early close, replace. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";

let rows: { id: number; updated_at: string }[] = [];

const events = () =>
  dlt.resource(function* () {
    yield rows;
  }, {
    name: "events",
    primaryKey: "id",
    incremental: dlt.incremental<string>("updated_at", { initialValue: "2024-01-01T00:00:00Z" }),
  });

Deno.test("an incremental resource loads only new rows and keeps dlt's state slot", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc");
  rows = [{ id: 1, updated_at: "2024-01-02T00:00:00Z" }, {
    id: 2,
    updated_at: "2024-01-03T00:00:00Z",
  }];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 2 });
  rows = [...rows, { id: 3, updated_at: "2024-01-03T00:00:00Z" }, {
    id: 4,
    updated_at: "2024-01-04T00:00:00Z",
  }];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 2 });
  assert.deepEqual((await pipeline.run(events())).rowCounts, {});
  const slot = pipeline.state.sources!.inc.resources!.events.incremental as Record<string, unknown>;
  assert.deepEqual(slot, {
    updated_at: {
      initial_value: "2024-01-01T00:00:00Z",
      last_value: "2024-01-04T00:00:00Z",
      start_value: "2024-01-03T00:00:00Z",
      unique_hashes: [slotHash(4)],
    },
  });
  assert.deepEqual(
    dataOnly(await pipeline.dataset().table("events").toArray()).map((r) => r.id),
    [1, 2, 3, 4],
  );
});

/** The boundary hash dlt 1.31 stores for a primary key value: SHAKE128 of its JSON, 9 bytes. */
function slotHash(key: unknown): string {
  return createHash("shake128", { outputLength: 9 }).update(JSON.stringify(key)).digest("base64");
}

Deno.test("incremental errors inside a run reach the caller as PipelineStepFailed", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc_errors");
  rows = [{ id: 1 } as never];
  const error = await pipeline.run(events()).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.equal(error.step, "extract");
  assert.ok(error.cause instanceof dlt.IncrementalCursorPathMissing);
  rows = [{ id: 1, updated_at: "2024-01-02T00:00:00Z" }, { id: 2, updated_at: 5 as never }];
  const mixed = await pipeline.run(events()).catch((e) => e);
  assert.ok(mixed.cause instanceof dlt.IncrementalCursorInvalidCoercion, String(mixed.cause));
  assert.deepEqual(await world.snapshot(world.bucketDir), new Map());
});

Deno.test("rowOrder closes an unbounded generator once out of range, running its finally", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc_close");
  let closed = false;
  let yielded = 0;
  const endless = dlt.resource(async function* () {
    try {
      for (let id = 1;; id++) {
        yielded++;
        yield { id };
      }
    } finally {
      closed = true;
    }
  }, {
    name: "endless",
    incremental: dlt.incremental<number>("id", { initialValue: 0, endValue: 5, rowOrder: "asc" }),
  });
  const info = await pipeline.run(endless);
  assert.deepEqual(info.rowCounts, { endless: 4 });
  assert.equal(closed, true);
  assert.equal(yielded, 5);
  // A backfill with endValue leaves no cursor state behind.
  assert.equal(pipeline.state.sources?.inc_close?.resources?.endless, undefined);
});

Deno.test("replace starts every run with empty incremental state", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc_replace");
  rows = [{ id: 1, updated_at: "2024-01-02T00:00:00Z" }];
  const snapshot = () => events().with({ writeDisposition: "replace" });
  await pipeline.run(snapshot());
  const info = await pipeline.run(snapshot());
  assert.deepEqual(info.rowCounts, { events: 1 });
  assert.deepEqual(dataOnly(await pipeline.dataset().table("events").toArray()), rows);
});

Deno.test("an incremental created inside a resource keeps its state through pipeThrough", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc_inside");
  const cursor = dlt.incremental<number>("id", { initialValue: 0 });
  let upTo = 3;
  const numbers = dlt.resource(() => {
    const source = ReadableStream.from(
      Array.from({ length: upTo }, (_, i) => ({ id: i + 1 })),
    );
    return source.pipeThrough(cursor.transform());
  }, { name: "numbers" });
  assert.deepEqual((await pipeline.run(numbers)).rowCounts, { numbers: 3 });
  upTo = 5;
  assert.deepEqual((await pipeline.run(numbers)).rowCounts, { numbers: 2 });
  const slot = pipeline.state.sources!.inc_inside.resources!.numbers.incremental as Record<
    string,
    { last_value: number }
  >;
  assert.equal(slot.id.last_value, 5);
});

Deno.test("reading ctx.incremental without declaring one is a ConfigurationError", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc_missing");
  const bad = dlt.resource(function* ({ incremental }) {
    yield { v: incremental.lastValue };
  }, { name: "bad" });
  const error = await pipeline.run(bad).catch((e) => e);
  assert.ok(error.cause instanceof dlt.ConfigurationError);
});

Deno.test("rowOrder closes an unbounded sync generator too, running its finally", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc_close_sync");
  let closed = false;
  const endless = dlt.resource(function* () {
    try {
      for (let id = 1;; id++) yield [{ id }, { id: id + 0.5 }];
    } finally {
      closed = true;
    }
  }, {
    name: "endless",
    incremental: dlt.incremental<number>("id", { initialValue: 0, endValue: 3, rowOrder: "asc" }),
  });
  const info = await pipeline.run(endless);
  assert.deepEqual(info.rowCounts, { endless: 4 }); // 1, 1.5, 2, 2.5: the end value 3 is open
  assert.equal(closed, true);
});

for (const alone of [true, false]) {
  Deno.test(
    `rowOrder stops pulling an async iterator without return() once out of range${
      alone ? ", alone" : ", beside another resource"
    }`,
    async () => {
      await using world = await TempWorld.create();
      const pipeline = world.pipeline(alone ? "inc_close_plain" : "inc_close_plain_two");
      let calls = 0;
      // A hand-written async iterator: no return(), and next() would go on for 1,000 items.
      const plain: AsyncIterable<Record<string, unknown>> = {
        [Symbol.asyncIterator]: () => ({
          next: () => {
            calls++;
            return Promise.resolve(
              calls <= 1_000
                ? { done: false, value: { id: calls } }
                : { done: true, value: undefined },
            );
          },
        }),
      };
      const items = dlt.resource(() => plain, {
        name: "items",
        incremental: dlt.incremental<number>("id", {
          initialValue: 0,
          endValue: 10,
          rowOrder: "asc",
        }),
      });
      const other = dlt.resource([{ n: 1 }], { name: "other" });
      const info = await pipeline.run(alone ? items : dlt.source("api", [items, other]));
      assert.equal(info.rowCounts.items, 9);
      assert.equal(calls, 10);
    },
  );
}

Deno.test("rowOrder cancels a ReadableStream resource once out of range", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("inc_close_stream");
  let cancelled = false;
  let id = 0;
  const endless = dlt.resource(() =>
    new ReadableStream<Record<string, unknown>>({
      pull(controller) {
        id++;
        controller.enqueue({ id });
      },
      cancel() {
        cancelled = true;
      },
    }), {
    name: "endless",
    incremental: dlt.incremental<number>("id", { initialValue: 0, endValue: 4, rowOrder: "asc" }),
  });
  const info = await pipeline.run(endless);
  assert.deepEqual(info.rowCounts, { endless: 3 });
  assert.equal(cancelled, true);
});
