/** Checks that tests of crashes and conflicts share: rows exactly once, states in agreement. */
import assert from "node:assert/strict";
import type * as dlt from "../../mod.ts";

/** Asserts that table `items` holds ids `1..total`, each exactly once. */
export async function assertEachIdOnce(pipeline: dlt.Pipeline, total: number): Promise<void> {
  const ids = (await pipeline.dataset().table("items").toArray()).map((row) => row.id as number);
  ids.sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: total }, (_, i) => i + 1));
}

/**
 * Asserts that the local state and the destination's newest committed state are the same version
 * with the same hash, and that no package is left pending.
 */
export async function assertStatesAgree(pipeline: dlt.Pipeline): Promise<void> {
  const history = await pipeline.stateHistory();
  const newest = history.at(-1);
  assert.ok(newest, "the destination holds no committed state");
  const local = pipeline.state;
  assert.equal(local._state_version, newest.version);
  assert.equal(local._version_hash, newest.versionHash);
  assert.deepEqual(await pipeline.pendingPackages(), []);
}
