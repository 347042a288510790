import assert from "node:assert/strict";
import { StateNotSerializableError } from "../../src/errors.ts";
import { IsoDateTime } from "../../src/state/iso_date_time.ts";
import { canonicalJson, decodeTyped, encodeTyped } from "../../src/state/typed_json.ts";
import { hasTemporal, withoutTemporal } from "../helpers/temporal.ts";

Deno.test("encodeTyped() tags Dates as dlt datetimes and decodeTyped() restores them", () => {
  const date = new Date("2024-01-02T03:04:05.678Z");
  const encoded = encodeTyped({ at: date, list: [date] });
  assert.deepEqual(encoded, {
    at: "\uF0272024-01-02T03:04:05.678Z",
    list: ["\uF0272024-01-02T03:04:05.678Z"],
  });
  const decoded = decodeTyped(encoded) as { at: Date; list: Date[] };
  assert.equal(decoded.at.getTime(), date.getTime());
  assert.equal(decoded.list[0].getTime(), date.getTime());
});

Deno.test({
  name: "decodeTyped() reads datetimes written by Python dlt",
  ignore: !hasTemporal,
}, () => {
  const decoded = decodeTyped({
    aware: "\uF0272024-01-02T03:04:05+00:00",
    micro: "\uF0272024-01-02T03:04:05.123456+02:00",
    naive: "\uF0272024-01-02T03:04:05",
    date: "\uF0282024-01-02",
    decimal: "\uF02612.50",
  }) as Record<string, unknown>;
  // Python's isoformat() is not a form this library writes: kept as text, as the instant it is.
  assert.ok(decoded.aware instanceof IsoDateTime);
  assert.equal(decoded.aware.epochMilliseconds, Date.parse("2024-01-02T03:04:05Z"));
  assert.ok(decoded.micro instanceof IsoDateTime);
  assert.equal(decoded.micro.toString(), "2024-01-02T03:04:05.123456+02:00");
  assert.equal(decoded.micro.kind, "instant");
  assert.ok(decoded.naive instanceof Temporal.PlainDateTime);
  assert.ok(decoded.date instanceof Temporal.PlainDate);
  assert.equal(decoded.decimal, "\uF02612.50");
});

/** Tagged values as this library and Python dlt write them. */
const STORED = [
  "\uF0272024-01-02T03:04:05.678Z", // a Date, as this library writes it
  "\uF0272024-01-02T03:04:05.123456789Z", // a Temporal.Instant, as this library writes it
  "\uF0272024-01-02T03:04:05.123456+02:00", // datetime.isoformat() in Python dlt
  "\uF0272024-01-02T03:04:05+00:00",
  "\uF0272024-01-02T03:04:05.123456",
  "\uF0272024-01-02T03:04:05",
  "\uF0272024-01-02T03:04:05.25",
  "\uF0282024-01-02",
];

Deno.test({
  name: "decodeTyped() then encodeTyped() gives back the same strings with Temporal",
  ignore: !hasTemporal,
}, () => {
  const decoded = decodeTyped(STORED) as unknown[];
  assert.deepEqual(encodeTyped(decoded), STORED);
  assert.ok(decoded[0] instanceof Date);
  assert.ok(decoded[1] instanceof Temporal.Instant);
  assert.ok(decoded[5] instanceof Temporal.PlainDateTime);
});

Deno.test({
  name: "encodeTyped() round-trips Temporal values and bytes",
  ignore: !hasTemporal,
}, () => {
  const value = {
    instant: Temporal.Instant.from("2024-01-02T03:04:05.000000001Z"),
    plain: Temporal.PlainDateTime.from("2024-01-02T03:04:05"),
    day: Temporal.PlainDate.from("2024-01-02"),
    bytes: new Uint8Array([0, 1, 254, 255]),
  };
  const decoded = decodeTyped(JSON.parse(JSON.stringify(encodeTyped(value)))) as typeof value;
  assert.ok(decoded.instant.equals(value.instant));
  assert.ok(decoded.plain.equals(value.plain));
  assert.ok(decoded.day.equals(value.day));
  assert.deepEqual(decoded.bytes, value.bytes);
});

Deno.test("decodeTyped() without Temporal reads finer datetimes, naive ones and dates as IsoDateTime", async () => {
  await withoutTemporal(() => {
    const decoded = decodeTyped({
      aware: "\uF0272024-01-02T03:04:05+00:00",
      micro: "\uF0272024-01-02T03:04:05.123456+02:00",
      naive: "\uF0272024-01-02T03:04:05",
      date: "\uF0282024-01-02",
      bad: "\uF028yesterday",
      bytes: "\uF02BAAH+/w==",
    }) as Record<string, unknown>;
    assert.ok(decoded.aware instanceof IsoDateTime);
    assert.equal(decoded.aware.toString(), "2024-01-02T03:04:05+00:00");
    assert.ok(decoded.micro instanceof IsoDateTime);
    assert.equal(decoded.micro.kind, "instant");
    assert.equal(decoded.micro.nanosecondsWithinMillisecond, 456_000);
    assert.ok(decoded.naive instanceof IsoDateTime);
    assert.equal(decoded.naive.kind, "local");
    assert.ok(decoded.date instanceof IsoDateTime);
    assert.equal(decoded.date.kind, "date");
    assert.equal(decoded.bad, "\uF028yesterday");
    assert.deepEqual(decoded.bytes, new Uint8Array([0, 1, 254, 255]));
  });
});

Deno.test("decodeTyped() then encodeTyped() gives back the same strings without Temporal", async () => {
  await withoutTemporal(() => {
    assert.deepEqual(encodeTyped(decodeTyped(STORED)), STORED);
  });
});

Deno.test("encodeTyped() writes an IsoDateTime under the tag of its kind", () => {
  assert.deepEqual(
    encodeTyped([new IsoDateTime("2024-01-02T03:04:05.1234Z"), new IsoDateTime("2024-01-02")]),
    ["\uF0272024-01-02T03:04:05.1234Z", "\uF0282024-01-02"],
  );
});

Deno.test({
  name: "encodeTyped() refuses a Temporal.ZonedDateTime, naming its path and what to store instead",
  ignore: !hasTemporal,
}, () => {
  const zoned = Temporal.ZonedDateTime.from("2024-03-31T03:30:00+02:00[Europe/Berlin]");
  const error = thrownBy(() => encodeTyped({ since: { at: zoned } }, "sources.s"));
  assert.ok(error instanceof StateNotSerializableError);
  assert.equal(error.path, "sources.s.since.at");
  assert.match(error.message, /2024-03-31T03:30:00\+02:00\[Europe\/Berlin\]/);
  assert.match(error.message, /toInstant\(\)/);
  assert.match(error.message, /toString\(\)/);
});

Deno.test("encodeTyped() drops undefined keys and writes undefined array items as null", () => {
  assert.deepEqual(encodeTyped({ a: undefined, b: [undefined, 1] }), { b: [null, 1] });
});

for (
  const [label, value, path] of [
    ["BigInt", { a: { b: 1n } }, "a.b"],
    ["function", { f: () => {} }, "f"],
    ["symbol", { list: [1, Symbol("s")] }, "list[1]"],
    ["Infinity", { n: Infinity }, "n"],
    ["Set", { s: new Set() }, "s"],
    ["class instance", { c: new (class Point {})() }, "c"],
    ["invalid Date", { d: new Date("nope") }, "d"],
  ] as const
) {
  Deno.test(`encodeTyped() rejects a ${label} naming its path`, () => {
    assert.throws(() => encodeTyped(value, "root"), (error: unknown) => {
      assert.ok(error instanceof StateNotSerializableError);
      assert.equal(error.path, `root.${path}`.replace(".[", "["));
      return true;
    });
  });
}

Deno.test("encodeTyped() rejects cycles but accepts shared references", () => {
  const shared = { x: 1 };
  assert.deepEqual(encodeTyped({ a: shared, b: shared }), { a: { x: 1 }, b: { x: 1 } });
  const loop: Record<string, unknown> = {};
  loop.me = loop;
  assert.throws(() => encodeTyped({ loop }), StateNotSerializableError);
});

Deno.test("canonicalJson() sorts keys at every level and leaves arrays in order", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "é" } }),
    '{"a":{"c":"é","d":[3,{"y":2,"z":1}]},"b":1}',
  );
});

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, nothing was thrown");
}
