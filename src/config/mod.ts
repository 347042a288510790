/**
 * The config layer: option resolution from explicit values, environment variables in dlt's
 * `SECTION__KEY` form and `.dlt/config.yaml` / `.dlt/secrets.yaml`.
 *
 * @module
 */
export * from "./resolver.ts";
export * from "./pipeline_settings.ts";
export * from "./accessors.ts";
export * from "./s3_credentials.ts";
