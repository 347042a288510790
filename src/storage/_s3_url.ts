/**
 * Where the requests of an S3 bucket go: parsing `s3://bucket/prefix`, and the URL of a key,
 * path-style (`<endpoint>/<bucket>/<key>`) with an endpoint, AWS virtual-hosted style without.
 *
 * Keys and query values are encoded exactly as SigV4 canonicalizes them (RFC 3986: everything
 * but `A-Z a-z 0-9 - . _ ~`), so that the bytes on the wire are the bytes that were signed.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { bucketPathSegments } from "./bucket.ts";

/** A parsed `s3://bucket/prefix`. */
export interface S3Location {
  /** The bucket name. */
  bucket: string;
  /** The key prefix without leading or trailing `/` (`""` for the bucket's root). */
  prefix: string;
}

const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

/** Parses `s3://bucket/prefix`; a malformed URL is a {@linkcode ConfigurationError}. */
export function parseS3Url(bucketUrl: string): S3Location {
  // A secret may hold "/", so user info is looked for before the URL is split into parts.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^@]*:[^@]*@/i.test(bucketUrl)) {
    // Never echo it: the part before "@" is likely a key and a secret.
    throw new ConfigurationError(
      "Remove the credentials from the bucketUrl and pass them as credentials options or environment variables: a bucket URL is recorded and shown",
    );
  }
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(bucketUrl);
  if (!match) {
    throw new ConfigurationError(
      `Use an s3:// URL such as "s3://my-bucket/lake" as bucketUrl: got ${
        JSON.stringify(redactUserInfo(bucketUrl))
      }`,
    );
  }
  const [, bucket, path = ""] = match;
  if (!BUCKET_NAME.test(bucket)) {
    throw new ConfigurationError(
      `Name a bucket in bucketUrl ${
        JSON.stringify(redactUserInfo(bucketUrl))
      }: the part after s3:// must be a bucket name (letters, digits, ".", "-" and "_")`,
    );
  }
  const prefix = path.slice(1).replace(/\/+$/, "");
  if (prefix !== "") {
    try {
      bucketPathSegments(prefix);
    } catch {
      throw new ConfigurationError(
        `Remove empty, "." and ".." segments from the path of bucketUrl ${
          JSON.stringify(redactUserInfo(bucketUrl))
        }`,
      );
    }
  }
  return { bucket, prefix };
}

/** Masks everything before the last "@" of the authority (a secret may hold "/"). */
function redactUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, "$1***@");
}

/** Percent-encodes `text` as SigV4 expects (RFC 3986 unreserved characters stay). */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Encodes an object key for a URL path: each `/`-separated part on its own. */
export function encodeKey(key: string): string {
  return key.split("/").map(encodeRfc3986).join("/");
}

/** A query string (`?a=b&c`) from pairs; a value of `""` gives a bare name (`?uploads`). */
export function queryString(query: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    parts.push(
      value === "" ? encodeRfc3986(name) : `${encodeRfc3986(name)}=${encodeRfc3986(value)}`,
    );
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/** Builds the URLs of one bucket. */
export class S3Endpoint {
  readonly #base: string;
  readonly #virtualHosted: boolean;

  /**
   * Path-style under `endpointUrl` when given (MinIO, R2, Tigris, moto); otherwise AWS
   * virtual-hosted style in `region` (path-style for bucket names with dots, which a
   * virtual-hosted TLS certificate does not cover).
   */
  constructor(bucket: string, options: { endpointUrl?: string; region?: string }) {
    const encodedBucket = encodeRfc3986(bucket);
    if (options.endpointUrl !== undefined) {
      let endpoint: URL;
      try {
        endpoint = new URL(options.endpointUrl);
      } catch {
        throw new ConfigurationError(
          `Pass an http:// or https:// URL as endpointUrl: got ${
            JSON.stringify(redactUserInfo(options.endpointUrl))
          }`,
        );
      }
      if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
        throw new ConfigurationError(
          `Pass an http:// or https:// URL as endpointUrl: ${
            JSON.stringify(endpoint.protocol)
          } is not one`,
        );
      }
      if (endpoint.username !== "" || endpoint.password !== "") {
        throw new ConfigurationError(
          "Remove the credentials from endpointUrl and pass them as credentials options: an endpoint URL may be shown in messages",
        );
      }
      if (endpoint.search !== "" || endpoint.hash !== "") {
        throw new ConfigurationError(
          `Remove the query and fragment from endpointUrl ${JSON.stringify(options.endpointUrl)}`,
        );
      }
      const path = endpoint.pathname.replace(/\/+$/, "");
      this.#base = `${endpoint.origin}${path}/${encodedBucket}`;
      this.#virtualHosted = false;
    } else {
      const region = options.region ?? "us-east-1";
      if (!/^[a-z0-9-]+$/.test(region)) {
        throw new ConfigurationError(
          `Pass an AWS region such as "eu-central-1" as region: got ${JSON.stringify(region)}`,
        );
      }
      const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
      this.#virtualHosted = !bucket.includes(".");
      this.#base = this.#virtualHosted
        ? `https://${encodedBucket}.s3.${region}.${domain}`
        : `https://s3.${region}.${domain}/${encodedBucket}`;
    }
  }

  /** The URL of `key` (`""`: the bucket itself) with `query`. */
  url(key: string, query: Record<string, string | undefined> = {}): string {
    // The bucket itself is `<endpoint>/<bucket>` path-style, and `/` on a host of its own.
    const path = key !== "" ? `/${encodeKey(key)}` : this.#virtualHosted ? "/" : "";
    return `${this.#base}${path}${queryString(query)}`;
  }
}
