/**
 * `dlt.config` and `dlt.secrets`: read source settings by dotted key, as in dlt.
 *
 * @module
 */
import { sharedConfigResolver } from "./resolver.ts";

/**
 * Reads configuration values by dotted key, as `dlt.config` and `dlt.secrets` do.
 *
 * @example A helper that reads from config or secrets
 * ```ts
 * import { type ConfigAccessor, config, secrets } from "../../mod.ts";
 *
 * function githubOrg(settings: ConfigAccessor): string {
 *   return settings.get<string>("sources.github.org") ?? "denoland";
 * }
 * Deno.env.set("SOURCES__GITHUB__ORG", "octo-org");
 * console.log(githubOrg(config), githubOrg(secrets)); // octo-org octo-org
 * ```
 */
export interface ConfigAccessor {
  /** The value of `key`, or `undefined` when it is set nowhere. */
  get<T = unknown>(key: string): T | undefined;
  /** The value of `key`; a `ConfigurationError` naming the key and where it looked if missing. */
  require<T = unknown>(key: string): T;
}

/**
 * Configuration values: the environment (`SOURCES__GITHUB__ORG`), then `.dlt/secrets.yaml`, then
 * `.dlt/config.yaml` of the working directory.
 *
 * @example Reading a source setting
 * ```ts
 * import { config } from "./accessors.ts";
 *
 * Deno.env.set("SOURCES__GITHUB__ORG", "denoland");
 * console.log(config.get<string>("sources.github.org")); // denoland
 * console.log(config.get("sources.github.unset_key")); // undefined
 * ```
 */
export const config: ConfigAccessor = {
  get: <T = unknown>(key: string) => sharedConfigResolver().get(key) as T | undefined,
  require: <T = unknown>(key: string) => sharedConfigResolver().require(key) as T,
};

/**
 * Secrets: the environment (`SOURCES__GITHUB__API_TOKEN`), then `.dlt/secrets.yaml` only. Values
 * are never logged nor put into error messages.
 *
 * @example Reading a token
 * ```ts
 * import { secrets } from "./accessors.ts";
 *
 * Deno.env.set("SOURCES__GITHUB__API_TOKEN", "ghp_example");
 * const token = secrets.require<string>("sources.github.api_token");
 * console.log(token.length); // 11
 * ```
 */
export const secrets: ConfigAccessor = {
  get: <T = unknown>(key: string) => sharedConfigResolver().secret(key) as T | undefined,
  require: <T = unknown>(key: string) =>
    sharedConfigResolver().secret(key, { required: true }) as T,
};
