import assert from "node:assert/strict";
import {
  compareValues,
  CursorKey,
  KeyKind,
  valuesEqual,
  valuesMismatch,
} from "../../src/incremental/_compare.ts";
import { formatIso, IsoKind, newIsoParts, parseIso } from "../../src/incremental/_iso_time.ts";
import { hasTemporal } from "../helpers/temporal.ts";

Deno.test("parseIso() reads dates, zoned and unzoned timestamps, and rejects the rest", () => {
  const parts = newIsoParts();
  assert.equal(parseIso("2024-02-29", parts), IsoKind.DATE);
  assert.equal(parts.ms, Date.UTC(2024, 1, 29));
  assert.equal(parseIso("2024-01-01T02:00:00.123456789+02:00", parts), IsoKind.INSTANT);
  assert.equal(parts.ms, Date.UTC(2024, 0, 1, 0, 0, 0, 123));
  assert.equal(parts.sub, 456789);
  assert.equal(parseIso("2024-01-01 10:00", parts), IsoKind.LOCAL);
  assert.equal(parseIso("2024-01-01T10:00:00z", parts), IsoKind.INSTANT);
  assert.equal(parseIso("2024-01-01T10:00:00-0330", parts), IsoKind.INSTANT);
  assert.equal(parts.offsetMinutes, -210);
  for (
    const text of [
      "2023-02-29",
      "2024-13-01",
      "2024-01-01T25:00",
      "2024-01-01Tx",
      "abc",
      "20240101",
    ]
  ) {
    assert.equal(parseIso(text, parts), IsoKind.NONE, text);
  }
});

Deno.test("formatIso() writes an instant in the layout it was read in", () => {
  const parts = newIsoParts();
  parseIso("2024-01-01T02:00:00.250+02:00", parts);
  assert.equal(
    formatIso(parts, Date.UTC(2023, 11, 31, 23, 0), 0),
    "2024-01-01T01:00:00.000+02:00",
  );
  parseIso("2024-01-01 10:00", parts);
  assert.equal(formatIso(parts, Date.UTC(2024, 0, 1, 9, 59, 30), 0), "2024-01-01 09:59");
});

Deno.test("compareValues() compares instants across offsets and Dates", () => {
  assert.equal(compareValues("2024-01-01T11:30:00+02:00", "2024-01-01T10:00:00Z"), -1);
  assert.equal(compareValues("2024-01-01T12:00:00+02:00", "2024-01-01T10:00:00.000Z"), 0);
  assert.equal(compareValues(new Date("2024-01-01T10:00:00Z"), "2024-01-01T10:00:00.001Z"), -1);
});

Deno.test({
  name: "compareValues() compares Temporal values with Dates and ISO strings",
  ignore: !hasTemporal,
}, () => {
  assert.equal(
    compareValues(
      Temporal.Instant.from("2024-01-01T10:00:00.000000001Z"),
      new Date("2024-01-01T10:00:00Z"),
    ),
    1,
  );
  assert.equal(
    compareValues(
      Temporal.ZonedDateTime.from("2024-01-01T12:00:00+01:00[Europe/Berlin]"),
      "2024-01-01T11:00:00Z",
    ),
    0,
  );
  assert.equal(compareValues(Temporal.PlainDate.from("2024-01-02"), "2024-01-01"), 1);
  assert.equal(
    compareValues(Temporal.PlainDateTime.from("2024-01-01T10:00"), "2024-01-01T10:00:00"),
    0,
  );
});

Deno.test("compareValues() compares numbers, BigInts and text as dlt does", () => {
  assert.equal(compareValues(2, 10), -1);
  assert.equal(compareValues(10n, 9.5), 1);
  assert.equal(compareValues("b", "a"), 1);
  assert.equal(compareValues("10", "9"), -1);
  assert.equal(compareValues(true, false), 1);
});

Deno.test("compareValues() gives NaN for values that do not compare, and says why", () => {
  assert.ok(Number.isNaN(compareValues(1, "1")));
  assert.ok(Number.isNaN(compareValues(NaN, 1)));
  assert.ok(Number.isNaN(compareValues("2024-01-01T10:00:00Z", "2024-01-01T10:00:00")));
  assert.ok(Number.isNaN(compareValues({}, {})));
  assert.match(valuesMismatch("2024-01-01T10:00:00Z", "2024-01-01T10:00:00"), /offset/);
  assert.match(valuesMismatch("2024-01-01", "2024-01-01T10:00:00"), /a date and a date-time/);
  assert.match(valuesMismatch("n/a", "2024-01-01T10:00:00Z"), /not an ISO-8601/);
  assert.match(valuesMismatch(1, "x"), /a number does not compare with a string/);
});

Deno.test("valuesEqual() is Python's == for cursor values", () => {
  assert.equal(valuesEqual("2024-01-01T12:00:00+02:00", new Date("2024-01-01T10:00:00Z")), true);
  assert.equal(valuesEqual(1, "1"), false);
  assert.equal(valuesEqual(null, undefined), true);
  const o = {};
  assert.equal(valuesEqual(o, o), true);
});

Deno.test("CursorKey classifies values into kinds", () => {
  const key = new CursorKey();
  assert.equal(key.set(1), KeyKind.NUMBER);
  assert.equal(key.set("x"), KeyKind.TEXT);
  assert.equal(key.set("2024-01-01T00:00:00Z"), KeyKind.INSTANT);
  assert.equal(key.set("2024-01-01T00:00:00"), KeyKind.LOCAL);
  assert.equal(key.set("2024-01-01"), KeyKind.DATE);
  assert.equal(key.set(new Date(NaN)), KeyKind.OTHER);
  assert.equal(key.set(null), KeyKind.NONE);
});

Deno.test({
  name: "CursorKey classifies Temporal instants to the nanosecond",
  ignore: !hasTemporal,
}, () => {
  const key = new CursorKey();
  assert.equal(key.set(Temporal.Instant.fromEpochNanoseconds(-1n)), KeyKind.INSTANT);
  assert.equal(key.ms, -1);
  assert.equal(key.sub, 999999);
});
