/** The incremental filter where the runtime has no Temporal (Deno 2.5, Deno Deploy). */
import assert from "node:assert/strict";
import { incremental } from "../../src/incremental/incremental.ts";
import { compareValues, CursorKey, KeyKind } from "../../src/incremental/_compare.ts";
import { applyLag, resolveLag } from "../../src/incremental/_lag.ts";
import { canonicalJson } from "../../src/incremental/_row_hash.ts";
import { ConfigurationError } from "../../src/errors.ts";
import { IsoDateTime } from "../../src/state/iso_date_time.ts";
import { decodeTyped, encodeTyped } from "../../src/state/typed_json.ts";
import { withoutTemporal } from "../helpers/temporal.ts";
import { hashOf, runOnce, slotOf } from "./_helpers.ts";

Deno.test("CursorKey classifies IsoDateTime by kind, to the nanosecond", async () => {
  await withoutTemporal(() => {
    const key = new CursorKey();
    assert.equal(key.set(new IsoDateTime("2024-01-01T02:00:00.000000001+02:00")), KeyKind.INSTANT);
    assert.equal(key.ms, Date.UTC(2024, 0, 1));
    assert.equal(key.sub, 1);
    assert.equal(key.set(new IsoDateTime("2024-01-01T10:00:00.5")), KeyKind.LOCAL);
    assert.equal(key.set(new IsoDateTime("2024-01-01")), KeyKind.DATE);
    assert.equal(key.set({}), KeyKind.OTHER);
    assert.equal(key.set(new (class Point {})()), KeyKind.OTHER);
  });
});

Deno.test("an IsoDateTime compares with ISO strings and Dates as the instant it is", async () => {
  await withoutTemporal(() => {
    const stored = new IsoDateTime("2024-01-02T03:04:05.123456+02:00");
    assert.equal(compareValues("2024-01-02T01:04:05.123456Z", stored), 0);
    assert.equal(compareValues("2024-01-02T01:04:05.123457Z", stored), 1);
    assert.equal(compareValues(new Date("2024-01-02T01:04:05.123Z"), stored), -1);
    assert.equal(compareValues(new IsoDateTime("2024-01-02T01:04:05"), "2024-01-02T01:04:05"), 0);
    assert.ok(Number.isNaN(compareValues(new IsoDateTime("2024-01-02"), stored)));
  });
});

Deno.test("a cursor decoded without Temporal filters rows to the microsecond and dedups its boundary", async () => {
  await withoutTemporal(() => {
    // The slot as Python dlt (or this library, from a Temporal.Instant) stored it.
    const stored = {
      incremental: {
        ts: {
          initial_value: null,
          last_value: "\uF0272024-01-02T03:04:05.123456+02:00",
          start_value: null,
          unique_hashes: [hashOf(1)],
        },
      },
    };
    const state = decodeTyped(stored) as Record<string, unknown>;
    const inc = incremental("ts", { primaryKey: "id" });
    const { rows, bound } = runOnce(inc, [[
      { id: 1, ts: "2024-01-02T01:04:05.123456Z" }, // the boundary row loaded last time
      { id: 2, ts: "2024-01-02T01:04:05.123456Z" }, // same instant, new row
      { id: 3, ts: "2024-01-02T01:04:05.123455Z" }, // a microsecond before
      { id: 4, ts: "2024-01-02T01:04:05.123457Z" }, // a microsecond after
    ]], { state });
    assert.deepEqual(rows.map((row) => row.id), [2, 4]);
    assert.ok(bound.startValue instanceof IsoDateTime);
    assert.equal((slotOf(state, "ts") as Record<string, unknown>).last_value, rows[1].ts);
  });
});

Deno.test("a stored cursor that did not move is written back as the same text", async () => {
  await withoutTemporal(() => {
    const slot = {
      initial_value: "\uF0272024-01-01T00:00:00.000000001Z",
      last_value: "\uF0272024-01-02T03:04:05.123456+02:00",
      start_value: "\uF0272024-01-02T03:04:05.123456+02:00",
      unique_hashes: [],
    };
    const state = decodeTyped({ incremental: { ts: slot } }) as Record<string, unknown>;
    runOnce(incremental("ts"), [[{ ts: "2024-01-01T00:00:00Z" }]], { state });
    assert.deepEqual(encodeTyped(state), { incremental: { ts: slot } });
  });
});

Deno.test("lag moves an IsoDateTime and keeps its layout and offset", async () => {
  await withoutTemporal(() => {
    const lagged = applyLag(
      new IsoDateTime("2024-01-02T03:04:05.123456+02:00"),
      resolveLag({ seconds: 0.000001 }, "x")!,
      1,
      "x",
    );
    assert.ok(lagged instanceof IsoDateTime);
    assert.equal(String(lagged), "2024-01-02T03:04:05.123455+02:00");
    const day = applyLag(new IsoDateTime("2024-03-01"), resolveLag({ days: 1 }, "x")!, 1, "x");
    assert.equal(String(day), "2024-02-29");
    assert.throws(() => applyLag({}, resolveLag({ days: 1 }, "x")!, 1, "x"), ConfigurationError);
  });
});

Deno.test("canonicalJson() writes an IsoDateTime as orjson writes the datetime", async () => {
  await withoutTemporal(() => {
    assert.equal(
      canonicalJson(new IsoDateTime("2024-01-01T12:00:00.0000019+02:00")),
      '"2024-01-01T10:00:00.000001Z"',
    );
    assert.equal(canonicalJson(new IsoDateTime("2024-01-01T10:00:00Z")), '"2024-01-01T10:00:00Z"');
    assert.equal(
      canonicalJson(new IsoDateTime("1969-12-31T23:59:59.9995Z")),
      '"1969-12-31T23:59:59.999500Z"',
    );
    assert.equal(
      canonicalJson(new IsoDateTime("2024-01-01 10:00:00.25")),
      '"2024-01-01T10:00:00.250000"',
    );
    assert.equal(canonicalJson(new IsoDateTime("2024-01-01")), '"2024-01-01"');
    assert.equal(canonicalJson({ b: new (class Point {})() }), '{"b":{}}');
  });
});
