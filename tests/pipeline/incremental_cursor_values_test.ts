/**
 * incremental() whose initialValue has another form than the rows' cursor values (a Date over ISO
 * strings, epoch numbers against a Date), over real pipeline runs.
 */
import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";

let rows: { id: number; created_at: unknown }[] = [];

const createdAt = () =>
  dlt.incremental("created_at", { initialValue: new Date("2024-01-01T00:00:00Z") });

/** The start value as epoch milliseconds, whatever form it has: what a resource asks an API for. */
function sinceMs(value: dlt.CursorValue<Date> | undefined): number {
  if (value === undefined) return 0;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") return Date.parse(value);
  return Number.NaN;
}

// The start value is not only a Date: on the second run it is the rows' ISO string, so the type
// says so, and code that treats it as a Date does not compile (it threw at run time before).
// @ts-expect-error startValue may be an ISO string taken from the rows, not only a Date
const _asDate = (bound: dlt.BoundIncremental<Date>) => bound.startValue?.getTime();

Deno.test("an incremental with a Date initialValue over ISO string rows loads only new rows run after run", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("date_cursor");
  const seen: unknown[] = [];
  const events = () =>
    dlt.resource(function* ({ incremental }) {
      seen.push(incremental.startValue);
      const since = sinceMs(incremental.startValue);
      yield rows.filter((row) => Date.parse(String(row.created_at)) >= since);
    }, { name: "events", primaryKey: "id", incremental: createdAt() });
  rows = [
    { id: 1, created_at: "2023-12-31T23:00:00Z" },
    { id: 2, created_at: "2024-01-02T00:00:00Z" },
  ];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 1 });
  rows = [
    ...rows,
    { id: 3, created_at: "2024-01-02T02:00:00+02:00" }, // the same instant as row 2: a new row
    { id: 4, created_at: "2024-01-03T00:00:00.000001Z" },
  ];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 2 });
  assert.deepEqual((await pipeline.run(events())).rowCounts, {});
  assert.deepEqual(seen.map((value) => [typeof value, String(value)]), [
    ["object", String(new Date("2024-01-01T00:00:00Z"))],
    ["string", "2024-01-02T00:00:00Z"],
    ["string", "2024-01-03T00:00:00.000001Z"],
  ]);
  assert.deepEqual(
    dataOnly(await pipeline.dataset().table("events").toArray()).map((row) => row.id),
    [2, 3, 4],
  );
  const slot = (pipeline.state.sources!.date_cursor.resources!.events.incremental as Record<
    string,
    Record<string, unknown>
  >).created_at;
  assert.ok(slot.initial_value instanceof Date);
  assert.equal(slot.last_value, "2024-01-03T00:00:00.000001Z");
});

Deno.test("Dates and ISO strings with any offset mix in one cursor across runs", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("mixed_cursor");
  const events = () =>
    dlt.resource(function* () {
      yield rows;
    }, { name: "events", primaryKey: "id", incremental: createdAt() });
  rows = [{ id: 1, created_at: new Date("2024-01-02T00:00:00Z") }];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 1 });
  rows = [
    { id: 1, created_at: "2024-01-02T01:00:00+01:00" }, // row 1 again, as a string
    { id: 2, created_at: "2024-01-01T23:59:59.999-00:00" },
    { id: 3, created_at: new Date("2024-01-02T00:00:00.001Z") },
    { id: 4, created_at: "2024-01-02T00:00:00.0005Z" },
  ];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 2 });
  assert.deepEqual(
    dataOnly(await pipeline.dataset().table("events").toArray()).map((row) => row.id),
    [1, 3, 4],
  );
});

Deno.test("epoch numbers against a Date initialValue fail with IncrementalCursorInvalidCoercion naming both", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("epoch_cursor");
  rows = [{ id: 1, created_at: Date.UTC(2024, 0, 2) }];
  const events = dlt.resource(function* () {
    yield rows;
  }, { name: "events", incremental: createdAt() });
  const error = await pipeline.run(events).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.ok(error.cause instanceof dlt.IncrementalCursorInvalidCoercion, String(error.cause));
  assert.equal(error.cause.cursorValue, Date.UTC(2024, 0, 2));
  assert.deepEqual(error.cause.bound, new Date("2024-01-01T00:00:00Z"));
  assert.match(
    error.cause.message,
    /1704153600000 cannot be compared with "2024-01-01T00:00:00.000Z"/,
  );
  assert.match(error.cause.message, /not read as epoch times/);
  assert.deepEqual(await world.snapshot(world.bucketDir), new Map());
});
