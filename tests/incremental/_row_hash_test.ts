import assert from "node:assert/strict";
import { canonicalJson, digest128, rowHash } from "../../src/incremental/_row_hash.ts";
import { IncrementalPrimaryKeyMissing } from "../../src/errors.ts";
import { hasTemporal } from "../helpers/temporal.ts";

Deno.test("digest128() reproduces dlt's hash vectors", () => {
  assert.equal(digest128('{"created_at":24}'), "aiuNd5u7bjL7glZC/3MB");
  assert.equal(digest128('"a"'), "HXVczKyPrzLoPDkJtIV8");
  assert.equal(digest128("3"), "Cn/dwi436vBbdERZ9hKf");
  assert.equal(digest128("10"), "vo6yPDUNbvwTGquSdaDy");
  assert.equal(digest128('["AAA","DE"]'), "jDuQWGaYv78FC5gqISs+");
});

Deno.test("rowHash() hashes a key column, a list of key columns or the whole row", () => {
  assert.equal(rowHash({ created_at: 24 }, undefined, "r", "c"), "aiuNd5u7bjL7glZC/3MB");
  assert.equal(rowHash({ id: 3, x: 1 }, "id", "r", "c"), "Cn/dwi436vBbdERZ9hKf");
  assert.equal(
    rowHash({ isrc: "AAA", market: "DE", n: 1 }, ["isrc", "market"], "r", "c"),
    "jDuQWGaYv78FC5gqISs+",
  );
  assert.throws(() => rowHash({ x: 1 }, ["x", "y"], "r", "c"), IncrementalPrimaryKeyMissing);
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
