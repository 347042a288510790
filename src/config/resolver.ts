/**
 * Configuration lookup in dlt's order: environment variables in the `SECTION__KEY` form, then
 * `.dlt/secrets.yaml`, then `.dlt/config.yaml` in the working directory. Secret values are never
 * put into a message, and {@linkcode ConfigResolver.redact} masks them in any text.
 *
 * @module
 */
import { join } from "node:path";
import { ConfigurationError } from "../errors.ts";
import { hasDltFolder, loadYamlSupport, parseYamlFile, type YamlFile } from "./_yaml.ts";

/**
 * Options of {@linkcode ConfigResolver}.
 *
 * @example A resolver for a folder and a fixed environment
 * ```ts
 * import { ConfigResolver, type ConfigResolverOptions } from "./resolver.ts";
 *
 * const options: ConfigResolverOptions = {
 *   cwd: await Deno.makeTempDir(),
 *   env: (name) => (name === "SOURCES__GITHUB__ORG" ? "denoland" : undefined),
 * };
 * console.log(new ConfigResolver(options).get("sources.github.org")); // denoland
 * ```
 */
export interface ConfigResolverOptions {
  /**
   * The directory whose `.dlt/` folder holds `config.yaml` and `secrets.yaml`.
   * @default Deno.cwd() (no files are read when read permission is missing)
   */
  cwd?: string;
  /**
   * Reads an environment variable; `undefined` when unset.
   * @default Deno.env.get, treating a missing --allow-env as unset
   */
  env?: (name: string) => string | undefined;
}

/**
 * Where a configuration value was found.
 *
 * @example Describing origins
 * ```ts
 * import { type ConfigOrigin, describeOrigin } from "./resolver.ts";
 *
 * const origins: ConfigOrigin[] = [
 *   { kind: "env", name: "SOURCES__GITHUB__ORG" },
 *   { kind: "file", file: ".dlt/config.yaml", key: "sources.github.org", line: 3, secret: false },
 * ];
 * for (const origin of origins) console.log(describeOrigin(origin));
 * // env SOURCES__GITHUB__ORG
 * // .dlt/config.yaml line 3 (key "sources.github.org")
 * ```
 */
export type ConfigOrigin =
  | {
    /** An environment variable. */
    kind: "env";
    /** Its name. */
    name: string;
  }
  | {
    /** A YAML file. */
    kind: "file";
    /** The file path. */
    file: string;
    /** The dotted key in the file. */
    key: string;
    /** The 1-based line of the key, when it could be found. */
    line?: number;
    /** True for `secrets.yaml`. */
    secret: boolean;
  };

/**
 * A value and where it came from.
 *
 * @example Finding out which file set a value
 * ```ts
 * import { ConfigResolver, type LocatedValue } from "./resolver.ts";
 *
 * const cwd = await Deno.makeTempDir();
 * await Deno.mkdir(`${cwd}/.dlt`);
 * await Deno.writeTextFile(`${cwd}/.dlt/config.yaml`, "sources:\n  github:\n    org: denoland\n");
 * const resolver = await ConfigResolver.open({ cwd, env: () => undefined });
 * const found: LocatedValue | undefined = resolver.locate("sources.github.org");
 * console.log(found?.value, found?.origin.kind); // denoland file
 * ```
 */
export interface LocatedValue {
  /** The value: a string from the environment, any YAML value from a file. */
  value: unknown;
  /** Where it was found. */
  origin: ConfigOrigin;
}

/**
 * Describes an origin for messages and `info` output: `env FOO__BAR` or `file.yaml line 3 (a.b)`.
 *
 * @example Naming where a value came from
 * ```ts
 * import { describeOrigin } from "./resolver.ts";
 * console.log(describeOrigin({ kind: "env", name: "DLT_PIPELINES_DIR" })); // env DLT_PIPELINES_DIR
 * ```
 */
export function describeOrigin(origin: ConfigOrigin): string {
  if (origin.kind === "env") return `env ${origin.name}`;
  return `${origin.file}${origin.line ? ` line ${origin.line}` : ""} (key "${origin.key}")`;
}

/**
 * The environment variable name of a dotted key, in dlt's `SECTION__KEY` form.
 *
 * @example From key to variable
 * ```ts
 * import { envName } from "./resolver.ts";
 * console.log(envName("sources.github.api_token")); // SOURCES__GITHUB__API_TOKEN
 * ```
 */
export function envName(key: string): string {
  return keySegments(key).map((segment) => segment.toUpperCase()).join("__");
}

function keySegments(key: string): string[] {
  if (typeof key !== "string" || key.length === 0) {
    throw new ConfigurationError(
      `Pass a dotted configuration key such as "sources.github.api_token": got ${
        JSON.stringify(key)
      }`,
    );
  }
  const segments = key.split(".");
  if (segments.some((segment) => segment.length === 0)) {
    throw new ConfigurationError(
      `Remove the empty section from configuration key "${key}"`,
    );
  }
  return segments;
}

function defaultEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw error;
  }
}

function defaultCwd(): string | undefined {
  try {
    return Deno.cwd();
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw error;
  }
}

/** Finds `segments` in a nested mapping; a key written with dots (`"a.b": 1`) matches too. */
function lookupPath(node: unknown, segments: string[]): { found: boolean; value?: unknown } {
  if (segments.length === 0) return { found: true, value: node };
  if (node === null || typeof node !== "object" || Array.isArray(node)) return { found: false };
  const record = node as Record<string, unknown>;
  for (let take = 1; take <= segments.length; take++) {
    const key = segments.slice(0, take).join(".");
    if (!Object.hasOwn(record, key)) continue;
    const result = lookupPath(record[key], segments.slice(take));
    if (result.found) return result;
  }
  return { found: false };
}

function collectStrings(node: unknown, into: Set<string>): void {
  if (typeof node === "string") into.add(node);
  else if (node !== null && typeof node === "object") {
    for (const value of Object.values(node)) collectStrings(value, into);
  }
}

/**
 * Looks configuration values up by dotted key (`"destination.filesystem.bucket_url"`): first the
 * environment (`DESTINATION__FILESYSTEM__BUCKET_URL`), then `.dlt/secrets.yaml`, then
 * `.dlt/config.yaml`. Files are read once, on first use; missing files are fine, and a malformed
 * file is a {@linkcode ConfigurationError} naming the file, line and key.
 *
 * @example Reading a value from the environment or the YAML files
 * ```ts
 * import { ConfigResolver } from "./resolver.ts";
 *
 * const env: Record<string, string> = { SOURCES__GITHUB__ORG: "denoland" };
 * const resolver = new ConfigResolver({ cwd: await Deno.makeTempDir(), env: (name) => env[name] });
 * console.log(resolver.get("sources.github.org")); // denoland
 * console.log(resolver.get("sources.github.repo")); // undefined
 * ```
 */
export class ConfigResolver {
  readonly #env: (name: string) => string | undefined;
  readonly #dir: string | undefined;
  #files: { secrets?: YamlFile; config?: YamlFile } | undefined;
  readonly #secretValues = new Set<string>();

  /**
   * A resolver for `options.cwd`, with the YAML parser loaded when that folder has a `.dlt`
   * folder. Use it for any folder but the working directory the process started in.
   */
  static async open(options: ConfigResolverOptions = {}): Promise<ConfigResolver> {
    const resolver = new ConfigResolver(options);
    if (hasDltFolder(options.cwd ?? defaultCwd())) await loadYamlSupport();
    return resolver;
  }

  /** A resolver for `options.cwd` (nothing is read yet). */
  constructor(options: ConfigResolverOptions = {}) {
    this.#env = options.env ?? defaultEnv;
    const cwd = options.cwd ?? defaultCwd();
    this.#dir = cwd === undefined ? undefined : join(cwd, ".dlt");
  }

  /** The paths of `config.yaml` and `secrets.yaml` this resolver reads (whether or not they exist). */
  get files(): { config?: string; secrets?: string } {
    if (this.#dir === undefined) return {};
    return { config: join(this.#dir, "config.yaml"), secrets: join(this.#dir, "secrets.yaml") };
  }

  #readFile(name: "config.yaml" | "secrets.yaml"): YamlFile | undefined {
    if (this.#dir === undefined) return undefined;
    const path = join(this.#dir, name);
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (error) {
      if (
        error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotCapable ||
        error instanceof Deno.errors.PermissionDenied
      ) {
        return undefined;
      }
      if (error instanceof Deno.errors.IsADirectory) {
        throw new ConfigurationError(`Replace the folder "${path}" with a YAML file`);
      }
      throw error;
    }
    return parseYamlFile(text, path);
  }

  #loadFiles(): { secrets?: YamlFile; config?: YamlFile } {
    if (this.#files) return this.#files;
    const secrets = this.#readFile("secrets.yaml");
    if (secrets) collectStrings(secrets.root, this.#secretValues);
    this.#files = { secrets, config: this.#readFile("config.yaml") };
    return this.#files;
  }

  /**
   * The first of `keys` found, with where it was found: each provider (environment, then
   * `secrets.yaml`, then — unless `secretsOnly` — `config.yaml`) is asked for every key in order
   * before the next provider is asked, as dlt does. `extraEnv` names environment variables asked
   * first (such as `DLT_PIPELINES_DIR`).
   */
  locate(
    keys: string | readonly string[],
    options: { secretsOnly?: boolean; extraEnv?: readonly string[] } = {},
  ): LocatedValue | undefined {
    const list = typeof keys === "string" ? [keys] : keys;
    const segmentsList = list.map(keySegments);
    for (const name of [...(options.extraEnv ?? []), ...list.map(envName)]) {
      const value = this.#env(name);
      if (value !== undefined && value !== "") {
        if (options.secretsOnly) this.#secretValues.add(value);
        return { value, origin: { kind: "env", name } };
      }
    }
    const files = this.#loadFiles();
    const providers = options.secretsOnly ? [files.secrets] : [files.secrets, files.config];
    for (const file of providers) {
      if (!file) continue;
      for (let i = 0; i < list.length; i++) {
        const result = lookupPath(file.root, segmentsList[i]);
        if (!result.found || result.value === undefined || result.value === null) continue;
        return {
          value: result.value,
          origin: {
            kind: "file",
            file: file.path,
            key: list[i],
            line: file.lines.get(list[i]),
            secret: file === files.secrets,
          },
        };
      }
    }
    return undefined;
  }

  /**
   * The value of `key` (environment first, then `secrets.yaml`, then `config.yaml`), or
   * `undefined`. Values from the environment are strings; values from YAML keep their YAML type.
   */
  get(key: string): unknown {
    return this.locate(key)?.value;
  }

  /**
   * Like {@linkcode ConfigResolver.get}, but throws {@linkcode ConfigurationError} naming the key
   * and every place looked in when the value is missing.
   */
  require(key: string): unknown {
    const found = this.locate(key);
    if (found) return found.value;
    throw this.#missing(key, false);
  }

  /**
   * A secret: the environment, then `secrets.yaml` only (never `config.yaml`). The value is
   * remembered so that {@linkcode ConfigResolver.redact} masks it. With `required`, a missing
   * value is a {@linkcode ConfigurationError}.
   */
  secret(key: string, options: { required?: boolean } = {}): unknown {
    const found = this.locate(key, { secretsOnly: true });
    if (found) {
      collectStrings(found.value, this.#secretValues);
      return found.value;
    }
    if (options.required) throw this.#missing(key, true);
    return undefined;
  }

  /** Where `key` was looked for, for messages: env name and the files. */
  searchedPlaces(key: string, secretsOnly = false): string[] {
    const places = [`env ${envName(key)}`];
    const files = this.files;
    if (files.secrets) places.push(files.secrets);
    if (files.config && !secretsOnly) places.push(files.config);
    return places;
  }

  #missing(key: string, secretsOnly: boolean): ConfigurationError {
    const places = this.searchedPlaces(key, secretsOnly);
    const where = places.length > 1
      ? `${places.slice(0, -1).join(", ")} or ${places.at(-1)}`
      : places[0];
    return new ConfigurationError(
      `Set ${secretsOnly ? "secret" : "configuration value"} "${key}": it is not in ${where}`,
    );
  }

  /**
   * Replaces every secret value this resolver has seen (all of `secrets.yaml`, and every value
   * read with {@linkcode ConfigResolver.secret}) in `text` with `***`.
   */
  redact(text: string): string {
    this.#loadFilesQuietly();
    let out = text;
    const values = [...this.#secretValues].filter((value) => value.length >= 4)
      .sort((a, b) => b.length - a.length);
    for (const value of values) out = out.replaceAll(value, "***");
    return out;
  }

  #loadFilesQuietly(): void {
    try {
      this.#loadFiles();
    } catch {
      // a malformed file is reported by the lookup that needs it
    }
  }
}

const shared = new Map<string, ConfigResolver>();

/**
 * The resolver of the process's working directory, shared so that `.dlt/*.yaml` is read once per
 * directory. The environment is read afresh on every lookup.
 *
 * @example One resolver per working directory
 * ```ts
 * import { sharedConfigResolver } from "./resolver.ts";
 * console.log(sharedConfigResolver() === sharedConfigResolver()); // true
 * ```
 */
export function sharedConfigResolver(): ConfigResolver {
  const cwd = defaultCwd() ?? "";
  let resolver = shared.get(cwd);
  if (!resolver) {
    resolver = new ConfigResolver(cwd === "" ? {} : { cwd });
    shared.set(cwd, resolver);
  }
  return resolver;
}
