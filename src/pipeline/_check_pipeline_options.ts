/**
 * The checks of `dlt.pipeline()`'s options.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { FilesystemDestination } from "../destinations/filesystem.ts";
import {
  checkBoolean,
  checkKnownKeys,
  checkObject,
  checkPositive,
  checkString,
  shown,
} from "./_check_options.ts";
import type { PipelineOptions } from "./options.ts";

const PIPELINE_OPTIONS = [
  "pipelineName",
  "destination",
  "datasetName",
  "pipelinesDir",
  "restoreFromDestination",
  "progress",
  "logger",
  "stateSizeLimits",
];

/** Throws `ConfigurationError` for an option of the wrong type or an unknown one. */
export function checkPipelineOptions(options: PipelineOptions): void {
  if (options === null || typeof options !== "object") {
    throw new ConfigurationError('Pass pipeline({ pipelineName: "name", destination })');
  }
  checkKnownKeys(options, PIPELINE_OPTIONS, "pipeline()");
  if (typeof options.pipelineName !== "string") {
    throw new ConfigurationError(
      `Set pipelineName to a string of 1-64 characters of A-Z, a-z, 0-9, _ and -: got ${
        shown(options.pipelineName)
      }`,
    );
  }
  checkString(options.datasetName, "datasetName");
  checkString(options.pipelinesDir, "pipelinesDir");
  checkBoolean(options.restoreFromDestination, "restoreFromDestination");
  if (
    options.destination !== undefined && !(options.destination instanceof FilesystemDestination)
  ) {
    throw new ConfigurationError(
      `Pass a destination made by dlt.destinations.filesystem({ bucketUrl: "…" }): got ${
        shown(options.destination)
      }`,
    );
  }
  const logger = options.logger;
  if (
    logger !== undefined &&
    (logger === null || typeof logger.warn !== "function" || typeof logger.info !== "function")
  ) {
    throw new ConfigurationError(
      `Set logger to an object with warn(message) and info(message) functions: got ${
        shown(logger)
      }`,
    );
  }
  checkObject(options.stateSizeLimits, "stateSizeLimits", "{ warnBytes?, maxBytes? }");
  checkPositive(options.stateSizeLimits?.warnBytes, "stateSizeLimits.warnBytes");
  checkPositive(options.stateSizeLimits?.maxBytes, "stateSizeLimits.maxBytes");
}
