import assert from "node:assert/strict";
import { incremental } from "../../src/incremental/incremental.ts";
import {
  IncrementalCursorInvalidCoercion,
  IncrementalCursorPathHasValueNone,
  IncrementalCursorPathMissing,
  IncrementalPrimaryKeyMissing,
} from "../../src/errors.ts";
import { hashOf, type Row, runOnce, slotOf, thrown } from "./_helpers.ts";
import { hasTemporal } from "../helpers/temporal.ts";

const at = (...values: number[]): Row[] => values.map((created_at) => ({ created_at }));

Deno.test("filterPage() keeps every row on a fresh state and stores the highest cursor value", () => {
  const state = {};
  const { rows } = runOnce(incremental("created_at"), [at(425, 426)], { state });
  assert.deepEqual(rows, at(425, 426));
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 426,
    unique_hashes: [hashOf({ created_at: 426 })],
    start_value: null,
  });
});

Deno.test("bind() creates the slot from initialValue before any row arrives", () => {
  const state = {};
  runOnce(incremental("created_at", { initialValue: 4242 }), [], { state });
  assert.deepEqual(state, {
    incremental: {
      created_at: { initial_value: 4242, last_value: 4242, unique_hashes: [], start_value: 4242 },
    },
  });
});

Deno.test("bind() keeps the stored initial_value when initialValue changes later", () => {
  const state = {};
  runOnce(incremental("created_at", { initialValue: 1 }), [at(5)], { state });
  const { bound } = runOnce(incremental("created_at", { initialValue: 100 }), [], { state });
  assert.equal(bound.startValue, 5);
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: 1,
    last_value: 5,
    unique_hashes: [hashOf({ created_at: 5 })],
    start_value: 1,
  });
});

Deno.test("batches update last_value after every page", () => {
  const state = {};
  const { bound } = runOnce(incremental("created_at"), [at(0, 1, 2, 3, 4)], { state });
  assert.equal(bound.lastValue, 4);
  bound.filterPage(at(5, 6, 7, 8, 9));
  assert.equal(bound.lastValue, 9);
  assert.equal(bound.startValue, undefined);
  assert.equal((slotOf(state, "created_at") as Row).last_value, 9);
});

const firstLoad: Row[] = [
  { created_at: 1, id: "a" },
  { created_at: 2, id: "b" },
  { created_at: 3, id: "c" },
  { created_at: 3, id: "d" },
  { created_at: 3, id: "e" },
];

Deno.test("a second run drops rows at the stored value whose primary key it has seen", () => {
  const state = {};
  const inc = incremental("created_at");
  runOnce(inc, [firstLoad], { state, primaryKey: "id" });
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 3,
    unique_hashes: [hashOf("c"), hashOf("d"), hashOf("e")],
    start_value: null,
  });
  const { rows } = runOnce(inc, [[
    { created_at: 4, id: "g" },
    { created_at: 3, id: "c" },
    { created_at: 3, id: "d" },
    { created_at: 3, id: "e" },
    { created_at: 3, id: "f" },
  ]], { state, primaryKey: "id" });
  assert.deepEqual(rows, [{ created_at: 4, id: "g" }, { created_at: 3, id: "f" }]);
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 4,
    unique_hashes: [hashOf("g")],
    start_value: 3,
  });
});

Deno.test("a second run drops rows at the stored value by whole-row hash without a primary key", () => {
  const state = {};
  const inc = incremental("created_at");
  runOnce(inc, [firstLoad], { state });
  const { rows } = runOnce(inc, [[
    { created_at: 3, id: "c" },
    { created_at: 3, id: "d" },
    { created_at: 3, id: "e" },
    { created_at: 3, id: "f" },
    { created_at: 4, id: "g" },
  ]], { state });
  assert.deepEqual(rows, [{ created_at: 3, id: "f" }, { created_at: 4, id: "g" }]);
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 4,
    unique_hashes: [hashOf({ created_at: 4, id: "g" })],
    start_value: 3,
  });
});

Deno.test("primaryKey [] turns deduplication off: rows at the stored value load again", () => {
  const state = {};
  const inc = incremental("created_at", { primaryKey: [] });
  runOnce(inc, [firstLoad], { state, primaryKey: "id" });
  assert.deepEqual((slotOf(state, "created_at") as Row).unique_hashes, []);
  const { rows } = runOnce(inc, [firstLoad], { state, primaryKey: "id" });
  assert.deepEqual(rows, firstLoad.slice(2));
});

Deno.test("the incremental's primaryKey beats the resource's", () => {
  const state = {};
  runOnce(incremental("created_at", { primaryKey: "id" }), [firstLoad], {
    state,
    primaryKey: "created_at",
  });
  assert.deepEqual((slotOf(state, "created_at") as Row).unique_hashes, [
    hashOf("c"),
    hashOf("d"),
    hashOf("e"),
  ]);
});

Deno.test("a composite primary key hashes the list of key values", () => {
  const data = [
    { created_at: 1, isrc: "AAA", market: "DE" },
    { created_at: 2, isrc: "BBB", market: "DE" },
    { created_at: 2, isrc: "CCC", market: "US" },
    { created_at: 2, isrc: "AAA", market: "DE" },
    { created_at: 2, isrc: "CCC", market: "DE" },
    { created_at: 2, isrc: "DDD", market: "DE" },
    { created_at: 1, isrc: "CCC", market: "DE" },
  ];
  const state = {};
  const inc = incremental("created_at");
  const first = runOnce(inc, [data], { state, primaryKey: ["isrc", "market"] });
  assert.deepEqual(first.rows, data);
  const hashes = (slotOf(state, "created_at") as Row).unique_hashes as string[];
  assert.deepEqual(hashes, [
    hashOf(["BBB", "DE"]),
    hashOf(["CCC", "US"]),
    "jDuQWGaYv78F", // dlt 1.31's digest_dedup_value(["AAA", "DE"])
    hashOf(["CCC", "DE"]),
    hashOf(["DDD", "DE"]),
  ]);
  const second = runOnce(inc, [data], { state, primaryKey: ["isrc", "market"] });
  assert.deepEqual(second.rows, []);
});

Deno.test("a row without the primary key column fails with IncrementalPrimaryKeyMissing", () => {
  const error = thrown(
    () => runOnce(incremental("created_at"), [at(1)], { primaryKey: "id" }),
    IncrementalPrimaryKeyMissing,
  );
  assert.equal(error.column, "id");
  assert.equal(error.resourceName, "some_data");
});

Deno.test('lastValueFunc "min" follows the lowest value and drops higher rows next run', () => {
  const state = {};
  const inc = incremental("created_at", { lastValueFunc: "min" });
  assert.deepEqual(runOnce(inc, [at(5, 4, 6)], { state }).rows, at(5, 4, 6));
  assert.equal((slotOf(state, "created_at") as Row).last_value, 4);
  assert.deepEqual(runOnce(inc, [at(5, 4, 3)], { state }).rows, at(3));
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 3,
    unique_hashes: [hashOf({ created_at: 3 })],
    start_value: 4,
  });
});

Deno.test("a custom lastValueFunc decides the order", () => {
  const numeric = (values: readonly string[]) =>
    values.reduce((a, b) => (Number(b) > Number(a) ? b : a));
  const state = {};
  const inc = incremental<string>("v", { lastValueFunc: numeric });
  const rows = (...values: string[]) => values.map((v) => ({ v }));
  assert.deepEqual(runOnce(inc, [rows("9", "10", "8")], { state }).rows, rows("9", "10", "8"));
  assert.equal((slotOf(state, "v") as Row).last_value, "10");
  assert.deepEqual(runOnce(inc, [rows("10", "11", "7")], { state }).rows, rows("11"));
  assert.deepEqual(slotOf(state, "v"), {
    initial_value: null,
    last_value: "11",
    unique_hashes: [hashOf({ v: "11" })],
    start_value: "10",
  });
});

Deno.test("a custom lastValueFunc that throws fails with IncrementalCursorInvalidCoercion", () => {
  const inc = incremental<number>("created_at", {
    lastValueFunc: () => {
      throw new TypeError("boom");
    },
  });
  assert.throws(() => runOnce(inc, [at(1)]), IncrementalCursorInvalidCoercion);
});

Deno.test("a nested cursor path reads the value and names the slot by the path", () => {
  const state = {};
  const path = "data.items[0].created_at";
  runOnce(incremental(path), [[{ data: { items: [{ created_at: 2 }] } }]], { state });
  assert.deepEqual(slotOf(state, path), {
    initial_value: null,
    last_value: 2,
    unique_hashes: [hashOf({ data: { items: [{ created_at: 2 }] } })],
    start_value: null,
  });
});

Deno.test("a row without the cursor fails with IncrementalCursorPathMissing by default", () => {
  const error = thrown(
    () => runOnce(incremental("created_at"), [[{ created_at: 1 }, { id: 2 }]]),
    IncrementalCursorPathMissing,
  );
  assert.equal(error.cursorPath, "created_at");
});

Deno.test("a row with a null cursor fails with IncrementalCursorPathHasValueNone by default", () => {
  assert.throws(
    () => runOnce(incremental("created_at"), [[{ created_at: null }]]),
    IncrementalCursorPathHasValueNone,
  );
  assert.throws(
    () => runOnce(incremental("a.b"), [[{ a: { b: null } }]]),
    IncrementalCursorPathHasValueNone,
  );
  assert.throws(() => runOnce(incremental("a.b"), [[{ a: null }]]), IncrementalCursorPathMissing);
});

Deno.test('onCursorValueMissing "include" keeps rows without a cursor and leaves the state alone', () => {
  const state = {};
  const inc = incremental("created_at", { onCursorValueMissing: "include" });
  const page = [{ created_at: 1 }, { id: 2 }, { created_at: null }, { created_at: 0 }];
  assert.deepEqual(runOnce(inc, [page], { state }).rows, page);
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 1,
    unique_hashes: [hashOf({ created_at: 1 })],
    start_value: null,
  });
});

Deno.test('onCursorValueMissing "exclude" drops rows without a cursor', () => {
  const inc = incremental("data.ts", { onCursorValueMissing: "exclude" });
  const page = [{ data: { ts: 1 } }, { data: {} }, { data: { ts: null } }, { other: 1 }];
  assert.deepEqual(runOnce(inc, [page]).rows, [{ data: { ts: 1 } }]);
});

Deno.test("endValue keeps rows from initialValue up to endValue and writes no state", () => {
  const state = {};
  const inc = incremental("created_at", { initialValue: 2, endValue: 5 });
  const { rows, bound } = runOnce(inc, [at(1, 2, 3, 4, 5, 6)], { state });
  assert.deepEqual(rows, at(2, 3, 4));
  assert.deepEqual(state, {});
  assert.equal(bound.lastValue, 2);
  assert.equal(bound.startValue, 2);
  assert.equal(bound.endValue, 5);
});

Deno.test("endValue filters rows in any order", () => {
  const inc = incremental("created_at", { initialValue: 2, endValue: 5 });
  assert.deepEqual(runOnce(inc, [at(5, 1, 4), at(2, 6, 3)]).rows, at(4, 2, 3));
});

Deno.test('rangeEnd "closed" keeps rows at endValue', () => {
  const inc = incremental("created_at", { initialValue: 2, endValue: 5, rangeEnd: "closed" });
  assert.deepEqual(runOnce(inc, [at(1, 2, 3, 4, 5, 6)]).rows, at(2, 3, 4, 5));
});

Deno.test('endValue with lastValueFunc "min" runs downwards', () => {
  const inc = incremental("created_at", { initialValue: 10, endValue: 5, lastValueFunc: "min" });
  assert.deepEqual(runOnce(inc, [at(11, 10, 9, 8, 7, 6, 5, 4)]).rows, at(10, 9, 8, 7, 6));
});

Deno.test('rangeStart "open" drops rows at the start value and keeps no hashes', () => {
  const state = {};
  runOnce(incremental("created_at"), [at(1, 3)], { state });
  const inc = incremental("created_at", { rangeStart: "open" });
  assert.deepEqual(runOnce(inc, [at(2, 3, 3, 4)], { state }).rows, at(4));
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 4,
    unique_hashes: [],
    start_value: 3,
  });
});

Deno.test('rowOrder "asc" lets the generator close at the first row past endValue', () => {
  const inc = incremental("created_at", { initialValue: 1, endValue: 4, rowOrder: "asc" });
  const { bound } = runOnce(inc, [at(1, 2, 3)]);
  assert.equal(bound.canClose, false);
  // The page still finishes: rows after the one past the end are filtered, not cut off.
  assert.deepEqual(bound.filterPage(at(3, 4, 2)), at(3, 2));
  assert.equal(bound.canClose, true);
  assert.deepEqual(bound.filterPage(at(1)), at(1));
  assert.equal(bound.canClose, true);
});

Deno.test('rowOrder "desc" lets the generator close at the first row below the start', () => {
  const state = {};
  runOnce(incremental("created_at"), [at(5)], { state });
  const { rows, bound } = runOnce(
    incremental("created_at", { rowOrder: "desc" }),
    [at(8, 7, 6, 5, 4, 3)],
    { state },
  );
  assert.deepEqual(rows, at(8, 7, 6));
  assert.equal(bound.canClose, true);
});

Deno.test("without rowOrder the generator is never closed early", () => {
  const state = {};
  runOnce(incremental("created_at"), [at(5)], { state });
  const { bound } = runOnce(incremental("created_at"), [at(8, 4)], { state });
  assert.equal(bound.canClose, false);
  const backfill = runOnce(incremental("created_at", { initialValue: 1, endValue: 2 }), [at(9)]);
  assert.equal(backfill.bound.canClose, false);
});

Deno.test("lag re-reads a window below the stored value and never moves it back", () => {
  const state = {};
  runOnce(incremental("created_at"), [at(10)], { state });
  const inc = incremental("created_at", { lag: 3 });
  const second = runOnce(inc, [at(6, 7, 8, 9, 10, 11)], { state });
  assert.equal(second.bound.startValue, 7);
  assert.deepEqual(second.rows, at(7, 8, 9, 10, 11));
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 11,
    unique_hashes: [],
    start_value: 10,
  });
  assert.equal(second.bound.lastValue, 8);
  const third = runOnce(inc, [at(9)], { state });
  assert.deepEqual(third.rows, at(9));
  assert.equal((slotOf(state, "created_at") as Row).last_value, 11);
});

Deno.test("lag never reaches before initialValue", () => {
  const state = {};
  const inc = incremental("created_at", { initialValue: 9, lag: 3 });
  runOnce(inc, [at(10)], { state });
  assert.equal(runOnce(inc, [], { state }).bound.startValue, 9);
});

Deno.test('lag with lastValueFunc "min" moves the start up', () => {
  const state = {};
  const inc = incremental("created_at", { lastValueFunc: "min", lag: 3 });
  runOnce(inc, [at(10)], { state });
  const { bound, rows } = runOnce(inc, [at(14, 13, 12)], { state });
  assert.equal(bound.startValue, 13);
  assert.deepEqual(rows, at(13, 12));
});

Deno.test("lag on an ISO timestamp keeps its layout and offset", () => {
  const state = {};
  runOnce(incremental("ts"), [[{ ts: "2023-03-03T01:15:30Z" }]], { state });
  const seconds = runOnce(incremental("ts", { lag: { seconds: 1 } }), [], { state });
  assert.equal(seconds.bound.startValue, "2023-03-03T01:15:29Z");

  const zoned = {};
  runOnce(incremental("ts"), [[{ ts: "2023-03-03T03:15:30.250+02:00" }]], { state: zoned });
  const minutes = runOnce(incremental("ts", { lag: { minutes: 90 } }), [], { state: zoned });
  assert.equal(minutes.bound.startValue, "2023-03-03T01:45:30.250+02:00");
});

Deno.test("lag on dates counts days", () => {
  const state = {};
  runOnce(incremental("day"), [[{ day: "2024-03-01" }]], { state });
  assert.equal(
    runOnce(incremental("day", { lag: { days: 1 } }), [], { state }).bound.startValue,
    "2024-02-29",
  );
});

Deno.test({ name: "lag on Temporal dates counts days", ignore: !hasTemporal }, () => {
  const plain = {};
  runOnce(incremental("day"), [[{ day: Temporal.PlainDate.from("2024-01-10") }]], {
    state: plain,
  });
  const lagged = runOnce(incremental("day", { lag: { days: 2 } }), [], { state: plain });
  assert.equal(String(lagged.bound.startValue), "2024-01-08");
});

Deno.test("lag on a Date keeps a Date", () => {
  const state = {};
  runOnce(incremental("ts"), [[{ ts: new Date("2024-01-01T00:00:00Z") }]], { state });
  const { bound } = runOnce(incremental("ts", { lag: { seconds: 90 } }), [], { state });
  assert.deepEqual(bound.startValue, new Date("2023-12-31T23:58:30Z"));
});

Deno.test("lag must have a unit for time cursors and none for numbers", async (t) => {
  const timed = {};
  runOnce(incremental("ts"), [[{ ts: "2024-01-01T00:00:00Z" }]], { state: timed });
  await t.step("a number on a timestamp", () => {
    assert.throws(
      () => runOnce(incremental("ts", { lag: 60 }), [], { state: timed }),
      /Give the lag of incremental "ts" of resource "some_data" a unit/,
    );
  });
  await t.step("a duration on a number", () => {
    const numbers = {};
    runOnce(incremental("n"), [[{ n: 5 }]], { state: numbers });
    assert.throws(
      () => runOnce(incremental("n", { lag: { seconds: 1 } }), [], { state: numbers }),
      /as a number/,
    );
  });
  await t.step("seconds on a date", () => {
    const dates = {};
    runOnce(incremental("d"), [[{ d: "2024-01-01" }]], { state: dates });
    assert.throws(
      () => runOnce(incremental("d", { lag: { hours: 1 } }), [], { state: dates }),
      /whole days/,
    );
  });
});

Deno.test("lag is ignored, with a warning, for a custom lastValueFunc", () => {
  const state = {};
  const inc = incremental<number>("created_at", {
    lastValueFunc: (values) => Math.max(...values),
    lag: 3,
  });
  runOnce(inc, [at(10)], { state });
  const { bound, warnings } = runOnce(inc, [], { state });
  assert.equal(bound.startValue, 10);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /lag is ignored/);
});

Deno.test("lag is ignored during a backfill", () => {
  const inc = incremental("created_at", { initialValue: 5, endValue: 9, lag: 3 });
  const { bound, rows } = runOnce(inc, [at(4, 5, 8, 9)]);
  assert.equal(bound.startValue, 5);
  assert.deepEqual(rows, at(5, 8));
});

Deno.test("ISO timestamps with different offsets compare as instants", () => {
  const state = {};
  runOnce(incremental("ts"), [[{ ts: "2024-01-01T10:00:00Z" }]], { state });
  const { rows } = runOnce(incremental("ts"), [[
    { ts: "2024-01-01T11:30:00+02:00" },
    { ts: "2024-01-01T12:30:00+02:00" },
    { ts: "2024-01-01T10:15:00.5Z" },
  ]], { state });
  assert.deepEqual(rows, [{ ts: "2024-01-01T12:30:00+02:00" }, { ts: "2024-01-01T10:15:00.5Z" }]);
  assert.equal((slotOf(state, "ts") as Row).last_value, "2024-01-01T12:30:00+02:00");
});

Deno.test({
  name: "Dates, Temporal instants and ISO strings mix in one cursor and keep their form",
  ignore: !hasTemporal,
}, () => {
  const state = {};
  const latest = new Date("2024-01-02T00:00:00Z");
  const inc = incremental<unknown>("ts", { initialValue: new Date("2024-01-01T00:00:00Z") });
  const { rows } = runOnce(inc, [[
    { id: 1, ts: "2023-12-31T23:00:00-02:00" },
    { id: 2, ts: Temporal.Instant.from("2023-12-31T23:59:59.999999Z") },
    { id: 3, ts: latest },
  ]], { state });
  assert.deepEqual(rows.map((row) => row.id), [1, 3]);
  const slot = slotOf(state, "ts") as Row;
  assert.equal(slot.last_value, latest);
  assert.deepEqual(slot.initial_value, new Date("2024-01-01T00:00:00Z"));
});

Deno.test("a cursor mixing zoned and unzoned timestamps fails instead of comparing text", () => {
  const error = thrown(
    () =>
      runOnce(incremental("ts"), [[{ ts: "2024-01-01T10:00:00Z" }, { ts: "2024-01-01T11:00:00" }]]),
    IncrementalCursorInvalidCoercion,
  );
  assert.match(error.message, /offset/);
  assert.equal(error.cursorValue, "2024-01-01T11:00:00");
  assert.throws(
    () =>
      runOnce(incremental("ts", { initialValue: new Date(0) }), [[{ ts: "2024-01-01T11:00:00" }]]),
    IncrementalCursorInvalidCoercion,
  );
});

Deno.test("a cursor mixing numbers and strings fails with IncrementalCursorInvalidCoercion", () => {
  assert.throws(
    () => runOnce(incremental("created_at"), [[{ created_at: 1 }, { created_at: "2" }]]),
    IncrementalCursorInvalidCoercion,
  );
  assert.throws(
    () =>
      runOnce(incremental("created_at", { initialValue: 1, endValue: 3 }), [at(1), [{
        created_at: "x",
      }]]),
    /compared with endValue/,
  );
});

Deno.test("only rows at the final cursor value are remembered", () => {
  const state = {};
  const rows = [
    { created_at: 3, id: 1 },
    { created_at: 1, id: 2 },
    { created_at: 3, id: 3 },
    { created_at: 2, id: 4 },
  ];
  runOnce(incremental("created_at"), [rows], { state, primaryKey: "id" });
  assert.deepEqual((slotOf(state, "created_at") as Row).unique_hashes, [hashOf(1), hashOf(3)]);
});

Deno.test("a run that never moves the cursor keeps the earlier hashes and adds new ones", () => {
  const state = {};
  const inc = incremental("created_at", { primaryKey: "id" });
  runOnce(inc, [[{ created_at: 3, id: "a" }, { created_at: 3, id: "b" }]], { state });
  const { rows } = runOnce(inc, [[{ created_at: 3, id: "b" }], [{ created_at: 3, id: "c" }]], {
    state,
  });
  assert.deepEqual(rows, [{ created_at: 3, id: "c" }]);
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 3,
    unique_hashes: [hashOf("a"), hashOf("b"), hashOf("c")],
    start_value: 3,
  });
});

Deno.test("maxBoundaryHashes caps the stored hashes and warns once, naming the resource", () => {
  const state = {};
  const inc = incremental("created_at", { primaryKey: "id", maxBoundaryHashes: 3 });
  const page = (...ids: number[]) => ids.map((id) => ({ created_at: 7, id }));
  const first = runOnce(inc, [page(1, 2, 3, 4, 5), page(6)], { state });
  assert.equal(first.rows.length, 6);
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: null,
    last_value: 7,
    unique_hashes: [hashOf(1), hashOf(2), hashOf(3)],
    start_value: null,
  });
  assert.equal(first.warnings.length, 1);
  assert.match(first.warnings[0], /"created_at" for resource "some_data"/);
  assert.match(first.warnings[0], /primaryKey/);
  assert.match(first.warnings[0], /more than 3 rows share the cursor value 7/);
  const second = runOnce(inc, [page(1, 2, 3, 4, 5)], { state });
  assert.deepEqual(second.rows, page(4, 5));
});

Deno.test("maxBoundaryHashes defaults to 1000", () => {
  const state = {};
  const rows = Array.from({ length: 1001 }, (_, id) => ({ created_at: 1, id }));
  const { warnings } = runOnce(incremental("created_at", { primaryKey: "id" }), [rows], { state });
  assert.equal(((slotOf(state, "created_at") as Row).unique_hashes as string[]).length, 1000);
  assert.equal(warnings.length, 1);
});

Deno.test("duplicate rows at the boundary count once towards the cap", () => {
  const state = {};
  const inc = incremental("created_at", { primaryKey: "id", maxBoundaryHashes: 2 });
  const rows = [1, 2, 1, 2, 2].map((id) => ({ created_at: 1, id }));
  const { warnings } = runOnce(inc, [rows], { state });
  assert.deepEqual(warnings, []);
  assert.deepEqual((slotOf(state, "created_at") as Row).unique_hashes, [hashOf(1), hashOf(2)]);
});

Deno.test("cutoffAtRunStart leaves rows later than the run's start for the next run", () => {
  const state = {};
  const inc = incremental("ts", { cutoffAtRunStart: true, rowOrder: "asc" });
  const rows = [
    { ts: "2024-01-01T11:00:00Z" },
    { ts: "2024-01-01T12:00:00Z" },
    { ts: "2024-01-01T12:30:00Z" },
  ];
  const first = runOnce(inc, [rows], { state, runStartedAt: new Date("2024-01-01T12:00:00Z") });
  assert.deepEqual(first.rows, rows.slice(0, 2));
  assert.equal(first.bound.canClose, true);
  assert.equal((slotOf(state, "ts") as Row).last_value, "2024-01-01T12:00:00Z");
  const second = runOnce(inc, [rows], { state, runStartedAt: new Date("2024-01-01T13:00:00Z") });
  assert.deepEqual(second.rows, rows.slice(2));
});

Deno.test("startValue stays constant during a run while lastValue follows the pages", () => {
  const state = {};
  runOnce(incremental("created_at"), [at(2)], { state });
  const { bound } = runOnce(incremental("created_at"), [at(3)], { state });
  assert.equal(bound.startValue, 2);
  assert.equal(bound.lastValue, 3);
  bound.filterPage(at(4));
  assert.equal(bound.startValue, 2);
  assert.equal(bound.lastValue, 4);
});

Deno.test("filterPage() returns the same array when every row is kept", () => {
  const { bound } = runOnce(incremental("created_at"), []);
  const page = at(1, 2, 3);
  assert.equal(bound.filterPage(page), page);
});

Deno.test("an empty page is returned untouched and writes no state", () => {
  const state = {};
  const { bound } = runOnce(incremental("created_at", { initialValue: 1 }), [], { state });
  const before = structuredClone(state);
  const empty: Row[] = [];
  assert.equal(bound.filterPage(empty), empty);
  assert.deepEqual(state, before);
});

Deno.test("a page with no rows left updates last_value but not start_value", () => {
  const state = {
    incremental: {
      created_at: { initial_value: 1, last_value: 5, unique_hashes: [], start_value: 1 },
    },
  };
  const { rows } = runOnce(incremental("created_at", { initialValue: 1 }), [at(3)], { state });
  assert.deepEqual(rows, []);
  assert.deepEqual(slotOf(state, "created_at"), {
    initial_value: 1,
    last_value: 5,
    unique_hashes: [],
    start_value: 1,
  });
});

Deno.test("filterRow() filters one row as a page of its own", () => {
  const state = {};
  const { bound } = runOnce(incremental("created_at", { initialValue: 2 }), [], { state });
  assert.equal(bound.filterRow({ created_at: 1 }), false);
  assert.equal(bound.filterRow({ created_at: 3 }), true);
  assert.equal((slotOf(state, "created_at") as Row).last_value, 3);
});

Deno.test("null entries of a page pass through", () => {
  const page = [null, { created_at: 1 }] as unknown as Row[];
  assert.deepEqual(runOnce(incremental("created_at"), [page]).rows, page);
});

/** Runs rows c, d, e at the stored last value 3 against the stored `hashes`. */
function atBoundary(hashes: string[]): { rows: Row[]; stored: string[] } {
  const state = {
    incremental: {
      created_at: { initial_value: null, last_value: 3, unique_hashes: hashes, start_value: 2 },
    },
  };
  const { rows } = runOnce(incremental("created_at"), [[
    { created_at: 3, id: "c" },
    { created_at: 3, id: "d" },
    { created_at: 3, id: "e" },
  ]], { state, primaryKey: "id" });
  return { rows, stored: [...(slotOf(state, "created_at") as Row).unique_hashes as string[]] };
}

Deno.test("legacy 20-character hashes dedupe their rows and the set stays legacy at that value", () => {
  const { rows, stored } = atBoundary([hashOf("c", "legacy"), hashOf("d", "legacy")]);
  assert.deepEqual(rows, [{ created_at: 3, id: "e" }]);
  // As dlt 1.31 keeps it: a set holding a legacy hash is extended in the legacy format.
  assert.deepEqual(
    stored.sort(),
    [hashOf("c", "legacy"), hashOf("d", "legacy"), hashOf("e", "legacy")].sort(),
  );
});

Deno.test("a legacy set is replaced by 12-character hashes once the last value moves", () => {
  const state = {
    incremental: {
      created_at: {
        initial_value: null,
        last_value: 3,
        unique_hashes: [hashOf("c", "legacy")],
        start_value: 2,
      },
    },
  };
  const { rows } = runOnce(incremental("created_at"), [[
    { created_at: 3, id: "c" },
    { created_at: 4, id: "f" },
  ]], { state, primaryKey: "id" });
  assert.deepEqual(rows, [{ created_at: 4, id: "f" }]);
  assert.deepEqual((slotOf(state, "created_at") as Row).unique_hashes, [hashOf("f")]);
  assert.equal(hashOf("f").length, 12);
});

Deno.test("12-character hashes written by dlt 1.29+ dedupe their rows", () => {
  const { rows, stored } = atBoundary([hashOf("c"), hashOf("d")]);
  assert.deepEqual(rows, [{ created_at: 3, id: "e" }]);
  assert.deepEqual(stored.sort(), [hashOf("c"), hashOf("d"), hashOf("e")].sort());
});

Deno.test("a set holding hashes of both lengths recognises rows in either", () => {
  const { rows } = atBoundary([hashOf("c"), hashOf("d", "legacy")]);
  assert.deepEqual(rows, [{ created_at: 3, id: "e" }]);
});
