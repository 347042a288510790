/**
 * The pipeline's own settings (pipelines dir, bucket URL, dataset name), resolved in dlt's order:
 * explicit options, then environment variables, then `.dlt/secrets.yaml` and `.dlt/config.yaml`.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import {
  type ConfigOrigin,
  type ConfigResolver,
  describeOrigin,
  sharedConfigResolver,
} from "./resolver.ts";

/** Settings given in code; they win over every other source. */
export interface ExplicitPipelineSettings {
  /** The folder of working dirs. */
  pipelinesDir?: string;
  /** The filesystem destination's bucket URL. */
  bucketUrl?: string;
  /** The dataset name. */
  datasetName?: string;
}

/** Where a setting came from: given in code, or a {@linkcode ConfigOrigin}. */
export type SettingOrigin = { kind: "explicit" } | ConfigOrigin;

/** Resolved settings (a key is absent when nothing set it) and where each came from. */
export interface PipelineSettings extends ExplicitPipelineSettings {
  /** Where each resolved setting came from. */
  origins: {
    /** Origin of `pipelinesDir`. */
    pipelinesDir?: SettingOrigin;
    /** Origin of `bucketUrl`. */
    bucketUrl?: SettingOrigin;
    /** Origin of `datasetName`. */
    datasetName?: SettingOrigin;
  };
}

/**
 * Describes a setting's origin for `info` and messages: `explicit option`, `env NAME`, or a
 * file line.
 *
 * @example Where a setting came from
 * ```ts
 * import { describeSettingOrigin } from "./pipeline_settings.ts";
 * console.log(describeSettingOrigin({ kind: "explicit" })); // explicit option
 * ```
 */
export function describeSettingOrigin(origin: SettingOrigin): string {
  return origin.kind === "explicit" ? "explicit option" : describeOrigin(origin);
}

/** The keys each setting is looked up under, most specific first. */
function settingKeys(pipelineName: string): Record<keyof ExplicitPipelineSettings, string[]> {
  return {
    pipelinesDir: [`${pipelineName}.pipelines_dir`, "pipelines_dir"],
    bucketUrl: [
      `${pipelineName}.destination.filesystem.bucket_url`,
      "destination.filesystem.bucket_url",
      `${pipelineName}.destination.bucket_url`,
      "destination.bucket_url",
    ],
    datasetName: [`${pipelineName}.dataset_name`, "dataset_name"],
  };
}

/**
 * Resolves `pipelinesDir`, `bucketUrl` and `datasetName` for `pipelineName`: an explicit value
 * wins; then the environment (`DLT_PIPELINES_DIR`, `<PIPELINE_NAME>__PIPELINES_DIR`,
 * `PIPELINES_DIR`; `<PIPELINE_NAME>__DESTINATION__FILESYSTEM__BUCKET_URL`,
 * `DESTINATION__FILESYSTEM__BUCKET_URL`, `DESTINATION__BUCKET_URL`;
 * `<PIPELINE_NAME>__DATASET_NAME`, `DATASET_NAME`); then the same keys, lower case and dotted, in
 * `.dlt/secrets.yaml` and `.dlt/config.yaml`. A value that is not a non-empty string is a
 * {@linkcode ConfigurationError} naming where it was set (never the value).
 *
 * @example Environment variables fill what code leaves out
 * ```ts
 * import { ConfigResolver } from "./resolver.ts";
 * import { resolvePipelineSettings } from "./pipeline_settings.ts";
 *
 * const env: Record<string, string> = {
 *   DESTINATION__FILESYSTEM__BUCKET_URL: "./data",
 *   GITHUB_SYNC__DATASET_NAME: "github",
 * };
 * const resolver = new ConfigResolver({ cwd: await Deno.makeTempDir(), env: (name) => env[name] });
 * const settings = resolvePipelineSettings("github_sync", { datasetName: "gh" }, resolver);
 * console.log(settings.bucketUrl, settings.datasetName); // ./data gh
 * console.log(settings.origins.bucketUrl); // { kind: "env", name: "DESTINATION__FILESYSTEM__BUCKET_URL" }
 * ```
 */
export function resolvePipelineSettings(
  pipelineName: string,
  explicit: ExplicitPipelineSettings = {},
  resolver: ConfigResolver = sharedConfigResolver(),
): PipelineSettings {
  const settings: PipelineSettings = { origins: {} };
  const keys = settingKeys(pipelineName);
  for (const name of ["pipelinesDir", "bucketUrl", "datasetName"] as const) {
    const given = explicit[name];
    if (given !== undefined) {
      settings[name] = given;
      settings.origins[name] = { kind: "explicit" };
      continue;
    }
    const found = resolver.locate(keys[name], {
      extraEnv: name === "pipelinesDir" ? ["DLT_PIPELINES_DIR"] : [],
    });
    if (!found) continue;
    if (typeof found.value !== "string" || found.value.length === 0) {
      throw new ConfigurationError(
        `Set ${keys[name].at(-1)} to a non-empty string in ${describeOrigin(found.origin)}: it is ${
          describeType(found.value)
        }`,
      );
    }
    settings[name] = found.value;
    settings.origins[name] = found.origin;
  }
  return settings;
}

function describeType(value: unknown): string {
  if (value === "") return "empty";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

/**
 * Masks the user and password of a URL (`s3://key:secret@host/bucket` → `s3://***@host/bucket`),
 * for output that must never show credentials.
 *
 * @example Hiding credentials in a bucket URL
 * ```ts
 * import { redactUrl } from "./pipeline_settings.ts";
 * console.log(redactUrl("s3://AKIA:s3cr3t@minio:9000/data")); // s3://***@minio:9000/data
 * console.log(redactUrl("./data")); // ./data
 * ```
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}
