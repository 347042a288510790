/**
 * The credentials of an S3-compatible bucket, resolved in dlt's order (DESIGN §9): explicit
 * options; dlt's `DESTINATION__FILESYSTEM__CREDENTIALS__*` variables; the same keys in
 * `.dlt/secrets.yaml` (and, for what is not secret, `.dlt/config.yaml`); then the standard AWS
 * variables. Values never appear in a message.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import {
  type ConfigOrigin,
  ConfigResolver,
  describeOrigin,
  sharedConfigResolver,
} from "./resolver.ts";

/**
 * dlt's `AwsCredentials`, camelCased, as given in code; every field is optional, and what is
 * missing is looked up in the environment and `.dlt/`.
 *
 * @example Credentials for Cloudflare R2, in code
 * ```ts
 * import { type AwsCredentials, resolveS3Credentials } from "./s3_credentials.ts";
 *
 * const credentials: AwsCredentials = {
 *   awsAccessKeyId: "a1b2c3",
 *   awsSecretAccessKey: "never shown",
 *   regionName: "auto",
 *   endpointUrl: "https://0123456789abcdef.r2.cloudflarestorage.com",
 * };
 * const resolved = resolveS3Credentials(credentials, { env: () => undefined });
 * console.log(resolved.accessKeyId, resolved.region); // a1b2c3 auto
 * ```
 */
export interface AwsCredentials {
  /** The access key id (dlt's `aws_access_key_id`). */
  awsAccessKeyId?: string;
  /** The secret access key (dlt's `aws_secret_access_key`). */
  awsSecretAccessKey?: string;
  /** The session token of temporary credentials (dlt's `aws_session_token`). */
  awsSessionToken?: string;
  /** The region (dlt's `region_name`; `"auto"` for R2). */
  regionName?: string;
  /** The endpoint of an S3-compatible service (dlt's `endpoint_url`). */
  endpointUrl?: string;
}

/**
 * Where a credential came from: given in code, or a {@linkcode ConfigOrigin}.
 *
 * @example Telling where the secret was found
 * ```ts
 * import { type CredentialOrigin, resolveS3Credentials } from "./s3_credentials.ts";
 *
 * const resolved = resolveS3Credentials({ awsAccessKeyId: "A", awsSecretAccessKey: "B" }, {
 *   env: () => undefined,
 * });
 * const origin: CredentialOrigin = resolved.origins.secretAccessKey;
 * console.log(origin.kind); // explicit
 * ```
 */
export type CredentialOrigin = { kind: "explicit" } | ConfigOrigin;

/**
 * Resolved credentials, named as `S3Bucket` takes them, and where each was found (never the
 * value).
 *
 * @example Passing resolved credentials on
 * ```ts
 * import { resolveS3Credentials, type S3Credentials } from "./s3_credentials.ts";
 *
 * const env: Record<string, string> = { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s" };
 * const resolved: S3Credentials = resolveS3Credentials({}, { env: (name) => env[name] });
 * console.log(resolved.origins.secretAccessKey); // { kind: "env", name: "AWS_SECRET_ACCESS_KEY" }
 * ```
 */
export interface S3Credentials {
  /** The access key id. */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** The session token, when one was found with the key. */
  sessionToken?: string;
  /** The region, when one was set. */
  region?: string;
  /** The endpoint URL, when one was set. */
  endpointUrl?: string;
  /** Where each resolved value came from. */
  origins: {
    /** Origin of `accessKeyId`. */
    accessKeyId: CredentialOrigin;
    /** Origin of `secretAccessKey`. */
    secretAccessKey: CredentialOrigin;
    /** Origin of `sessionToken`. */
    sessionToken?: CredentialOrigin;
    /** Origin of `region`. */
    region?: CredentialOrigin;
    /** Origin of `endpointUrl`. */
    endpointUrl?: CredentialOrigin;
  };
}

/**
 * Options of {@linkcode resolveS3Credentials}.
 *
 * @example Resolving for one pipeline, from a given folder
 * ```ts
 * import { ConfigResolver } from "./resolver.ts";
 * import { type ResolveS3CredentialsOptions, resolveS3Credentials } from "./s3_credentials.ts";
 *
 * const env: Record<string, string> = {
 *   GITHUB__DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: "AKID",
 *   GITHUB__DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: "s3cr3t",
 * };
 * const options: ResolveS3CredentialsOptions = {
 *   bucketUrl: "s3://lake",
 *   pipelineName: "github",
 *   resolver: new ConfigResolver({ cwd: await Deno.makeTempDir(), env: (name) => env[name] }),
 * };
 * console.log(resolveS3Credentials({}, options).accessKeyId); // AKID
 * ```
 */
export interface ResolveS3CredentialsOptions {
  /**
   * The bucket, named in the error when credentials are missing.
   * @default undefined
   */
  bucketUrl?: string;
  /**
   * A pipeline whose own keys (`<PIPELINE>__DESTINATION__FILESYSTEM__CREDENTIALS__*`,
   * `<pipeline>.destination.filesystem.credentials.*`) are asked before the general ones.
   * @default undefined
   */
  pipelineName?: string;
  /**
   * Looks dlt's keys up in the environment and `.dlt/*.yaml`.
   * @default new ConfigResolver({ env: options.env }) when env is given, else sharedConfigResolver()
   */
  resolver?: ConfigResolver;
  /**
   * Reads environment variables, for a resolver made here (a given resolver reads its own).
   * @default Deno.env.get, treating a missing --allow-env as unset
   */
  env?: (name: string) => string | undefined;
}

const SECTION = "destination.filesystem.credentials";
const DLT_ENV = "DESTINATION__FILESYSTEM__CREDENTIALS";

/** The standard AWS variables of each field, in the order they are asked. */
const AWS_ENV = {
  accessKeyId: ["AWS_ACCESS_KEY_ID"],
  secretAccessKey: ["AWS_SECRET_ACCESS_KEY"],
  sessionToken: ["AWS_SESSION_TOKEN"],
  region: ["AWS_REGION", "AWS_DEFAULT_REGION"],
  endpointUrl: ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"],
} as const;

/** dlt's key of each field, and whether it is a secret (read from `secrets.yaml` only). */
const DLT_KEYS = {
  accessKeyId: { key: "aws_access_key_id", secret: false },
  secretAccessKey: { key: "aws_secret_access_key", secret: true },
  sessionToken: { key: "aws_session_token", secret: true },
  region: { key: "region_name", secret: false },
  endpointUrl: { key: "endpoint_url", secret: false },
} as const;

const EXPLICIT_NAMES = {
  accessKeyId: "awsAccessKeyId",
  secretAccessKey: "awsSecretAccessKey",
  sessionToken: "awsSessionToken",
  region: "regionName",
  endpointUrl: "endpointUrl",
} as const;

type Field = keyof typeof DLT_KEYS;

interface Found {
  value: string;
  origin: CredentialOrigin;
}

/**
 * Resolves the credentials of an S3-compatible bucket. The access key, secret and session token
 * are taken together from the first place that has a key or a secret (explicit options, then
 * dlt's variables and `.dlt/` files, then the AWS variables), so that a session token of the
 * environment never pairs with keys given elsewhere; the region and endpoint are resolved each
 * on its own, in the same order. A missing key or secret is a {@linkcode ConfigurationError}
 * that names the variables to set.
 *
 * @example From dlt's environment variables
 * ```ts
 * import { resolveS3Credentials } from "./s3_credentials.ts";
 *
 * const env: Record<string, string> = {
 *   DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: "AKID",
 *   DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: "s3cr3t",
 *   AWS_REGION: "eu-central-1",
 * };
 * const resolved = resolveS3Credentials({}, { env: (name) => env[name] });
 * console.log(resolved.accessKeyId, resolved.region); // AKID eu-central-1
 * ```
 */
export function resolveS3Credentials(
  explicit: AwsCredentials = {},
  options: ResolveS3CredentialsOptions = {},
): S3Credentials {
  if (explicit === null || typeof explicit !== "object") {
    throw new ConfigurationError(
      `Pass credentials as an object such as { awsAccessKeyId, awsSecretAccessKey }: got ${
        explicit === null ? "null" : typeof explicit
      }`,
    );
  }
  const resolver = options.resolver ??
    (options.env ? new ConfigResolver({ env: options.env }) : sharedConfigResolver());
  const fromExplicit = (field: Field): Found | undefined => {
    const name = EXPLICIT_NAMES[field];
    const value: unknown = explicit[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") {
      throw new ConfigurationError(
        `Pass credentials.${name} as a string: it is ${describeType(value)}`,
      );
    }
    return { value, origin: { kind: "explicit" } };
  };
  const fromDlt = (field: Field): Found | undefined => {
    const { key, secret } = DLT_KEYS[field];
    const keys = [
      ...(options.pipelineName ? [`${options.pipelineName}.${SECTION}.${key}`] : []),
      `${SECTION}.${key}`,
    ];
    const found = resolver.locate(keys, { secretsOnly: secret });
    if (!found) return undefined;
    return { value: asString(found.value, keys.at(-1)!, found.origin), origin: found.origin };
  };
  const fromAws = (field: Field): Found | undefined => {
    const found = resolver.locate([], {
      extraEnv: AWS_ENV[field],
      secretsOnly: DLT_KEYS[field].secret,
    });
    return found ? { value: String(found.value), origin: found.origin } : undefined;
  };

  const sources = [fromExplicit, fromDlt, fromAws];
  let keys: Partial<Record<"accessKeyId" | "secretAccessKey" | "sessionToken", Found>> = {};
  let source = -1;
  for (let i = 0; i < sources.length && source === -1; i++) {
    const accessKeyId = sources[i]("accessKeyId");
    const secretAccessKey = sources[i]("secretAccessKey");
    if (accessKeyId || secretAccessKey) {
      keys = { accessKeyId, secretAccessKey, sessionToken: sources[i]("sessionToken") };
      source = i;
    }
  }
  if (!keys.accessKeyId || !keys.secretAccessKey) {
    throw missingCredentials(options.bucketUrl, source, keys);
  }
  const first = (field: "region" | "endpointUrl") => {
    for (const from of sources) {
      const found = from(field);
      if (found) return found;
    }
    return undefined;
  };
  const region = first("region");
  const endpointUrl = first("endpointUrl");
  const resolved: S3Credentials = {
    accessKeyId: keys.accessKeyId.value,
    secretAccessKey: keys.secretAccessKey.value,
    origins: { accessKeyId: keys.accessKeyId.origin, secretAccessKey: keys.secretAccessKey.origin },
  };
  if (keys.sessionToken) {
    resolved.sessionToken = keys.sessionToken.value;
    resolved.origins.sessionToken = keys.sessionToken.origin;
  }
  if (region) {
    resolved.region = region.value;
    resolved.origins.region = region.origin;
  }
  if (endpointUrl) {
    resolved.endpointUrl = endpointUrl.value;
    resolved.origins.endpointUrl = endpointUrl.origin;
  }
  return resolved;
}

function asString(value: unknown, key: string, origin: ConfigOrigin): string {
  if (typeof value === "string" && value !== "") return value;
  throw new ConfigurationError(
    `Set ${key} to a non-empty string in ${describeOrigin(origin)}: it is ${describeType(value)}`,
  );
}

function describeType(value: unknown): string {
  if (value === "") return "empty";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

function describeCredentialOrigin(origin: CredentialOrigin): string {
  return origin.kind === "explicit" ? "the explicit options" : describeOrigin(origin);
}

function missingCredentials(
  bucketUrl: string | undefined,
  source: number,
  keys: { accessKeyId?: Found; secretAccessKey?: Found },
): ConfigurationError {
  const of = bucketUrl ? ` of "${bucketUrl}"` : "";
  const found = keys.accessKeyId ?? keys.secretAccessKey;
  if (found === undefined) {
    return new ConfigurationError(
      `Set the S3 credentials${of}: pass credentials { awsAccessKeyId, awsSecretAccessKey }, or set ${DLT_ENV}__AWS_ACCESS_KEY_ID and ${DLT_ENV}__AWS_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or put ${SECTION}.aws_access_key_id and aws_secret_access_key in .dlt/secrets.yaml; none was found`,
    );
  }
  const secretMissing = keys.accessKeyId !== undefined;
  const where = secretMissing
    ? [
      "credentials.awsSecretAccessKey",
      `${DLT_ENV}__AWS_SECRET_ACCESS_KEY or ${SECTION}.aws_secret_access_key in .dlt/secrets.yaml`,
      "AWS_SECRET_ACCESS_KEY",
    ][source]
    : [
      "credentials.awsAccessKeyId",
      `${DLT_ENV}__AWS_ACCESS_KEY_ID or ${SECTION}.aws_access_key_id in .dlt/secrets.yaml`,
      "AWS_ACCESS_KEY_ID",
    ][source];
  return new ConfigurationError(
    `Set the ${secretMissing ? "secret access key" : "access key id"}${of} as ${where}: the ${
      secretMissing ? "access key id" : "secret access key"
    } was found in ${
      describeCredentialOrigin(found.origin)
    }, and the key and the secret are taken from one place`,
  );
}
