import assert from "node:assert/strict";
import { compileCursorPath, MISSING, simpleField } from "../../src/incremental/_cursor_path.ts";

Deno.test("compileCursorPath() reads a field, telling a missing key from a null value", () => {
  const read = compileCursorPath("updated_at");
  assert.equal(read({ updated_at: 3 }), 3);
  assert.equal(read({ updated_at: null }), null);
  assert.equal(read({ updated_at: undefined }), undefined);
  assert.equal(read({}), MISSING);
  assert.equal(read(null), MISSING);
  assert.equal(read(42), MISSING);
  assert.equal(simpleField("updated_at"), "updated_at");
  assert.equal(simpleField("a.b"), undefined);
});

Deno.test("compileCursorPath() follows dotted paths and indexes", () => {
  const read = compileCursorPath("data.items[0].created_at");
  assert.equal(read({ data: { items: [{ created_at: 2 }, { created_at: 9 }] } }), 2);
  assert.equal(read({ data: { items: [] } }), MISSING);
  assert.equal(read({ data: { items: {} } }), MISSING);
  assert.equal(read({ data: null }), MISSING);
  assert.equal(read({ data: { items: [{ created_at: null }] } }), null);
  assert.equal(compileCursorPath("$.data.id")({ data: { id: 1 } }), 1);
  assert.equal(compileCursorPath("$['odd key'].v")({ "odd key": { v: 5 } }), 5);
});

Deno.test("compileCursorPath() takes the first match of wildcards and unions", () => {
  const read = compileCursorPath("items[*].ts");
  assert.equal(read({ items: [{ x: 1 }, { ts: 4 }, { ts: 5 }] }), 4);
  assert.equal(read({ items: [] }), MISSING);
  assert.equal(read({ items: [{ ts: 4 }, { ts: null }] }), null);
  const union = compileCursorPath("item.timestamp|modifiedAt");
  assert.equal(union({ modifiedAt: 7 }), 7);
  assert.equal(union({ item: { timestamp: 6 }, modifiedAt: 7 }), 6);
  assert.equal(compileCursorPath("a.*")({ a: { x: 3 } }), 3);
});
