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

Deno.test("tryMarkerLock() never takes the marker of a live holder, however late its heartbeat", async () => {
  await withDir((dir) => {
    const marker = join(dir, ".lock.pid");
    const start = (() => {
      try {
        const stat = Deno.readTextFileSync("/proc/1/stat");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
      } catch {
        return undefined;
      }
    })();
    // pid 1 runs: with its heartbeat long stopped, /proc still says it holds the lock.
    Deno.writeTextFileSync(marker, `1 ${start ?? ""}\n`);
    const old = new Date(Date.now() - STALE_AFTER_MS - 1000);
    Deno.utimeSync(marker, old, old);
    const attempt = tryMarkerLock(dir);
    if (start === undefined) {
      // No /proc: the heartbeat is all there is to go by, and it says the holder is gone.
      assert.ok(!("heldBy" in attempt));
      attempt.release();
    } else {
      assert.deepEqual(attempt, { heldBy: 1 });
    }
  });
});
