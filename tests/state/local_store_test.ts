import assert from "node:assert/strict";
import { join } from "node:path";
import { StateFileCorruptedError } from "../../src/errors.ts";
import { LocalStateStore } from "../../src/state/local_store.ts";
import { bumpStateVersion, newPipelineState } from "../../src/state/state_document.ts";

Deno.test("LocalStateStore.save() replaces state.json atomically and leaves no temp files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new LocalStateStore(join(dir, "p"));
    assert.equal(store.load(), undefined);
    const state = newPipelineState("p", "p_dataset");
    state.sources = { p: { at: new Date("2024-01-01T00:00:00.000Z") } };
    await assert.rejects(store.save(state), TypeError); // changed since it was hashed
    bumpStateVersion(state);
    await store.save(state);
    await store.save(state);
    assert.deepEqual([...Deno.readDirSync(join(dir, "p"))].map((e) => e.name), ["state.json"]);
    const loaded = store.load()!;
    assert.deepEqual(loaded, state);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [label, text] of [
    ["truncated", '{"_state_version": 3, "pipeline_na'],
    ["not a state", '{"hello": "world"}'],
    ["empty", ""],
    ["binary garbage", "\u0000\u0001\u0002"],
  ]
) {
  Deno.test(`LocalStateStore.load() reports a ${label} state.json as StateFileCorruptedError`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(join(dir, "state.json"), text);
      let error: unknown;
      try {
        new LocalStateStore(dir).load();
      } catch (caught) {
        error = caught;
      }
      assert.ok(error instanceof StateFileCorruptedError);
      assert.equal(error.file, join(dir, "state.json"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
