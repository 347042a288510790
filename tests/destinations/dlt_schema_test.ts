/**
 * Schemas in Python dlt's stored format. `tests/fixtures/dlt_1_31_schema.json` is what dlt
 * 1.31.0 wrote to `_dlt_version/` after loading `events` rows with a nested object, a list, a
 * camelCase key and a null column (`{"id", "updated_at", "nested": {"a"}, "tags": […],
 * "camelCase", "maybe": null}`).
 */
import assert from "node:assert/strict";
import { tableFromDlt, toDltSchema } from "../../src/destinations/_dlt_schema.ts";
import { addDltColumns, type Schema } from "../../src/destinations/schema.ts";

const fixture = new URL("../fixtures/dlt_1_31_schema.json", import.meta.url);
const dltSchema = (): Record<string, unknown> => JSON.parse(Deno.readTextFileSync(fixture));

function ours(columns: Schema["tables"][string]["columns"]): Schema {
  const schema: Schema = {
    name: "interop",
    version: 1,
    version_hash: "",
    engine_version: 11,
    tables: {
      events: {
        name: "events",
        write_disposition: "append",
        primary_key: ["id"],
        resource: "events",
        columns,
      },
    },
  };
  addDltColumns(schema.tables.events);
  return schema;
}

const known = {
  id: { name: "id", data_type: "bigint", nullable: false, primary_key: true },
  updated_at: { name: "updated_at", data_type: "timestamp", nullable: true },
} as const;

Deno.test("toDltSchema() writes nothing over dlt's schema when it adds nothing: the hash is dlt's own", () => {
  assert.equal(toDltSchema(ours({ ...known }), dltSchema()), undefined);
});

Deno.test("toDltSchema() adds this library's columns and keeps dlt's tables, columns and settings", () => {
  const base = dltSchema();
  const stored = toDltSchema(
    ours({ ...known, extra: { name: "extra", data_type: "json", nullable: true } }),
    base,
  )!;
  assert.equal(stored.version, 3);
  assert.equal(stored.engine_version, 11);
  assert.deepEqual(stored.previous_hashes, [
    base.version_hash,
    ...base.previous_hashes as string[],
  ]);
  const tables = stored.tables as Record<string, { columns: Record<string, unknown> }>;
  assert.deepEqual(Object.keys(tables), Object.keys(base.tables as object));
  assert.deepEqual(Object.keys(tables.events.columns), [
    "id",
    "updated_at",
    "camel_case",
    "nested__a",
    "_dlt_load_id",
    "_dlt_id",
    "extra",
  ]);
  assert.deepEqual(tables.events.columns.extra, {
    name: "extra",
    data_type: "json",
    nullable: true,
  });
  assert.deepEqual(stored.settings, base.settings);
  assert.deepEqual(stored.normalizers, base.normalizers);
  assert.notEqual(stored.version_hash, base.version_hash);
});

Deno.test("toDltSchema() without a base writes dlt's own tables, settings and normalizers", () => {
  const stored = toDltSchema(ours({ ...known }), undefined)!;
  const tables = stored.tables as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(tables), [
    "_dlt_version",
    "_dlt_loads",
    "_dlt_pipeline_state",
    "events",
  ]);
  assert.deepEqual(tables.events["x-normalizer"], { "seen-data": true });
  assert.deepEqual((tables.events.columns as Record<string, unknown>)._dlt_id, {
    name: "_dlt_id",
    data_type: "text",
    nullable: false,
    unique: true,
    row_key: true,
  });
  assert.deepEqual(stored.normalizers, (dltSchema() as { normalizers: unknown }).normalizers);
  assert.equal(stored.version, 1);
});

Deno.test("tableFromDlt() reads a dlt table and a child table, which takes its root's disposition", () => {
  const stored = dltSchema();
  (stored.tables as Record<string, Record<string, unknown>>).events.write_disposition = "merge";
  assert.deepEqual(tableFromDlt(stored, "events"), {
    name: "events",
    write_disposition: "merge",
    primary_key: ["id"],
    resource: "events",
    columns: {
      id: { name: "id", data_type: "bigint", nullable: false, primary_key: true },
      updated_at: { name: "updated_at", data_type: "timestamp", nullable: true },
      camel_case: { name: "camel_case", data_type: "bigint", nullable: true },
      nested__a: { name: "nested__a", data_type: "bigint", nullable: true },
      _dlt_load_id: { name: "_dlt_load_id", data_type: "text", nullable: false },
      _dlt_id: { name: "_dlt_id", data_type: "text", nullable: false },
    },
  });
  const child = tableFromDlt(stored, "events__tags")!;
  assert.equal(child.write_disposition, "merge");
  assert.equal(child.primary_key, undefined);
  assert.equal(tableFromDlt(stored, "_dlt_loads"), undefined);
  assert.equal(tableFromDlt(stored, "missing"), undefined);
});
