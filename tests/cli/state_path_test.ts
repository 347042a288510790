import assert from "node:assert/strict";
import {
  formatStatePath,
  getAtPath,
  parseStatePath,
  setAtPath,
} from "../../src/cli/_state_path.ts";
import { UsageError } from "../../src/cli/exit_codes.ts";

Deno.test("parseStatePath() reads dotted keys, list indexes and quoted keys", () => {
  assert.deepEqual(parseStatePath("sources.gh.resources.issues"), [
    "sources",
    "gh",
    "resources",
    "issues",
  ]);
  assert.deepEqual(parseStatePath('incremental["data.items[0].created_at"].last_value'), [
    "incremental",
    "data.items[0].created_at",
    "last_value",
  ]);
  assert.deepEqual(parseStatePath("$.ids[2]"), ["ids", 2]);
});

Deno.test("parseStatePath() rejects empty keys and open brackets", () => {
  for (const bad of ["", "a..b", "a.", "a[", "a[x]", '["unterminated']) {
    assert.throws(() => parseStatePath(bad), UsageError, bad);
  }
});

Deno.test("formatStatePath() writes what parseStatePath() reads", () => {
  const parts = ["sources", "gh", "incremental", "data.items[0].created_at", "ids", 3];
  const text = formatStatePath(parts);
  assert.equal(text, 'sources.gh.incremental["data.items[0].created_at"].ids[3]');
  assert.deepEqual(parseStatePath(text), parts);
});

Deno.test("setAtPath() creates objects on the way and refuses to walk through values", () => {
  const root: Record<string, unknown> = { a: { b: 1 } };
  setAtPath(root, ["a", "c", "d"], true);
  assert.deepEqual(root, { a: { b: 1, c: { d: true } } });
  assert.deepEqual(getAtPath(root, ["a", "c", "d"]), { found: true, value: true });
  assert.deepEqual(getAtPath(root, ["a", "x"]), { found: false });
  assert.throws(() => setAtPath(root, ["a", "b", "c"], 1), /a\.b holds 1/);
});
