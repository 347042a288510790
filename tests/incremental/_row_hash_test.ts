import assert from "node:assert/strict";
import { canonicalJson, digest128, rowHash } from "../../src/incremental/_row_hash.ts";
import { IncrementalPrimaryKeyMissing } from "../../src/errors.ts";
import { IsoDateTime } from "../../src/state/iso_date_time.ts";
import { hasTemporal } from "../helpers/temporal.ts";

Deno.test("digest128() reproduces dlt's hash vectors", () => {
  assert.equal(digest128('{"created_at":24}'), "aiuNd5u7bjL7glZC/3MB");
  assert.equal(digest128('"a"'), "HXVczKyPrzLoPDkJtIV8");
  assert.equal(digest128("3"), "Cn/dwi436vBbdERZ9hKf");
  assert.equal(digest128("10"), "vo6yPDUNbvwTGquSdaDy");
  assert.equal(digest128('["AAA","DE"]'), "jDuQWGaYv78FC5gqISs+");
});

Deno.test("digest128() in the short format reproduces dlt 1.31's 12-character vectors", () => {
  assert.equal(digest128('{"created_at":24}', "short"), "aiuNd5u7bjL7");
  assert.equal(digest128("4", "short"), "9ydaHrzwo9f8");
  assert.equal(digest128('["AAA","DE"]', "short"), "jDuQWGaYv78F");
});

Deno.test("rowHash() hashes a key column, a list of key columns or the whole row", () => {
  for (const format of ["legacy", "short"] as const) {
    const cut = format === "short" ? 12 : 20;
    assert.equal(
      rowHash({ created_at: 24 }, undefined, "r", "c", format),
      "aiuNd5u7bjL7glZC/3MB".slice(0, cut),
    );
    assert.equal(
      rowHash({ id: 3, x: 1 }, "id", "r", "c", format),
      "Cn/dwi436vBbdERZ9hKf".slice(0, cut),
    );
    assert.equal(
      rowHash({ isrc: "AAA", market: "DE", n: 1 }, ["isrc", "market"], "r", "c", format),
      "jDuQWGaYv78FC5gqISs+".slice(0, cut),
    );
    assert.throws(
      () => rowHash({ x: 1 }, ["x", "y"], "r", "c", format),
      IncrementalPrimaryKeyMissing,
    );
  }
});

// Vectors from dlt 1.31.0's digest_dedup_value(value) and digest_dedup_value(value, legacy=True).
Deno.test("rowHash() hashes datetimes as dlt 1.31 does in both formats", () => {
  const at = new Date("2024-01-01T10:00:00.500Z");
  assert.equal(rowHash({ at }, "at", "r", "c", "short"), "BjgcvhlDXfcH");
  assert.equal(rowHash({ at }, "at", "r", "c", "legacy"), "BwCrjCbMWydt8btr+gT7");
  // A naive datetime is read as UTC by the short format: the same hash as the instant.
  const naive = new IsoDateTime("2024-01-01T10:00:00.500000");
  assert.equal(rowHash({ at: naive }, "at", "r", "c", "short"), "BjgcvhlDXfcH");
  assert.equal(rowHash({ at: naive }, "at", "r", "c", "legacy"), "3sxOr0VkQ5oZSbpKzumH");
  // One instant at another offset: alike in the short format.
  const zoned = new IsoDateTime("2024-01-01T12:00:00.500000+02:00");
  assert.equal(rowHash({ at: zoned }, "at", "r", "c", "short"), "BjgcvhlDXfcH");
  const before = new IsoDateTime("1969-12-31T23:59:59.999999Z");
  assert.equal(rowHash({ at: before }, "at", "r", "c", "short"), "7jcxDAm6HTou");
  assert.equal(rowHash({ at: before }, "at", "r", "c", "legacy"), "sTjEsmAz1Jz9ilzPnGAS");
  const day = new IsoDateTime("2024-01-01");
  assert.equal(rowHash({ day }, "day", "r", "c", "short"), "xRS6/g8dP+po");
  assert.equal(rowHash({ day }, "day", "r", "c", "legacy"), "xRS6/g8dP+po4kCGPdva");
  const row = { id: 1, at: new Date("2024-01-01T00:00:00Z"), f: 1.5, s: "é" };
  assert.equal(rowHash(row, undefined, "r", "c", "short"), "bEwNcTmK/XJw");
  assert.equal(rowHash(row, undefined, "r", "c", "legacy"), "cu4scCN+YwvPS/DBXKoX");
});

Deno.test({
  name: "rowHash() hashes Temporal datetimes as dlt 1.31 does in the short format",
  ignore: !hasTemporal,
}, () => {
  const instant = Temporal.Instant.from("2024-01-01T10:00:00.5Z");
  assert.equal(rowHash({ at: instant }, "at", "r", "c", "short"), "BjgcvhlDXfcH");
  const local = Temporal.PlainDateTime.from("2024-01-01T10:00:00.5");
  assert.equal(rowHash({ at: local }, "at", "r", "c", "short"), "BjgcvhlDXfcH");
  const before = Temporal.Instant.from("1969-12-31T23:59:59.999999Z");
  assert.equal(rowHash({ at: before }, "at", "r", "c", "short"), "7jcxDAm6HTou");
});

Deno.test("canonicalJson() sorts keys at every level and writes datetimes as orjson does", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } }),
    '{"a":{"c":null,"d":[1,{"f":2}]},"b":1}',
  );
  assert.equal(canonicalJson(new Date("2024-01-01T10:00:00Z")), '"2024-01-01T10:00:00Z"');
  assert.equal(canonicalJson(new Date("2024-01-01T10:00:00.5Z")), '"2024-01-01T10:00:00.500000Z"');
  assert.equal(canonicalJson([undefined, "é"]), '[null,"é"]');
});

Deno.test({
  name: "canonicalJson() writes Temporal values as orjson writes datetimes",
  ignore: !hasTemporal,
}, () => {
  assert.equal(
    canonicalJson(Temporal.Instant.from("2024-01-01T10:00:00.000001Z")),
    '"2024-01-01T10:00:00.000001Z"',
  );
  assert.equal(canonicalJson(Temporal.PlainDate.from("2024-01-01")), '"2024-01-01"');
  assert.equal(
    canonicalJson(Temporal.PlainDateTime.from("2024-01-01T10:00:00.25")),
    '"2024-01-01T10:00:00.250000"',
  );
});
