/** Values a run keeps in state that JSON has no type for: what round-trips, what is refused. */
import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { hasTemporal } from "../helpers/temporal.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";

Deno.test({
  name: "run() refuses a Temporal.ZonedDateTime in resource state instead of dropping its zone",
  ignore: !hasTemporal,
}, async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("zoned");
  const zoned = Temporal.ZonedDateTime.from("2024-03-31T03:30:00+02:00[Europe/Berlin]");
  const writer = dlt.resource(function* () {
    dlt.current.resourceState().since = zoned;
    yield { id: 1 };
  }, { name: "events" });
  const step = await pipeline.run(writer).catch((e) => e);
  assert.ok(step instanceof dlt.PipelineStepFailed);
  assert.ok(step.cause instanceof dlt.StateNotSerializableError, String(step.cause));
  assert.equal(step.cause.path, "sources.zoned.resources.events.since");
  assert.match(step.cause.message, /store \.toInstant\(\)/);
  assert.deepEqual(await world.snapshot(world.bucketDir), new Map());
});

Deno.test({
  name: "an incremental cursor over zoned timestamps keeps its moment in state as an Instant",
  ignore: !hasTemporal,
}, async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("zoned_cursor");
  const at = (text: string) => Temporal.ZonedDateTime.from(text);
  let rows = [
    { id: 1, ts: at("2024-03-31T01:30:00+01:00[Europe/Berlin]") },
    { id: 2, ts: at("2024-03-31T03:30:00+02:00[Europe/Berlin]") },
  ];
  const events = () =>
    dlt.resource(function* () {
      yield rows;
    }, { name: "events", primaryKey: "id", incremental: dlt.incremental("ts") });
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 2 });
  const slot = (pipeline.state.sources!.zoned_cursor.resources!.events.incremental as Record<
    string,
    { last_value: unknown }
  >).ts;
  assert.ok(slot.last_value instanceof Temporal.Instant, String(slot.last_value));
  assert.equal(String(slot.last_value), "2024-03-31T01:30:00Z");
  rows = [...rows, { id: 3, ts: at("2024-03-31T04:00:00+02:00[Europe/Berlin]") }];
  assert.deepEqual((await pipeline.run(events())).rowCounts, { events: 1 });
});
