/**
 * What every step of the run protocol needs to know about its pipeline, handed down as a value
 * (the steps never import the `Pipeline` class).
 *
 * @module
 */
import type { FilesystemDestination } from "../destinations/filesystem.ts";
import type { LocalStateStore } from "../state/local_store.ts";
import type { Logger } from "./options.ts";
import type { ProgressEvent } from "./progress.ts";

/** The pipeline as the steps of a run see it. */
export interface PipelineEnv {
  /** The pipeline name. */
  readonly pipelineName: string;
  /** The dataset in the destination. */
  readonly datasetName: string;
  /** The folder of working dirs. */
  readonly pipelinesDir: string;
  /** `<pipelinesDir>/<pipelineName>`. */
  readonly workingDir: string;
  /** The destination, if any. */
  readonly destination: FilesystemDestination | undefined;
  /** Whether state is restored from and written to the destination. */
  readonly restoreFromDestination: boolean;
  /** The working dir's `state.json`. */
  readonly localStore: LocalStateStore;
  /** Where warnings go. */
  readonly logger: Logger;
  /** Where progress goes (a no-op without a progress option). */
  readonly report: (event: ProgressEvent) => void;
  /** Whether anyone listens to `report` (counting rows for it costs time on the hot path). */
  readonly reportsProgress: boolean;
  /** Warn above this many bytes of encoded state. */
  readonly warnStateBytes: number;
  /** Fail a commit above this many bytes of encoded state. */
  readonly maxStateBytes: number;
}
