/**
 * Deno KV as the destination's storage: a Deno Deploy cron job that keeps its state and rows in
 * the app's KV database, with no bucket or credentials anywhere else. Open the database yourself
 * (`await Deno.openKv()` on Deploy, where it needs no flag; locally run with `--unstable-kv`)
 * and pass it here; `@loadstate/dlt` itself never touches Deno KV.
 *
 * The files are those of Python dlt's layout ("dlt"), each written once, split into 64 KiB
 * chunks; see {@linkcode KvBucket} for how each promise of the storage interface is kept within
 * Deno KV's limits.
 *
 * @example A pipeline whose state and rows live in Deno KV
 * ```ts
 * import * as dlt from "./mod.ts";
 * import { kvDestination } from "./kv.ts";
 *
 * using kv = await Deno.openKv(":memory:"); // on Deno Deploy: await Deno.openKv()
 * const pipeline = dlt.pipeline({
 *   pipelineName: "events",
 *   pipelinesDir: await Deno.makeTempDir(), // scratch: the state comes back from KV
 *   destination: kvDestination(kv),
 * });
 * console.log((await pipeline.run([{ id: 1 }, { id: 2 }], { tableName: "events" })).rowCounts);
 * // { events: 2 }
 * ```
 *
 * @module
 */
import {
  filesystem,
  type FilesystemDestination,
  type FilesystemDestinationOptions,
} from "./src/destinations/filesystem.ts";
import { KvBucket, type KvBucketOptions } from "./src/storage/kv_bucket.ts";

export { KvBucket, type KvBucketOptions } from "./src/storage/kv_bucket.ts";

/**
 * A {@linkcode KvBucket} over `kv`: the storage of a filesystem destination
 * (`dlt.destinations.filesystem({ bucketUrl: bucket.url, bucket })`).
 *
 * @example Files in a KV database
 * ```ts
 * import { kvBucket } from "./kv.ts";
 *
 * using kv = await Deno.openKv(":memory:");
 * const bucket = kvBucket(kv, { prefix: ["lake"] });
 * await bucket.write("notes/hello.txt", new TextEncoder().encode("hello"));
 * console.log(bucket.url, await bucket.list("notes")); // kv://lake [ { name: "hello.txt", isDirectory: false } ]
 * ```
 */
export function kvBucket(kv: Deno.Kv, options: KvBucketOptions = {}): KvBucket {
  return new KvBucket(kv, options);
}

/**
 * Options of {@linkcode kvDestination}: those of the bucket, and of the destination.
 *
 * @example Two pipelines' datasets in one database, under their own prefixes
 * ```ts
 * import { kvDestination, type KvDestinationOptions } from "./kv.ts";
 *
 * using kv = await Deno.openKv(":memory:");
 * const options: KvDestinationOptions = { prefix: ["dlt", "crm"], destinationName: "crm" };
 * const destination = kvDestination(kv, options);
 * console.log(destination.bucketUrl, destination.destinationName); // kv://dlt/crm crm
 * ```
 */
export interface KvDestinationOptions
  extends KvBucketOptions, Pick<FilesystemDestinationOptions, "destinationName"> {}

/**
 * The filesystem destination over a {@linkcode KvBucket} of `kv`, in Python dlt's layout (every
 * file written once).
 *
 * @example A destination in the app's database
 * ```ts
 * import { kvDestination } from "./kv.ts";
 *
 * using kv = await Deno.openKv(":memory:"); // on Deno Deploy: await Deno.openKv()
 * const destination = kvDestination(kv);
 * console.log(destination.destinationType, destination.bucketUrl); // filesystem kv://dlt
 * ```
 */
export function kvDestination(
  kv: Deno.Kv,
  options: KvDestinationOptions = {},
): FilesystemDestination {
  const { destinationName, ...bucketOptions } = options;
  const bucket = new KvBucket(kv, bucketOptions);
  return filesystem({ bucketUrl: bucket.url, bucket, destinationName, layout: "dlt" });
}
