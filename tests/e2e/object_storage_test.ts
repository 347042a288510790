/**
 * Pipelines on object storage (moto's S3 server) and in Python dlt's layout on a local folder:
 * the cases of `tests/helpers/object_storage_cases.ts` (Deno KV runs them in
 * `tests/kv/kv_pipeline_test.ts`).
 */
import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";
import { useMoto } from "../helpers/moto.ts";
import { localTarget, s3Target } from "../helpers/targets.ts";
import {
  coldStartRequests,
  mergeAndReplaceReadAsLocally,
  racingMachinesCommitOnce,
  restoresWithFreshWorkingDirs,
} from "../helpers/object_storage_cases.ts";

const moto = useMoto();

for (
  const make of [
    (_w: TempWorld) => s3Target(moto()),
    (w: TempWorld) => localTarget(w.bucketDir, "dlt"),
  ]
) {
  Deno.test(`runs restore from the destination with a fresh working dir each time`, async (t) => {
    await using world = await TempWorld.create();
    const target = await make(world);
    await t.step(target.label, () => restoresWithFreshWorkingDirs(world, target));
  });
}

Deno.test("on S3 a merge table and a replace table read as on a local folder", async () => {
  await using world = await TempWorld.create();
  await mergeAndReplaceReadAsLocally(world, await s3Target(moto()));
});

Deno.test("of two machines racing for the next version on S3, exactly one commits it", async () => {
  await using world = await TempWorld.create();
  await racingMachinesCommitOnce(world, await s3Target(moto()));
});

Deno.test("a cold start on S3 finds the newest state with the same requests after 3 or 12 loads", async () => {
  await using world = await TempWorld.create();
  const target = await s3Target(moto());
  const counts = await coldStartRequests(world, target, () => {
    const requests: string[] = [];
    const bucket = countingBucket(target.destination().bucket, requests);
    return {
      destination: dlt.destinations.filesystem({ bucketUrl: target.bucketUrl, bucket }),
      requests: () => requests.length,
    };
  });
  assert.equal(counts[0], counts[1], `requests: ${counts.join(" vs ")}`);
  assert.ok(counts[1] <= 6, `a cold start made ${counts[1]} requests`);
});

/** A bucket that records the name of every call that reaches `bucket`. */
function countingBucket(bucket: dlt.Bucket, calls: string[]): dlt.Bucket {
  return new Proxy(bucket, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || key === "constructor") return value;
      return (...args: unknown[]) => {
        calls.push(`${String(key)} ${String(args[0])}`);
        return value.apply(target, args);
      };
    },
  });
}
