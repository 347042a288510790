/**
 * The transport of the S3 bucket: signs requests with SigV4 (aws4fetch, loaded on the first
 * request), sends them with a timeout, retries what is safe to repeat, and turns answers into the
 * library's named storage errors without ever quoting a secret.
 *
 * @module
 */
// A full specifier, not an import-map name: users import this library by URL, path or JSR,
// without an import map of ours.
// deno-lint-ignore no-import-prefix
import type { AwsClient } from "npm:aws4fetch@1.0.20";
import {
  BucketNotFoundError,
  StorageAuthError,
  StorageError,
  StorageUnavailableError,
} from "../errors.ts";
import { backoffDelay, type BackoffPolicy, sleep } from "./_backoff.ts";
import type { S3Endpoint } from "./_s3_url.ts";
import { xmlText } from "./_xml.ts";

/** aws4fetch, loaded on the first request: importing the library costs nothing without S3. */
let awsClientClass: Promise<typeof AwsClient> | undefined;
function loadAwsClient(): Promise<typeof AwsClient> {
  // deno-lint-ignore no-import-prefix
  return awsClientClass ??= import("npm:aws4fetch@1.0.20").then((module) => module.AwsClient);
}

/** One request, before signing. */
export interface Exchange {
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
export interface Reply {
  status: number;
  headers: Headers;
  body: Uint8Array;
  stream?: ReadableStream<Uint8Array>;
}

export const EMPTY: Uint8Array = new Uint8Array(0);
export const decoder: TextDecoder = new TextDecoder();

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

export function isRetryable(reply: Reply): boolean {
  // 501 Not Implemented (a provider without conditional writes, say) will not change on a retry.
  if ((reply.status >= 500 && reply.status !== 501) || reply.status === 429) return true;
  // S3's 400 for a connection it found too slow; the request was not applied.
  return reply.status === 400 && errorCode(reply) === "RequestTimeout";
}

export function errorCode(reply: Reply): string | undefined {
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

export async function sha256Hex(data: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
}

/** What the transport needs to know. */
export interface S3TransportOptions {
  /** The bucket URL, for messages. */
  url: string;
  /** aws4fetch's options (credentials, region, retries: 0). */
  client: ConstructorParameters<typeof AwsClient>[0];
  /** Where requests go. */
  endpoint: S3Endpoint;
  /** The secrets to mask in any text that came from elsewhere. */
  secrets: string[];
  /** Retries. */
  policy: BackoffPolicy;
  /** How long one attempt may take. */
  timeoutMs: number;
}

/** Sends the requests of one bucket. */
export class S3Transport {
  readonly #url: string;
  readonly #clientOptions: ConstructorParameters<typeof AwsClient>[0];
  #client: Promise<AwsClient> | undefined;
  readonly #endpoint: S3Endpoint;
  readonly #secrets: string[];
  /** The retry policy. */
  readonly policy: BackoffPolicy;
  readonly #timeoutMs: number;

  /** A transport for `options.url`; nothing is sent yet. */
  constructor(options: S3TransportOptions) {
    this.#url = options.url;
    this.#clientOptions = options.client;
    this.#endpoint = options.endpoint;
    this.#secrets = options.secrets;
    this.policy = options.policy;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Masks the secrets in text that came from elsewhere (a server's message, a fetch error). */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, "***");
    return out;
  }

  /** What a request was, for messages: `GET "lake/a.jsonl"`, `LIST "lake/"`. */
  describe(exchange: Exchange): string {
    if (exchange.key !== "") return `${exchange.method} ${JSON.stringify(exchange.key)}`;
    const prefix = exchange.query?.prefix;
    return prefix === undefined ? `${exchange.method} (bucket)` : `LIST ${JSON.stringify(prefix)}`;
  }

  /** One attempt: signs and sends `exchange`, reads the answer. Throws what `fetch` throws. */
  async attempt(exchange: Exchange, contentHash?: string): Promise<Reply> {
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
  transportDetail(error: unknown): string {
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
    return this.redact(message);
  }

  /**
   * Sends `exchange`, which must be safe to repeat, retrying 5xx, 429, timeouts and network
   * errors with backoff. Returns any other answer, 4xx included; throws
   * {@linkcode StorageUnavailableError} when the attempts run out.
   */
  async request(exchange: Exchange): Promise<Reply & { attempts: number }> {
    const contentHash = exchange.body === undefined ? undefined : await sha256Hex(exchange.body);
    for (let attempt = 1;; attempt++) {
      let reply: Reply | undefined;
      let failure: unknown;
      try {
        reply = await this.attempt(exchange, contentHash);
      } catch (error) {
        failure = error;
      }
      if (reply !== undefined && !isRetryable(reply)) return { ...reply, attempts: attempt };
      if (attempt >= this.policy.maxAttempts) {
        throw this.unavailable(exchange, reply, failure, attempt);
      }
      await sleep(backoffDelay(this.policy, attempt));
    }
  }

  unavailable(
    exchange: Exchange,
    reply: Reply | undefined,
    failure: unknown,
    attempts: number,
  ): StorageUnavailableError {
    const detail = reply !== undefined
      ? `${reply.status}${errorCode(reply) ? ` ${this.redact(errorCode(reply)!)}` : ""}`
      : this.transportDetail(failure);
    const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
    return new StorageUnavailableError(
      this.#url,
      `${this.describe(exchange)}: ${detail}, after ${tries}`,
      failure === undefined ? undefined : { cause: this.safeCause(failure) },
    );
  }

  /** The error to keep as `cause`: the original, unless the text of its chain holds a secret. */
  safeCause(error: unknown): unknown {
    let text = "";
    for (let current = error, depth = 0; current !== undefined && depth < 10; depth++) {
      text += current instanceof Error
        ? `${current.message}\n${current.stack ?? ""}\n`
        : String(current);
      current = current instanceof Error ? current.cause : undefined;
    }
    return this.redact(text) === text ? error : new Error(this.transportDetail(error));
  }

  /** The named error of an answer that is not what the caller expected. */
  fail(exchange: Exchange, reply: Reply): StorageError {
    const code = errorCode(reply);
    const message = errorMessage(reply);
    const where = this.describe(exchange);
    if (reply.status === 403 || (code !== undefined && AUTH_CODES.has(code))) {
      return new StorageAuthError(this.#url, `${this.redact(code ?? "403 Forbidden")} on ${where}`);
    }
    if (code === "NoSuchBucket" || (reply.status === 404 && exchange.key === "")) {
      return new BucketNotFoundError(this.#url, "NoSuchBucket");
    }
    if (
      reply.status === 301 || code === "PermanentRedirect" ||
      code === "IllegalLocationConstraintException"
    ) {
      const region = reply.headers.get("x-amz-bucket-region");
      return new StorageError(
        `Set the region of "${this.#url}"${
          region ? ` to "${region}"` : " to the bucket's region"
        }: the storage redirected ${where} (${code ?? reply.status})`,
        this.#url,
      );
    }
    const said = message ? `: ${this.redact(message)}` : "";
    return new StorageError(
      `Check the object store of "${this.#url}": it answered ${where} with ${reply.status}${
        code ? ` ${this.redact(code)}` : ""
      }${said}`,
      this.#url,
    );
  }
}
