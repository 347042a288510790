import assert from "node:assert/strict";
import { newLoadId, noteLoadId } from "../../src/pipeline/_load_id.ts";

/** True when `a` sorts after `b` both as Python dlt's restore (strings) and cleanup (floats) do. */
function after(a: string, b: string): boolean {
  return a > b && parseFloat(a) > parseFloat(b);
}

Deno.test("newLoadId() makes ids of six fraction digits that increase", () => {
  const first = newLoadId();
  const second = newLoadId();
  assert.match(first, /^\d{10}\.\d{6}$/);
  assert.ok(after(second, first));
});

Deno.test("newLoadId() sorts after a noted Python load id made on a clock ahead of this one", () => {
  const ahead = Date.now() / 1000 + 5;
  const second = Math.floor(ahead);
  // str(time.time()) is the shortest repr of a double, as String() of a number: up to seven
  // fraction digits, trailing zeros dropped.
  for (const noted of [ahead, second + 0.9999997, second + 0.5, second + 1].map(String)) {
    noteLoadId(noted);
    const id = newLoadId();
    assert.ok(after(id, noted), `${id} after ${noted}`);
  }
});

Deno.test("noteLoadId() ignores ids that are not load ids", () => {
  noteLoadId("not-a-load-id");
  noteLoadId("");
  const before = newLoadId();
  assert.ok(after(newLoadId(), before));
});
