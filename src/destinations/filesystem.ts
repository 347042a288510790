/**
 * The filesystem destination: JSONL tables and the library's own tables under
 * `<bucketUrl>/<datasetName>/`.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import { LocalBucket } from "../storage/local_bucket.ts";
import { S3Bucket } from "../storage/s3_bucket.ts";
import { type AwsCredentials, resolveS3Credentials } from "../config/s3_credentials.ts";
import { ConfigurationError } from "../errors.ts";
import type { DatasetLayout } from "./layout.ts";

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
  /**
   * A local folder path or `file://` URL (created on first load), or an S3-compatible bucket,
   * `s3://bucket/prefix` (AWS S3, Cloudflare R2, MinIO, Tigris, … through `credentials`). A
   * `kv://` URL names a Deno KV bucket passed as `bucket` (`kvDestination` of
   * `@loadstate/dlt/kv` passes both).
   */
  bucketUrl: string;
  /** An explicit destination name, recorded in state as `destination_name`. @default null */
  destinationName?: string;
  /**
   * The credentials of an `s3://` bucket (dlt's `AwsCredentials`, camelCased). Missing keys are
   * looked up in dlt's variables (`DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID`, …),
   * then `.dlt/secrets.yaml` / `.dlt/config.yaml`, then the standard AWS variables. Never
   * written to state, logs or errors.
   */
  credentials?: AwsCredentials;
  /**
   * Where the library's own tables go in a new dataset: `"append"` (JSONL files appended at the
   * dataset root, DESIGN.md §4) or `"dlt"` (Python dlt's layout, one file per load; Python dlt
   * restores from it, and this library from Python dlt's). An existing dataset keeps the layout
   * it has: one with `_dlt_pipeline_state/` or `init` (as Python dlt writes it) is in the dlt
   * layout.
   * @default "append" for a local folder, "dlt" for object storage
   */
  layout?: DatasetLayout;
  /**
   * A bucket implementation to use instead of the one `bucketUrl` names (another storage, such
   * as a `KvBucket` of `@loadstate/dlt/kv`); `bucketUrl` then only names it.
   */
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
  /** The layout asked for a new dataset (`undefined`: the bucket's default). */
  readonly layout: DatasetLayout | undefined;
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
        'Pass filesystem({ bucketUrl: "./data" }): bucketUrl must be a non-empty path, file:// or s3:// URL',
      );
    }
    if (options.layout !== undefined && options.layout !== "append" && options.layout !== "dlt") {
      throw new ConfigurationError(
        `Set layout to "append" or "dlt": got ${JSON.stringify(options.layout)}`,
      );
    }
    if (options.destinationName !== undefined && typeof options.destinationName !== "string") {
      throw new ConfigurationError("Set destinationName to a string");
    }
    this.bucketUrl = options.bucketUrl;
    this.destinationName = options.destinationName ?? null;
    this.layout = options.layout;
    if (options.bucket) {
      this.bucket = options.bucket;
      this.location = options.bucketUrl;
    } else if (/^s3:\/\//i.test(options.bucketUrl)) {
      const credentials = resolveS3Credentials(options.credentials, {
        bucketUrl: options.bucketUrl,
      });
      const bucket = new S3Bucket(options.bucketUrl, {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
        region: credentials.region,
        endpointUrl: credentials.endpointUrl,
      });
      this.bucket = bucket;
      this.location = bucket.url;
    } else if (/^kv:\/\//i.test(options.bucketUrl)) {
      throw new ConfigurationError(
        `Pass the destination of a Deno KV database, kvDestination(await Deno.openKv()) from @loadstate/dlt/kv, instead of bucketUrl ${
          JSON.stringify(options.bucketUrl)
        } alone: a kv:// URL only names a bucket that is given too`,
      );
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
