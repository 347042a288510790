import assert from "node:assert/strict";
import { InvalidRowError } from "../../src/errors.ts";
import { bumpSchemaVersion, ensureTable, newSchema } from "../../src/destinations/schema.ts";
import { TableObserver } from "../../src/destinations/table_observer.ts";
import { IsoDateTime } from "../../src/state/iso_date_time.ts";
import { withoutTemporal } from "../helpers/temporal.ts";

function observeAll(rows: Record<string, unknown>[]) {
  const schema = newSchema("s");
  const table = ensureTable(schema, "t", { writeDisposition: "append" });
  let changes = 0;
  const observer = new TableObserver(table, () => changes++);
  for (const row of rows) observer.observe(row);
  return { table, changes, schema };
}

Deno.test("TableObserver infers column types in the order columns first appear", () => {
  const { table } = observeAll([
    { id: 1, name: "a", at: "2024-01-01T00:00:00Z", day: "2024-01-01", ok: true, meta: { x: 1 } },
    { id: 2, name: "b", at: "2024-01-02T00:00:00+02:00", day: "2024-01-02", ok: false, meta: {} },
  ]);
  assert.deepEqual(
    Object.values(table.columns).map((c) => [c.name, c.data_type]),
    [["id", "bigint"], ["name", "text"], ["at", "timestamp"], ["day", "date"], ["ok", "bool"], [
      "meta",
      "json",
    ]],
  );
});

Deno.test("TableObserver adds a column first seen as null once it has a value, whatever the key order", () => {
  const { table } = observeAll([
    { id: 1, later: null },
    { later: "x", id: 2 },
    { id: 3 },
    { id: 4, extra: 1.5 },
  ]);
  assert.deepEqual(Object.keys(table.columns), ["id", "later", "extra"]);
  assert.equal(table.columns.later.data_type, "text");
  assert.equal(table.columns.extra.data_type, "double");
});

Deno.test("TableObserver widens bigint to double and records other conflicts as variants", () => {
  const { table, changes } = observeAll([
    { n: 1, s: "text", t: "2024-01-01T00:00:00Z" },
    { n: 2.5, s: 3, t: "later" },
    { n: 3, s: 4, t: "2024-01-03T00:00:00Z" },
    { n: 4, s: "again", t: null },
  ]);
  assert.equal(table.columns.n.data_type, "double");
  assert.equal(table.columns.n.variant_types, undefined);
  assert.deepEqual(table.columns.s.variant_types, ["bigint"]);
  assert.deepEqual(table.columns.t.variant_types, ["text"]);
  assert.equal(changes, 6);
});

Deno.test("TableObserver rejects values JSON cannot hold, nested or not, on every row", () => {
  const schema = newSchema("s");
  const observer = new TableObserver(
    ensureTable(schema, "t", { writeDisposition: "append" }),
    () => {},
  );
  observer.observe({ id: 1, meta: { a: 1 } });
  assert.throws(() => observer.observe({ id: 2, meta: { a: () => 1 } }), InvalidRowError);
  assert.throws(() => observer.observe({ id: 3n, meta: {} }), InvalidRowError);
  assert.throws(() => observer.observe({ id: 4, meta: [Symbol("s")] }), InvalidRowError);
});

Deno.test("bumpSchemaVersion() bumps only when the tables changed", () => {
  const { schema } = observeAll([{ id: 1 }]);
  assert.equal(bumpSchemaVersion(schema), true);
  assert.equal(schema.version, 1);
  assert.equal(bumpSchemaVersion(schema), false);
});

Deno.test("TableObserver types IsoDateTime values by kind, with or without Temporal", async () => {
  await withoutTemporal(() => {
    const { table } = observeAll([
      { at: new IsoDateTime("2024-01-01T00:00:00.000001Z"), day: new IsoDateTime("2024-01-01") },
      {
        at: new Date("2024-01-02T00:00:00Z"),
        day: "2024-01-02",
        nested: { at: new IsoDateTime("2024-01-01T00:00:00Z") },
      },
    ]);
    assert.deepEqual(
      Object.values(table.columns).map((c) => [c.name, c.data_type, c.variant_types]),
      [["at", "timestamp", undefined], ["day", "date", undefined], ["nested", "json", undefined]],
    );
  });
});
