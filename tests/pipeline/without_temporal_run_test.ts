/**
 * Pipeline runs where the runtime has no Temporal (Deno 2.5, Deno Deploy), on state that a
 * runtime with Temporal (or Python dlt) wrote with instants finer than milliseconds.
 */
import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { hasTemporal, withoutTemporal } from "../helpers/temporal.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";

let rows: Record<string, unknown>[] = [];

const events = () =>
  dlt.resource(function* () {
    yield rows;
  }, { name: "events", primaryKey: "id", incremental: dlt.incremental("ts") });

Deno.test({
  name:
    "a cursor stored with microseconds filters and stays unchanged on a runtime without Temporal",
  ignore: !hasTemporal,
}, async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("no_temporal");
  rows = [
    { id: 1, ts: Temporal.Instant.from("2024-01-02T01:04:05.123455Z") },
    { id: 2, ts: Temporal.Instant.from("2024-01-02T01:04:05.123456Z") },
  ];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 2 });
  const committed = pipeline.state;
  await withoutTemporal(async () => {
    // Rows at or before the stored microsecond: nothing new, so nothing is written.
    rows = [
      { id: 1, ts: "2024-01-02T01:04:05.123455Z" },
      { id: 2, ts: "2024-01-02T03:04:05.123456+02:00" },
    ];
    const before = await world.snapshot();
    const idle = await pipeline.run(events());
    assert.deepEqual(idle.rowCounts, {});
    assert.deepEqual(idle.loadIds, []);
    assert.equal(idle.stateVersion, committed._state_version);
    assert.deepEqual(await world.snapshot(), before);
    const slot = (pipeline.state.sources!.no_temporal.resources!.events.incremental as Record<
      string,
      { last_value: unknown }
    >).ts;
    assert.ok(slot.last_value instanceof dlt.IsoDateTime);
    assert.equal(String(slot.last_value), "2024-01-02T01:04:05.123456000Z");
    // One microsecond later is new.
    rows = [...rows, { id: 3, ts: "2024-01-02T01:04:05.123457Z" }];
    assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 1 });
  });
  assert.deepEqual(
    dataOnly(await pipeline.dataset().table("events").toArray()).map((row) => row.id),
    [1, 2, 3],
  );
});
