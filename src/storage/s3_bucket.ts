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
// A full specifier, not an import-map name: users import this library by URL, path or JSR,
// without an import map of ours.
// deno-lint-ignore no-import-prefix
import type { AwsClient } from "npm:aws4fetch@1.0.20";

/** aws4fetch, loaded on the first request: importing the library costs nothing without S3. */
let awsClientClass: Promise<typeof AwsClient> | undefined;
function loadAwsClient(): Promise<typeof AwsClient> {
  // deno-lint-ignore no-import-prefix
  return awsClientClass ??= import("npm:aws4fetch@1.0.20").then((module) => module.AwsClient);
}
import type { Bucket, BucketEntry, BucketListOptions } from "./bucket.ts";
import { bucketPathSegments, compareNames } from "./bucket.ts";
import {
  BucketNotFoundError,
  ConfigurationError,
  StorageAuthError,
  StorageError,
  StorageUnavailableError,
} from "../errors.ts";
import { backoffDelay, type BackoffPolicy, sleep } from "./_backoff.ts";
import { parseS3Url, S3Endpoint } from "./_s3_url.ts";
import { escapeXml, xmlElements, xmlText } from "./_xml.ts";

const MiB = 1024 * 1024;
/** S3 refuses parts smaller than this (except the last one of an upload). */
const MIN_PART_SIZE = 5 * MiB;
/** S3 refuses parts (and single PUTs) larger than this. */
const MAX_PART_SIZE = 5 * 1024 * MiB;
/** S3 numbers parts 1 to 10 000. */
const MAX_PARTS = 10_000;
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

/** One request, before signing. */
interface Exchange {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** The full object key; `""` for the bucket itself. */
  key: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Keep a 2xx body as a stream instead of reading it. */
  stream?: boolean;
}

/** One answer, its body read (unless streamed). */
interface Reply {
  status: number;
  headers: Headers;
  body: Uint8Array;
  stream?: ReadableStream<Uint8Array>;
}

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

/** Error codes that mean the credentials (or their permissions) were refused. */
const AUTH_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "AuthorizationHeaderMalformed",
  "InvalidSecurity",
  "AllAccessDisabled",
  "AccountProblem",
]);

function isRetryable(reply: Reply): boolean {
  if (reply.status >= 500 || reply.status === 429) return true;
  // S3's 400 for a connection it found too slow; the request was not applied.
  return reply.status === 400 && errorCode(reply) === "RequestTimeout";
}

function errorCode(reply: Reply): string | undefined {
  return reply.headers.get("x-amz-error-code") ??
    (reply.body.length > 0 ? xmlText(decoder.decode(reply.body), "Code") : undefined);
}

function errorMessage(reply: Reply): string | undefined {
  return reply.headers.get("x-amz-error-message") ??
    (reply.body.length > 0 ? xmlText(decoder.decode(reply.body), "Message") : undefined);
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
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
  #client: Promise<AwsClient> | undefined;
  readonly #clientOptions: ConstructorParameters<typeof AwsClient>[0];
  readonly #endpoint: S3Endpoint;
  readonly #secrets: string[];
  readonly #partSize: number;
  readonly #policy: BackoffPolicy;
  readonly #timeoutMs: number;
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
    this.#secrets = [secretAccessKey, sessionToken ?? ""].filter((secret) => secret.length >= 4);
    const endpointUrl = options.endpointUrl === "" ? undefined : options.endpointUrl;
    this.#endpoint = new S3Endpoint(location.bucket, { endpointUrl, region: options.region });
    this.#clientOptions = {
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
    this.#policy = {
      maxAttempts: positiveInteger("maxAttempts", options.maxAttempts, 6),
      baseDelayMs: positiveInteger("retryBaseDelayMs", options.retryBaseDelayMs, 100),
      maxDelayMs: positiveInteger("retryMaxDelayMs", options.retryMaxDelayMs, 5000),
    };
    this.#timeoutMs = positiveInteger("requestTimeoutMs", options.requestTimeoutMs, 60_000);
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

  /** Masks the secrets in text that came from elsewhere (a server's message, a fetch error). */
  #redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, "***");
    return out;
  }

  /** What a request was, for messages: `GET "lake/a.jsonl"`, `LIST "lake/"`. */
  #describe(exchange: Exchange): string {
    if (exchange.key !== "") return `${exchange.method} ${JSON.stringify(exchange.key)}`;
    const prefix = exchange.query?.prefix;
    return prefix === undefined ? `${exchange.method} (bucket)` : `LIST ${JSON.stringify(prefix)}`;
  }

  /** One attempt: signs and sends `exchange`, reads the answer. Throws what `fetch` throws. */
  async #attempt(exchange: Exchange, contentHash?: string): Promise<Reply> {
    const headers = new Headers(exchange.headers);
    if (contentHash !== undefined) headers.set("X-Amz-Content-Sha256", contentHash);
    const client =
      await (this.#client ??= loadAwsClient().then((AwsClientClass) =>
        new AwsClientClass(this.#clientOptions)
      ));
    const request = await client.sign(this.#endpoint.url(exchange.key, exchange.query), {
      method: exchange.method,
      headers,
      body: exchange.body as Uint8Array<ArrayBuffer> | undefined,
    });
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new DOMException(`no answer within ${this.#timeoutMs} ms`, "TimeoutError"),
        ),
      this.#timeoutMs,
    );
    try {
      const response = await fetch(request, { signal: controller.signal });
      if (exchange.stream && response.ok && response.body !== null) {
        return {
          status: response.status,
          headers: response.headers,
          body: EMPTY,
          stream: response.body,
        };
      }
      const body = response.body === null ? EMPTY : new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A short, secret-free account of a failed attempt. */
  #transportDetail(error: unknown): string {
    if (error instanceof DOMException && error.name === "TimeoutError") return error.message;
    // Newer Deno throws `TypeError: fetch failed` and puts what happened in the cause.
    let message = "";
    for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
      message += `${message ? ": " : ""}${
        current instanceof Error ? current.message : String(current)
      }`;
      current = current instanceof Error ? current.cause : undefined;
    }
    if (/connection refused/i.test(message)) return "connection refused";
    if (/dns error|failed to lookup|name or service not known|no such host/i.test(message)) {
      return "the endpoint's host name does not resolve";
    }
    if (/connection reset|broken pipe|connection closed/i.test(message)) {
      return "the connection was dropped";
    }
    return this.#redact(message);
  }

  /**
   * Sends `exchange`, which must be safe to repeat, retrying 5xx, 429, timeouts and network
   * errors with backoff. Returns any other answer, 4xx included; throws
   * {@linkcode StorageUnavailableError} when the attempts run out.
   */
  async #request(exchange: Exchange): Promise<Reply & { attempts: number }> {
    const contentHash = exchange.body === undefined ? undefined : await sha256Hex(exchange.body);
    for (let attempt = 1;; attempt++) {
      let reply: Reply | undefined;
      let failure: unknown;
      try {
        reply = await this.#attempt(exchange, contentHash);
      } catch (error) {
        failure = error;
      }
      if (reply !== undefined && !isRetryable(reply)) return { ...reply, attempts: attempt };
      if (attempt >= this.#policy.maxAttempts) {
        throw this.#unavailable(exchange, reply, failure, attempt);
      }
      await sleep(backoffDelay(this.#policy, attempt));
    }
  }

  #unavailable(
    exchange: Exchange,
    reply: Reply | undefined,
    failure: unknown,
    attempts: number,
  ): StorageUnavailableError {
    const detail = reply !== undefined
      ? `${reply.status}${errorCode(reply) ? ` ${this.#redact(errorCode(reply)!)}` : ""}`
      : this.#transportDetail(failure);
    const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
    return new StorageUnavailableError(
      this.url,
      `${this.#describe(exchange)}: ${detail}, after ${tries}`,
      failure === undefined ? undefined : { cause: this.#safeCause(failure) },
    );
  }

  /** The error to keep as `cause`: the original, unless the text of its chain holds a secret. */
  #safeCause(error: unknown): unknown {
    let text = "";
    for (let current = error, depth = 0; current !== undefined && depth < 10; depth++) {
      text += current instanceof Error
        ? `${current.message}\n${current.stack ?? ""}\n`
        : String(current);
      current = current instanceof Error ? current.cause : undefined;
    }
    return this.#redact(text) === text ? error : new Error(this.#transportDetail(error));
  }

  /** The named error of an answer that is not what the caller expected. */
  #fail(exchange: Exchange, reply: Reply): StorageError {
    const code = errorCode(reply);
    const message = errorMessage(reply);
    const where = this.#describe(exchange);
    if (reply.status === 403 || (code !== undefined && AUTH_CODES.has(code))) {
      return new StorageAuthError(this.url, `${this.#redact(code ?? "403 Forbidden")} on ${where}`);
    }
    if (code === "NoSuchBucket" || (reply.status === 404 && exchange.key === "")) {
      return new BucketNotFoundError(this.url, "NoSuchBucket");
    }
    if (
      reply.status === 301 || code === "PermanentRedirect" ||
      code === "IllegalLocationConstraintException"
    ) {
      const region = reply.headers.get("x-amz-bucket-region");
      return new StorageError(
        `Set the region of "${this.url}"${
          region ? ` to "${region}"` : " to the bucket's region"
        }: the storage redirected ${where} (${code ?? reply.status})`,
        this.url,
      );
    }
    const said = message ? `: ${this.#redact(message)}` : "";
    return new StorageError(
      `Check the object store of "${this.url}": it answered ${where} with ${reply.status}${
        code ? ` ${this.#redact(code)}` : ""
      }${said}`,
      this.url,
    );
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
      const reply = await this.#request(exchange);
      if (reply.status !== 200) throw this.#fail(exchange, reply);
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
    const reply = await this.#request(exchange);
    if (reply.status === 200) return Number(reply.headers.get("content-length") ?? 0);
    if (reply.status === 404 && errorCode(reply) !== "NoSuchBucket") return undefined;
    throw this.#fail(exchange, reply);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const exchange: Exchange = { method: "GET", key: this.#key(path) };
    const reply = await this.#request(exchange);
    if (reply.status === 200) return reply.body;
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") return undefined;
    throw this.#fail(exchange, reply);
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
    const reply = await this.#request(exchange);
    if (reply.status === 206) return reply.body.subarray(0, end - start);
    // A server that ignores Range sends the whole object.
    if (reply.status === 200) return reply.body.subarray(start, end);
    // The range starts at or past the end (or the object is empty).
    if (reply.status === 416) return EMPTY;
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") throw this.#notFound(path);
    throw this.#fail(exchange, reply);
  }

  #notFound(path: string): Deno.errors.NotFound {
    return new Deno.errors.NotFound(
      `Cannot read a range of "${path}" in "${this.url}": the file does not exist`,
    );
  }

  async readStream(path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const exchange: Exchange = { method: "GET", key: this.#key(path), stream: true };
    const reply = await this.#request(exchange);
    if (reply.status === 200) return reply.stream ?? ReadableStream.from([reply.body]);
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") return undefined;
    throw this.#fail(exchange, reply);
  }

  async write(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void> {
    const key = this.#key(path);
    if (data instanceof Uint8Array) return await this.#putObject(key, data);
    await this.#writeStream(key, data);
  }

  async #putObject(key: string, data: Uint8Array): Promise<void> {
    const exchange: Exchange = { method: "PUT", key, body: data };
    const reply = await this.#request(exchange);
    if (reply.status !== 200) throw this.#fail(exchange, reply);
  }

  /**
   * Up to `partSize` bytes go in one PUT; past that, a multipart upload whose parts are sent
   * while the next one is read (memory bounded by the part size). Until it completes the object does
   * not exist for readers; on any failure (the stream's included) the upload is aborted.
   */
  async #writeStream(key: string, stream: ReadableStream<Uint8Array>): Promise<void> {
    const partSize = this.#partSize;
    const reader = stream.getReader();
    let buffer = new Uint8Array(partSize);
    let filled = 0;
    let uploadId: string | undefined;
    const etags: string[] = [];
    let inFlight: Promise<void> | undefined;
    let partFailure: { error: unknown } | undefined;
    const send = (part: Uint8Array) => {
      const number = etags.length + 1;
      etags.push("");
      if (number > MAX_PARTS) {
        throw new RangeError(
          `Pass a larger partSize to write "${key}": S3 allows ${MAX_PARTS} parts of ${partSize} bytes`,
        );
      }
      inFlight = this.#uploadPart(key, uploadId!, number, part).then(
        (etag) => {
          etags[number - 1] = etag;
        },
        (error) => {
          partFailure ??= { error };
        },
      );
    };
    const settle = async () => {
      if (inFlight !== undefined) await inFlight;
      inFlight = undefined;
      if (partFailure !== undefined) throw partFailure.error;
    };
    let total = 0;
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        let offset = 0;
        while (offset < value.length) {
          const take = Math.min(partSize - filled, value.length - offset);
          buffer.set(value.subarray(offset, offset + take), filled);
          filled += take;
          offset += take;
          if (filled === partSize) {
            uploadId ??= await this.#createMultipartUpload(key);
            await settle();
            send(buffer);
            buffer = new Uint8Array(partSize);
            filled = 0;
          }
        }
      }
      if (uploadId === undefined) return await this.#putObject(key, buffer.subarray(0, filled));
      await settle();
      if (filled > 0) send(buffer.subarray(0, filled));
      await settle();
      await this.#completeMultipartUpload(key, uploadId, etags, total);
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      await inFlight;
      if (uploadId !== undefined) await this.#abortMultipartUpload(key, uploadId).catch(() => {});
      throw error;
    } finally {
      reader.releaseLock();
    }
  }

  async #createMultipartUpload(key: string): Promise<string> {
    const exchange: Exchange = { method: "POST", key, query: { uploads: "" } };
    const reply = await this.#request(exchange);
    const uploadId = reply.status === 200
      ? xmlText(decoder.decode(reply.body), "UploadId")
      : undefined;
    if (uploadId === undefined || uploadId === "") throw this.#fail(exchange, reply);
    return uploadId;
  }

  async #uploadPart(key: string, uploadId: string, number: number, part: Uint8Array) {
    const exchange: Exchange = {
      method: "PUT",
      key,
      query: { partNumber: String(number), uploadId },
      body: part,
    };
    const reply = await this.#request(exchange);
    const etag = reply.headers.get("etag");
    if (reply.status !== 200 || etag === null) throw this.#fail(exchange, reply);
    return etag;
  }

  /**
   * Completes an upload. S3 may answer 200 with an `<Error>` body (then it is retried); a
   * `NoSuchUpload` after an attempt that got no answer means that attempt completed it, which
   * the object's size confirms.
   */
  async #completeMultipartUpload(key: string, uploadId: string, etags: string[], total: number) {
    const parts = etags.map((etag, i) =>
      `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`
    );
    const exchange: Exchange = {
      method: "POST",
      key,
      query: { uploadId },
      body: new TextEncoder().encode(
        `<CompleteMultipartUpload>${parts.join("")}</CompleteMultipartUpload>`,
      ),
    };
    let earlierAttempts = false;
    for (let round = 1;; round++) {
      const reply = await this.#request(exchange);
      earlierAttempts ||= reply.attempts > 1;
      const xml = decoder.decode(reply.body);
      if (reply.status === 200 && xmlElements(xml, "Error").length === 0) return;
      const code = reply.status === 200 ? xmlText(xml, "Code") : errorCode(reply);
      if (code === "NoSuchUpload" && (earlierAttempts || round > 1)) {
        const size = await this.#headSize(key);
        if (size === total) return;
      }
      const embedded = reply.status === 200 && (code === "InternalError" || code === "SlowDown");
      if (!embedded || round >= this.#policy.maxAttempts) {
        if (reply.status === 200) {
          throw this.#unavailable(exchange, { ...reply, status: 500 }, undefined, round);
        }
        throw this.#fail(exchange, reply);
      }
      earlierAttempts = true;
      await sleep(backoffDelay(this.#policy, round));
    }
  }

  async #headSize(key: string): Promise<number | undefined> {
    const exchange: Exchange = { method: "HEAD", key };
    const reply = await this.#request(exchange);
    if (reply.status === 200) return Number(reply.headers.get("content-length") ?? 0);
    if (reply.status === 404) return undefined;
    throw this.#fail(exchange, reply);
  }

  async #abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    const exchange: Exchange = { method: "DELETE", key, query: { uploadId } };
    const reply = await this.#request(exchange);
    if (reply.status !== 204 && reply.status !== 200 && reply.status !== 404) {
      throw this.#fail(exchange, reply);
    }
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
        reply = await this.#attempt(exchange, contentHash);
      } catch (error) {
        failure = error;
      }
      if (reply !== undefined) {
        if (reply.status === 200 || reply.status === 201) return true;
        if (reply.status === 412) return ambiguous ? await this.#holds(key, data) : false;
        // 409 ConditionalRequestConflict (a concurrent conditional write) and 429 were refused,
        // not applied: repeating is safe.
        if (reply.status !== 409 && reply.status !== 429) {
          if (!isRetryable(reply)) throw this.#fail(exchange, reply);
          ambiguous = true;
        }
      } else {
        ambiguous = true;
      }
      if (attempt >= this.#policy.maxAttempts) {
        throw this.#unavailable(exchange, reply, failure, attempt);
      }
      await sleep(backoffDelay(this.#policy, attempt));
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
    const reply = await this.#request(exchange);
    if (reply.status === 200) return reply.body;
    if (reply.status === 404 && errorCode(reply) === "NoSuchKey") return undefined;
    throw this.#fail(exchange, reply);
  }

  async delete(path: string): Promise<void> {
    await this.#deleteKey(this.#key(path));
  }

  async #deleteKey(key: string): Promise<void> {
    const exchange: Exchange = { method: "DELETE", key };
    const reply = await this.#request(exchange);
    if (reply.status === 204 || reply.status === 200) return;
    if (reply.status === 404 && errorCode(reply) !== "NoSuchBucket") return;
    throw this.#fail(exchange, reply);
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
      const reply = await this.#request(exchange);
      if (reply.status !== 200) throw this.#fail(exchange, reply);
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
