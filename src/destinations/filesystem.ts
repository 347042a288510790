/**
 * The filesystem destination: JSONL tables and the library's own tables under
 * `<bucketUrl>/<datasetName>/`.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import { LocalBucket } from "../storage/local_bucket.ts";
import { ConfigurationError } from "../errors.ts";

/**
 * Options of {@linkcode filesystem}.
 *
 * @example Options kept in a variable
 * ```ts
 * import { filesystem, type FilesystemDestinationOptions } from "../../mod.ts";
 *
 * const options: FilesystemDestinationOptions = {
 *   bucketUrl: "file:///var/lib/lake",
 *   destinationName: "lake",
 * };
 * console.log(filesystem(options).destinationName); // lake
 * ```
 */
export interface FilesystemDestinationOptions {
  /** A local folder path or `file://` URL; created on first load. */
  bucketUrl: string;
  /** An explicit destination name, recorded in state as `destination_name`. @default null */
  destinationName?: string;
  /** A bucket implementation to use instead of the local folder (for other storage). */
  bucket?: Bucket;
}

/**
 * A destination that writes JSONL files into a bucket. Create one with {@linkcode filesystem}.
 *
 * @example Checking what a destination is
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const destination = dlt.destinations.filesystem({ bucketUrl: "./data" });
 * console.log(destination instanceof dlt.FilesystemDestination); // true
 * console.log(destination.destinationType, destination.bucket.url); // filesystem ./data
 * ```
 */
export class FilesystemDestination {
  /** Always `"filesystem"`. */
  readonly destinationType = "filesystem";
  /** The explicit name, or `null`. */
  readonly destinationName: string | null;
  /** Where the files go, as given. */
  readonly bucketUrl: string;
  /** The storage behind it. */
  readonly bucket: Bucket;
  /**
   * Where the destination is, as the working dir records it: `bucketUrl`, made absolute when it
   * is a relative local path (so that another script, started elsewhere, finds the same folder).
   */
  readonly location: string;

  /** Use {@linkcode filesystem} instead. */
  constructor(options: FilesystemDestinationOptions) {
    if (
      options === null || typeof options !== "object" || typeof options.bucketUrl !== "string" ||
      options.bucketUrl.length === 0
    ) {
      throw new ConfigurationError(
        'Pass filesystem({ bucketUrl: "./data" }): bucketUrl must be a non-empty path or file:// URL',
      );
    }
    this.bucketUrl = options.bucketUrl;
    this.destinationName = options.destinationName ?? null;
    if (options.bucket) {
      this.bucket = options.bucket;
      this.location = options.bucketUrl;
    } else {
      const local = new LocalBucket(options.bucketUrl);
      this.bucket = local;
      this.location = local.root;
    }
  }
}

/**
 * The filesystem destination: one folder per dataset, one folder of JSONL files per table,
 * and `_dlt_pipeline_state.jsonl`, `_dlt_loads.jsonl`, `_dlt_version.jsonl` beside them.
 *
 * @example A pipeline that writes to ./data
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const pipeline = dlt.pipeline({
 *   pipelineName: "example",
 *   destination: dlt.destinations.filesystem({ bucketUrl: "./data" }),
 * });
 * ```
 */
export function filesystem(options: FilesystemDestinationOptions): FilesystemDestination {
  return new FilesystemDestination(options);
}
