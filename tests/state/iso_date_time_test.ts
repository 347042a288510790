import assert from "node:assert/strict";
import { IsoDateTime } from "../../src/state/iso_date_time.ts";

Deno.test("IsoDateTime reads instants, local date-times and dates and keeps their text", () => {
  const micro = new IsoDateTime("2024-01-02T03:04:05.123456+02:00");
  assert.equal(micro.kind, "instant");
  assert.equal(micro.epochMilliseconds, Date.UTC(2024, 0, 2, 1, 4, 5, 123));
  assert.equal(micro.nanosecondsWithinMillisecond, 456_000);
  assert.equal(String(micro), "2024-01-02T03:04:05.123456+02:00");
  assert.equal(JSON.stringify({ at: micro }), '{"at":"2024-01-02T03:04:05.123456+02:00"}');
  const nanos = new IsoDateTime("2024-01-02T03:04:05.000000001Z");
  assert.equal(nanos.nanosecondsWithinMillisecond, 1);
  const local = new IsoDateTime("2024-01-02 03:04");
  assert.equal(local.kind, "local");
  assert.equal(local.epochMilliseconds, Date.UTC(2024, 0, 2, 3, 4));
  const day = new IsoDateTime("0099-12-31");
  assert.equal(day.kind, "date");
  assert.equal(new Date(day.epochMilliseconds).toISOString(), "0099-12-31T00:00:00.000Z");
  assert.equal(
    new IsoDateTime("2024-01-02T03:04:05-0130").epochMilliseconds,
    Date.UTC(2024, 0, 2, 4, 34, 5),
  );
  assert.ok(Object.isFrozen(micro));
});

Deno.test("IsoDateTime refuses text that is not an ISO date or date-time", () => {
  for (
    const text of [
      "",
      "2024-02-30",
      "2024-13-01",
      "2024-01-02T25:00",
      "yesterday",
      "2024-01-02T03:04:05+24:00",
    ]
  ) {
    assert.throws(() => new IsoDateTime(text), RangeError, text);
  }
});

Deno.test("IsoDateTime.equals() compares instants across offsets, and kinds never match", () => {
  const utc = new IsoDateTime("2024-01-02T01:04:05.123456Z");
  assert.ok(utc.equals(new IsoDateTime("2024-01-02T03:04:05.123456+02:00")));
  assert.ok(!utc.equals(new IsoDateTime("2024-01-02T01:04:05.123457Z")));
  assert.ok(
    !new IsoDateTime("2024-01-02T01:04:05").equals(new IsoDateTime("2024-01-02T01:04:05Z")),
  );
});

Deno.test("IsoDateTime refuses < and > as Temporal values do", () => {
  const a = new IsoDateTime("2024-01-02");
  assert.throws(() => (a as unknown as number) < 1, TypeError);
});
