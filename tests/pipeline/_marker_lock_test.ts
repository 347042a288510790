import assert from "node:assert/strict";
import { join } from "node:path";
import { STALE_AFTER_MS, tryMarkerLock } from "../../src/pipeline/_marker_lock.ts";

async function withDir(fn: (dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("tryMarkerLock() is exclusive and names the holder; release() frees it", async () => {
  await withDir((dir) => {
    const lock = tryMarkerLock(dir);
    assert.ok(!("heldBy" in lock));
    assert.deepEqual(tryMarkerLock(dir), { heldBy: Deno.pid });
    lock.release();
    const again = tryMarkerLock(dir);
    assert.ok(!("heldBy" in again));
    again.release();
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("tryMarkerLock() takes over the marker of a process that is gone", async () => {
  await withDir((dir) => {
    // A pid above the kernel's maximum never runs.
    Deno.writeTextFileSync(join(dir, ".lock.pid"), "4194399 12345\n");
    const lock = tryMarkerLock(dir);
    assert.ok(!("heldBy" in lock));
    lock.release();
  });
});

Deno.test("tryMarkerLock() takes over a marker whose heartbeat stopped", async () => {
  await withDir((dir) => {
    const marker = join(dir, ".lock.pid");
    Deno.writeTextFileSync(marker, `${Deno.pid} not-my-start-time\n`);
    assert.ok("heldBy" in tryMarkerLock(dir) || Deno.build.os === "linux");
    const old = new Date(Date.now() - STALE_AFTER_MS - 1000);
    Deno.utimeSync(marker, old, old);
    const lock = tryMarkerLock(dir);
    assert.ok(!("heldBy" in lock));
    lock.release();
  });
});
