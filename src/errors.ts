/**
 * The error classes of the library. Every layer imports them from here; `mod.ts` re-exports them so
 * that callers can tell failures apart with `instanceof`.
 *
 * @module
 */
export * from "./errors/dlt_error.ts";
export * from "./errors/run_errors.ts";
export * from "./errors/data_errors.ts";
export * from "./errors/storage_errors.ts";
export * from "./errors/incremental_errors.ts";
