import assert from "node:assert/strict";
import {
  type BoundIncremental,
  Incremental,
  incremental,
  type IncrementalOptions,
} from "../../src/incremental/incremental.ts";
import { incrementalScope } from "../../src/incremental/binding_scope.ts";
import { ConfigurationError } from "../../src/errors.ts";
import { thrown } from "./_helpers.ts";

function configurationError(
  cursorPath: string,
  // deno-lint-ignore no-explicit-any
  options: IncrementalOptions<any>,
): string {
  return thrown(() => incremental(cursorPath, options), ConfigurationError).message;
}

Deno.test("incremental() declares a cursor with frozen options", () => {
  const options = { initialValue: 3 };
  const cursor = incremental("id", options);
  assert.ok(cursor instanceof Incremental);
  assert.equal(cursor.cursorPath, "id");
  assert.deepEqual(cursor.options, { initialValue: 3 });
  assert.notEqual(cursor.options, options);
  assert.ok(Object.isFrozen(cursor.options));
});

Deno.test("Incremental read-outs outside a run show what a fresh run starts from", () => {
  const cursor = incremental("id", { initialValue: 3, endValue: 9 });
  assert.equal(cursor.initialValue, 3);
  assert.equal(cursor.startValue, 3);
  assert.equal(cursor.lastValue, 3);
  assert.equal(cursor.endValue, 9);
  const bare = incremental("id");
  assert.equal(bare.initialValue, undefined);
  assert.equal(bare.lastValue, undefined);
});

Deno.test("Incremental read-outs and transform() follow the running resource's binding", async () => {
  const cursor = incremental<number>("id", { initialValue: 1 });
  const state = { incremental: { id: { initial_value: 1, last_value: 7, unique_hashes: [] } } };
  let bound: BoundIncremental<number> | undefined;
  const scope = { resolveIncremental: (inc: unknown) => (inc === cursor ? bound : undefined) };
  await incrementalScope.run(scope, async () => {
    bound = cursor.bind({ resourceName: "r", resourceState: state });
    assert.equal(cursor.startValue, 7);
    bound.filterPage([{ id: 9 }]);
    assert.equal(cursor.lastValue, 9);
    const transform = cursor.transform();
    assert.equal(transform.incremental, bound);
    await transform.writable.close();
    await transform.readable.cancel();
    bound = undefined;
    assert.equal(cursor.lastValue, 1);
  });
  assert.equal(cursor.lastValue, 1);
});

Deno.test("transform({ state }) binds standalone and the read-outs follow it", async () => {
  const cursor = incremental<number>("id");
  const state: Record<string, unknown> = {};
  const out = await Array.fromAsync(
    ReadableStream.from([[{ id: 1 }, { id: 2 }]]).pipeThrough(cursor.transform({ state })),
  );
  assert.deepEqual(out, [[{ id: 1 }, { id: 2 }]]);
  assert.equal(cursor.lastValue, 2);
  assert.equal((state.incremental as Record<string, { last_value: number }>).id.last_value, 2);
});

Deno.test("bind() with endValue leaves the resource state untouched", () => {
  const resourceState = { other: 1 };
  const bound = incremental("id", { initialValue: 1, endValue: 5 }).bind({
    resourceName: "r",
    resourceState,
  });
  bound.filterPage([{ id: 2 }]);
  assert.deepEqual(resourceState, { other: 1 });
});

Deno.test("new Incremental() requires initialValue with endValue", () => {
  assert.equal(
    configurationError("id", { endValue: 5 }),
    'Set initialValue of incremental "id": endValue needs it, a backfill loads from initialValue to endValue',
  );
});

Deno.test("new Incremental() requires endValue beyond initialValue", () => {
  assert.equal(
    configurationError("id", { initialValue: 42, endValue: 22 }),
    'Set endValue of incremental "id" higher than initialValue: initialValue 42 is higher than endValue 22',
  );
  assert.equal(
    configurationError("id", { initialValue: 22, endValue: 42, lastValueFunc: "min" }),
    'Set endValue of incremental "id" lower than initialValue: initialValue 22 is lower than endValue 42',
  );
  assert.match(
    configurationError("id", {
      initialValue: 2,
      endValue: 1,
      lastValueFunc: (values: readonly number[]) => Math.max(...values),
    }),
    /lastValueFunc\(\[endValue, initialValue\]\) must return endValue/,
  );
  assert.match(configurationError("id", { initialValue: 1, endValue: "x" }), /not comparable/);
  // Instants, not text: 02:00+02:00 is before 01:00Z.
  incremental("ts", {
    initialValue: "2024-01-01T02:00:00+02:00",
    endValue: "2024-01-01T01:00:00Z",
  });
});

Deno.test("new Incremental() rejects unknown options and values", () => {
  assert.match(
    configurationError("id", { initial_value: 1 } as never),
    /Remove option "initial_value"/,
  );
  assert.match(
    configurationError("id", { lastValueFunc: "avg" } as never),
    /"max", "min" or a function/,
  );
  assert.match(
    configurationError("id", { rowOrder: "up" } as never),
    /rowOrder .* "asc" or "desc"/,
  );
  assert.match(
    configurationError("id", { onCursorValueMissing: "skip" } as never),
    /"raise" or "include" or "exclude"/,
  );
  assert.match(configurationError("id", { rangeStart: "half" } as never), /rangeStart/);
  assert.match(configurationError("id", { rangeEnd: "half" } as never), /rangeEnd/);
  assert.match(configurationError("id", { lag: -1 }), /non-negative/);
  assert.match(configurationError("id", { lag: { weeks: 1 } as never }), /"weeks" is not a unit/);
  assert.match(configurationError("id", { maxBoundaryHashes: 1.5 }), /maxBoundaryHashes/);
  assert.match(configurationError("id", { primaryKey: [1] as never }), /primaryKey/);
  assert.match(
    configurationError("ts", { cutoffAtRunStart: true, lastValueFunc: "min" }),
    /lastValueFunc "max" with cutoffAtRunStart/,
  );
});

Deno.test("new Incremental() rejects cursor paths it cannot read", () => {
  for (const path of ["", "a..b", "a[x]", "a.", "$x", "a[?(@.b)]"]) {
    thrown(() => incremental(path), ConfigurationError);
  }
});
