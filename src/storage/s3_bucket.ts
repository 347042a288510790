/**
 * The S3-compatible implementation of {@linkcode Bucket} (AWS S3, Cloudflare R2, MinIO, Tigris,
 * …) over `fetch`, signed with SigV4 by `aws4fetch`. Needs `--allow-net` for the endpoint and no
 * unstable API, so it runs on Deno Deploy.
 *
 * - Writes are atomic because S3 only shows an object once its PUT (or its multipart upload)
 *   completed; a stream is uploaded in parts past `partSize`, with bounded memory, and an upload
 *   that fails is aborted.
 * - `createIfAbsent` is a PUT with `If-None-Match: *`. After an ambiguous failure (a timeout or a
 *   5xx: the PUT may have been applied) it is never repeated blindly: the object is read back
 *   and compared with this caller's bytes.
 * - Requests that are safe to repeat are retried on 5xx, 429 and network errors with
 *   exponential backoff and jitter; what keeps failing is a {@linkcode StorageUnavailableError}.
 * - Errors name the bucket URL, never a secret.
 *
 * @module
 */
import type { Bucket, BucketEntry, BucketListOptions } from "./bucket.ts";
import { bucketPathSegments, compareNames } from "./bucket.ts";
import { ConfigurationError } from "../errors.ts";
import { backoffDelay, sleep } from "./_backoff.ts";
import { parseS3Url, S3Endpoint } from "./_s3_url.ts";
import { xmlElements, xmlText } from "./_xml.ts";
import {
  decoder,
  EMPTY,
  errorCode,
  type Exchange,
  isRetryable,
  type Reply,
  S3Transport,
  sha256Hex,
} from "./_s3_transport.ts";
import { putObject, writeStream } from "./_s3_upload.ts";

const MiB = 1024 * 1024;
/** S3 refuses parts smaller than this (except the last one of an upload). */
const MIN_PART_SIZE = 5 * MiB;
/** S3 refuses parts (and single PUTs) larger than this. */
const MAX_PART_SIZE = 5 * 1024 * MiB;
/** Concurrent single-object deletes of `deleteDir`. */
const DELETE_CONCURRENCY = 8;

/**
 * Options of {@linkcode S3Bucket}: the credentials (resolve them from the environment and
 * `.dlt/` with `resolveS3Credentials`) and the tuning of requests.
 *
 * @example Options for a MinIO server on the same machine
 * ```ts
 * import { S3Bucket, type S3BucketOptions } from "./s3_bucket.ts";
 *
 * const options: S3BucketOptions = {
 *   accessKeyId: "minioadmin",
 *   secretAccessKey: "minioadmin",
 *   endpointUrl: "http://127.0.0.1:9000",
 *   partSize: 16 * 1024 * 1024,
 * };
 * console.log(new S3Bucket("s3://lake/raw", options).url); // s3://lake/raw
 * ```
 */
export interface S3BucketOptions {
  /** The access key id. */
  accessKeyId: string;
  /** The secret access key. It never appears in a message or an error. */
  secretAccessKey: string;
  /**
   * The session token of temporary credentials (STS, SSO).
   * @default undefined (none)
   */
  sessionToken?: string;
  /**
   * The region requests are signed for (`"auto"` for R2).
   * @default "us-east-1" (with an endpointUrl of R2: "auto")
   */
  region?: string;
  /**
   * The endpoint of an S3-compatible service (`https://<account>.r2.cloudflarestorage.com`,
   * `http://127.0.0.1:9000`); requests then go path-style to `<endpointUrl>/<bucket>/<key>`.
   * @default undefined (AWS S3, virtual-hosted style: `https://<bucket>.s3.<region>.amazonaws.com`)
   */
  endpointUrl?: string;
  /**
   * The size of the parts of a streamed upload, and the size up to which a stream is sent in one
   * PUT: a write holds one part being read and one being sent (with fetch's copy of it), however
   * long the stream. At least 5 MiB (S3's minimum part size).
   * @default 8 MiB
   */
  partSize?: number;
  /**
   * Attempts in all (the first included) of a request that is safe to repeat, on a 5xx, 429,
   * timeout or network error.
   * @default 6
   */
  maxAttempts?: number;
  /**
   * The cap of the first backoff wait, which doubles on every retry (full jitter).
   * @default 100
   */
  retryBaseDelayMs?: number;
  /**
   * The cap of any backoff wait.
   * @default 5000
   */
  retryMaxDelayMs?: number;
  /**
   * How long one attempt may take: until the whole answer is in, or, for `readStream`, until
   * its headers are.
   * @default 60000
   */
  requestTimeoutMs?: number;
  /**
   * Keys asked for per ListObjectsV2 page (S3 answers at most 1000).
   * @default 1000
   */
  listPageSize?: number;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Pass a positive integer as ${name}: got ${value}`);
  }
  return value;
}

/**
 * A {@linkcode Bucket} over an S3-compatible object store: `s3://bucket/prefix` holds the files
 * under `prefix/`. Nothing is sent until the first call.
 *
 * @example Opening a Cloudflare R2 bucket (construction only: no request is sent yet)
 * ```ts
 * import { S3Bucket } from "./s3_bucket.ts";
 *
 * const bucket = new S3Bucket("s3://lake/pipelines", {
 *   accessKeyId: "a1b2c3",
 *   secretAccessKey: "never shown",
 *   endpointUrl: "https://0123456789abcdef.r2.cloudflarestorage.com",
 * });
 * console.log(bucket.url, bucket.bucketName, bucket.prefix); // s3://lake/pipelines lake pipelines
 * // await bucket.write("events/1.jsonl", new TextEncoder().encode('{"id":1}\n'));
 * ```
 */
export class S3Bucket implements Bucket {
  /** The `s3://` URL the bucket was opened with. Never holds a secret. */
  readonly url: string;
  /** The bucket name. */
  readonly bucketName: string;
  /** The key prefix every path is under, without slashes at its ends (`""`: the root). */
  readonly prefix: string;
  readonly #transport: S3Transport;
  readonly #partSize: number;
  readonly #pageSize: number;
  readonly #conditionalHeaders: Record<string, string>;

  /**
   * Opens `bucketUrl` (`s3://bucket` or `s3://bucket/prefix`) with `options`. Throws
   * {@linkcode ConfigurationError} for a malformed URL or missing credentials and `RangeError`
   * for a tuning option out of range.
   */
  constructor(bucketUrl: string, options: S3BucketOptions) {
    if (typeof bucketUrl !== "string") {
      throw new ConfigurationError(`Pass an s3:// URL as bucketUrl: got ${typeof bucketUrl}`);
    }
    const location = parseS3Url(bucketUrl);
    this.url = bucketUrl;
    this.bucketName = location.bucket;
    this.prefix = location.prefix;
    const { accessKeyId, secretAccessKey, sessionToken } = options ?? {};
    if (typeof accessKeyId !== "string" || accessKeyId === "") {
      throw new ConfigurationError(
        `Pass the access key id of "${bucketUrl}" as accessKeyId (or set AWS_ACCESS_KEY_ID)`,
      );
    }
    if (typeof secretAccessKey !== "string" || secretAccessKey === "") {
      throw new ConfigurationError(
        `Pass the secret access key of "${bucketUrl}" as secretAccessKey (or set AWS_SECRET_ACCESS_KEY)`,
      );
    }
    const endpointUrl = options.endpointUrl === "" ? undefined : options.endpointUrl;
    const client = {
      accessKeyId,
      secretAccessKey,
      sessionToken: sessionToken === "" ? undefined : sessionToken,
      service: "s3",
      // aws4fetch guesses the region from an AWS or R2 host, else signs for us-east-1.
      region: options.region ?? (endpointUrl === undefined ? "us-east-1" : undefined),
      retries: 0,
    };
    this.#partSize = positiveInteger("partSize", options.partSize, 8 * MiB);
    if (this.#partSize < MIN_PART_SIZE || this.#partSize > MAX_PART_SIZE) {
      throw new RangeError(
        `Pass a partSize between 5 MiB and 5 GiB (S3's limits): got ${this.#partSize} bytes`,
      );
    }
    this.#transport = new S3Transport({
      url: bucketUrl,
      client,
      endpoint: new S3Endpoint(location.bucket, { endpointUrl, region: options.region }),
      secrets: [secretAccessKey, sessionToken ?? ""].filter((secret) => secret.length >= 4),
      policy: {
        maxAttempts: positiveInteger("maxAttempts", options.maxAttempts, 6),
        baseDelayMs: positiveInteger("retryBaseDelayMs", options.retryBaseDelayMs, 100),
        maxDelayMs: positiveInteger("retryMaxDelayMs", options.retryMaxDelayMs, 5000),
      },
      timeoutMs: positiveInteger("requestTimeoutMs", options.requestTimeoutMs, 60_000),
    });
    this.#pageSize = Math.min(1000, positiveInteger("listPageSize", options.listPageSize, 1000));
    // Tigris evaluates conditions on the leader only when asked to.
    const host = endpointUrl === undefined ? "" : new URL(endpointUrl).hostname;
    this.#conditionalHeaders = /(^|\.)(tigris\.dev|storage\.dev)$/.test(host)
      ? { "X-Tigris-Consistent": "true" }
      : {};
  }

  /** The full key of a bucket path. */
  #key(path: string): string {
    const relative = bucketPathSegments(path).join("/");
    return this.prefix === "" ? relative : `${this.prefix}/${relative}`;
  }

  /** The key prefix of the entries under `dir` (`""`: the bucket path root). */
  #dirPrefix(dir: string): string {
    if (dir === "") return this.prefix === "" ? "" : `${this.prefix}/`;
    return `${this.#key(dir)}/`;
  }

  async list(dir: string, options: BucketListOptions = {}): Promise<BucketEntry[]> {
    const prefix = this.#dirPrefix(dir);
    const after = options.startAfter;
    const namePrefix = options.prefix ?? "";
    const entries = new Map<string, boolean>();
    const query: Record<string, string | undefined> = {
      "list-type": "2",
      prefix: prefix + namePrefix,
      delimiter: "/",
      "max-keys": String(this.#pageSize),
      "start-after": after === undefined || after === "" ? undefined : prefix + s3StartAfter(after),
    };
    let token: string | undefined;
    do {
      const exchange: Exchange = {
        method: "GET",
        key: "",
        query: { ...query, "continuation-token": token },
      };
      const reply = await this.#transport.request(exchange);
      if (reply.status !== 200) throw this.#transport.fail(exchange, reply);
      const xml = decoder.decode(reply.body);
      for (const contents of xmlElements(xml, "Contents")) {
        const key = xmlText(contents, "Key") ?? "";
        const name = key.slice(prefix.length);
        if (name !== "" && !name.includes("/") && !entries.has(name)) entries.set(name, false);
      }
      for (const common of xmlElements(xml, "CommonPrefixes")) {
        const name = (xmlText(common, "Prefix") ?? "").slice(prefix.length, -1);
        if (name !== "" && !name.includes("/")) entries.set(name, true);
      }
      token = nextToken(xml);
    } while (token !== undefined);
    const names = [...entries.keys()].filter((name) =>
      (after === undefined || name > after) && name.startsWith(namePrefix)
    );
    return names.sort(compareNames).map((name) => ({ name, isDirectory: entries.get(name)! }));
  }

  async size(path: string): Promise<number | undefined> {
    const exchange: Exchange = { method: "HEAD", key: this.#key(path) };
    const reply = await this.#transport.request(exchange);
    if (reply.status === 200) return Number(reply.headers.get("content-length") ?? 0);
    if (reply.status === 404 && errorCode(reply) !== "NoSuchBucket") return undefined;
    throw this.#transport.fail(exchange, reply);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const exchange: Exchange = { method: "GET", key: this.#key(path) };
    const reply = await this.#transport.request(exchange);
    if (reply.status === 200) return reply.body;
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") return undefined;
    throw this.#transport.fail(exchange, reply);
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0) {
      throw new RangeError(`Pass non-negative integer offsets to readRange: got ${start}, ${end}`);
    }
    const key = this.#key(path);
    if (end <= start) {
      if (await this.size(path) === undefined) throw this.#notFound(path);
      return EMPTY;
    }
    const exchange: Exchange = {
      method: "GET",
      key,
      headers: { Range: `bytes=${start}-${end - 1}` },
    };
    const reply = await this.#transport.request(exchange);
    if (reply.status === 206) return reply.body.subarray(0, end - start);
    // A server that ignores Range sends the whole object.
    if (reply.status === 200) return reply.body.subarray(start, end);
    // The range starts at or past the end (or the object is empty).
    if (reply.status === 416) return EMPTY;
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") throw this.#notFound(path);
    throw this.#transport.fail(exchange, reply);
  }

  #notFound(path: string): Deno.errors.NotFound {
    return new Deno.errors.NotFound(
      `Cannot read a range of "${path}" in "${this.url}": the file does not exist`,
    );
  }

  async readStream(path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const exchange: Exchange = { method: "GET", key: this.#key(path), stream: true };
    const reply = await this.#transport.request(exchange);
    if (reply.status === 200) return reply.stream ?? ReadableStream.from([reply.body]);
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") return undefined;
    throw this.#transport.fail(exchange, reply);
  }

  async write(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void> {
    const key = this.#key(path);
    if (data instanceof Uint8Array) return await putObject(this.#transport, key, data);
    await writeStream(this.#transport, key, data, this.#partSize);
  }

  async createIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const key = this.#key(path);
    const exchange: Exchange = {
      method: "PUT",
      key,
      headers: { "If-None-Match": "*", ...this.#conditionalHeaders },
      body: data,
    };
    const contentHash = await sha256Hex(data);
    // Set once an attempt may have been applied without this caller learning of it.
    let ambiguous = false;
    for (let attempt = 1;; attempt++) {
      let reply: Reply | undefined;
      let failure: unknown;
      try {
        reply = await this.#transport.attempt(exchange, contentHash);
      } catch (error) {
        failure = error;
      }
      if (reply !== undefined) {
        if (reply.status === 200 || reply.status === 201) return true;
        if (reply.status === 412) return ambiguous ? await this.#holds(key, data) : false;
        // 409 ConditionalRequestConflict (a concurrent conditional write) and 429 were refused,
        // not applied: repeating is safe.
        if (reply.status !== 409 && reply.status !== 429) {
          if (!isRetryable(reply)) throw this.#transport.fail(exchange, reply);
          ambiguous = true;
        }
      } else {
        ambiguous = true;
      }
      if (attempt >= this.#transport.policy.maxAttempts) {
        throw this.#transport.unavailable(exchange, reply, failure, attempt);
      }
      await sleep(backoffDelay(this.#transport.policy, attempt));
      if (ambiguous) {
        const stored = await this.#readKey(key);
        if (stored !== undefined) return equalBytes(stored, data);
      }
    }
  }

  /** True when the object at `key` holds exactly `data`. */
  async #holds(key: string, data: Uint8Array): Promise<boolean> {
    const stored = await this.#readKey(key);
    return stored !== undefined && equalBytes(stored, data);
  }

  async #readKey(key: string): Promise<Uint8Array | undefined> {
    const exchange: Exchange = { method: "GET", key };
    const reply = await this.#transport.request(exchange);
    if (reply.status === 200) return reply.body;
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") return undefined;
    throw this.#transport.fail(exchange, reply);
  }

  async delete(path: string): Promise<void> {
    await this.#deleteKey(this.#key(path));
  }

  async #deleteKey(key: string): Promise<void> {
    const exchange: Exchange = { method: "DELETE", key };
    const reply = await this.#transport.request(exchange);
    if (reply.status === 204 || reply.status === 200) return;
    if (reply.status === 404 && errorCode(reply) !== "NoSuchBucket") return;
    throw this.#transport.fail(exchange, reply);
  }

  /** Lists every key under the folder, page by page, and deletes each page's keys. */
  async deleteDir(path: string): Promise<void> {
    const prefix = `${this.#key(path)}/`;
    let token: string | undefined;
    do {
      const exchange: Exchange = {
        method: "GET",
        key: "",
        query: {
          "list-type": "2",
          prefix,
          "max-keys": String(this.#pageSize),
          "continuation-token": token,
        },
      };
      const reply = await this.#transport.request(exchange);
      if (reply.status !== 200) throw this.#transport.fail(exchange, reply);
      const xml = decoder.decode(reply.body);
      const keys = xmlElements(xml, "Contents").map((contents) => xmlText(contents, "Key") ?? "")
        .filter((key) => key.startsWith(prefix));
      for (let i = 0; i < keys.length; i += DELETE_CONCURRENCY) {
        await Promise.all(keys.slice(i, i + DELETE_CONCURRENCY).map((key) => this.#deleteKey(key)));
      }
      token = nextToken(xml);
    } while (token !== undefined);
  }
}

/** The continuation token of a ListObjectsV2 page, or `undefined` on the last page. */
function nextToken(xml: string): string | undefined {
  if (xmlText(xml, "IsTruncated") !== "true") return undefined;
  const token = xmlText(xml, "NextContinuationToken");
  return token === "" ? undefined : token;
}

/**
 * The `start-after` to send for a name: S3 orders keys by UTF-8 bytes (code points), the
 * interface by UTF-16 code units, and the two differ only from U+D800 on. Cutting the name
 * before its first such character keeps every name the interface wants; the rest are filtered
 * out after listing.
 */
function s3StartAfter(name: string): string {
  const cut = name.search(/[\uD800-\uFFFF]/);
  return cut === -1 ? name : name.slice(0, cut);
}
