/**
 * Errors of the storage a destination writes to.
 *
 * @module
 */
import { DltError } from "./dlt_error.ts";

/**
 * A disk the pipeline writes to is full: the working dir's or a local bucket's. Nothing was
 * committed; free space (or point `pipelinesDir` / `bucketUrl` elsewhere) and run again.
 *
 * @example Where the disk is full
 * ```ts
 * import { DiskFullError } from "../errors.ts";
 * console.log(new DiskFullError("/var/lib/dlt").path); // /var/lib/dlt
 * ```
 */
export class DiskFullError extends DltError {
  /** The folder on the full disk. */
  readonly path: string;
  /** Creates the error for `path`. */
  constructor(path: string, options?: ErrorOptions) {
    super(
      `Free space on the disk of "${path}" (or write elsewhere) and run again: it is full (ENOSPC); nothing was committed`,
      options,
    );
    this.path = path;
  }
}

/**
 * The base class of the errors of a bucket (object storage, Deno KV): it names the bucket (never
 * a secret) and says what to fix. Nothing was half-written when one is thrown.
 *
 * @example Telling storage failures apart
 * ```ts
 * import { BucketNotFoundError, StorageError } from "../errors.ts";
 * const error: unknown = new BucketNotFoundError("s3://lake", "create it first");
 * console.log(error instanceof StorageError); // true
 * ```
 */
export class StorageError extends DltError {
  /** The bucket, as the user named it. */
  readonly bucketUrl: string;
  /** Creates the error for `bucketUrl`. */
  constructor(message: string, bucketUrl: string, options?: ErrorOptions) {
    super(message, options);
    this.bucketUrl = bucketUrl;
  }
}

/**
 * The storage refused the credentials: an unknown access key, a wrong secret, a signature it
 * does not accept, or a key without the permission asked for.
 *
 * @example The message says what to check
 * ```ts
 * import { StorageAuthError } from "../errors.ts";
 * const error = new StorageAuthError("s3://lake", "SignatureDoesNotMatch");
 * console.log(error.message.startsWith("Check the credentials")); // true
 * ```
 */
export class StorageAuthError extends StorageError {
  /** Creates the error; `detail` is the storage's own error code. */
  constructor(bucketUrl: string, detail: string, options?: ErrorOptions) {
    super(
      `Check the credentials of "${bucketUrl}" (access key, secret, session token, region): the storage refused them (${detail})`,
      bucketUrl,
      options,
    );
  }
}

/**
 * The bucket does not exist.
 *
 * @example Naming the missing bucket
 * ```ts
 * import { BucketNotFoundError } from "../errors.ts";
 * console.log(new BucketNotFoundError("s3://lake").bucketUrl); // s3://lake
 * ```
 */
export class BucketNotFoundError extends StorageError {
  /** Creates the error; `detail` adds what the storage said. */
  constructor(bucketUrl: string, detail = "NoSuchBucket", options?: ErrorOptions) {
    super(
      `Create the bucket of "${bucketUrl}" or fix bucketUrl: it does not exist (${detail})`,
      bucketUrl,
      options,
    );
  }
}

/**
 * The storage did not answer, or kept failing after the retries that are safe to make.
 *
 * @example An endpoint that does not answer
 * ```ts
 * import { StorageUnavailableError } from "../errors.ts";
 * const error = new StorageUnavailableError("s3://lake", "connection refused");
 * console.log(error.name); // StorageUnavailableError
 * ```
 */
export class StorageUnavailableError extends StorageError {
  /** Creates the error; `detail` says what happened last. */
  constructor(bucketUrl: string, detail: string, options?: ErrorOptions) {
    super(
      `Check the endpoint and the network of "${bucketUrl}", then run again: the storage did not answer (${detail}); nothing was committed`,
      bucketUrl,
      options,
    );
  }
}
