/**
 * Pipelines on Deno KV (a local database file): the cases every destination without appends
 * passes (`tests/helpers/object_storage_cases.ts`), and what a cold start costs in KV reads.
 */
import assert from "node:assert/strict";
import { kvDestination } from "../../kv.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { kvTarget, type Target } from "../helpers/targets.ts";
import { kvTest, TempKv } from "../helpers/kv.ts";
import { countingKv } from "../helpers/counting_kv.ts";
import {
  coldStartRequests,
  mergeAndReplaceReadAsLocally,
  racingMachinesCommitOnce,
  restoresWithFreshWorkingDirs,
} from "../helpers/object_storage_cases.ts";

/** A test with a fresh world and a fresh KV database file. */
function onKv(name: string, fn: (world: TempWorld, target: Target, temp: TempKv) => Promise<void>) {
  kvTest(name, async () => {
    await using world = await TempWorld.create();
    await using temp = await TempKv.create();
    await fn(world, kvTarget(temp), temp);
  });
}

onKv(
  "runs on Deno KV restore from the destination with a fresh working dir each time",
  (world, target) => restoresWithFreshWorkingDirs(world, target),
);

onKv(
  "on Deno KV a merge table and a replace table read as on a local folder",
  (world, target) => mergeAndReplaceReadAsLocally(world, target),
);

onKv(
  "of two machines racing for the next version on Deno KV, exactly one commits it",
  (world, target) => racingMachinesCommitOnce(world, target),
);

onKv(
  "a cold start on Deno KV reads the same after 3 or 30 loads, and writes nothing",
  async (world, target, temp) => {
    const seen: { keys: number; commits: number }[] = [];
    const calls = await coldStartRequests(world, target, () => {
      const counting = countingKv(temp.kv);
      return {
        destination: kvDestination(counting.kv),
        requests: () => {
          seen.push({ keys: counting.counts.keysRead, commits: counting.counts.commits });
          return counting.counts.readCalls;
        },
      };
    }, [3, 30]);
    assert.equal(calls[0], calls[1], `KV read calls: ${calls.join(" vs ")}`);
    assert.ok(calls[1] <= 6, `a cold start made ${calls[1]} KV read calls`);
    assert.equal(seen[0].keys, seen[1].keys, `keys read: ${seen[0].keys} vs ${seen[1].keys}`);
    assert.deepEqual(seen.map((s) => s.commits), [0, 0]);
  },
);
