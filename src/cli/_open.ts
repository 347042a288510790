/**
 * Opening a pipeline by name for a command: the pipelines dir from the options and the
 * configuration, the destination from the working dir's record (or from `--bucket-url` and the
 * configuration, to restore a pipeline that has no working dir here).
 *
 * @module
 */
import { join } from "node:path";
import { attach, defaultPipelinesDir, type Pipeline, pipeline } from "../pipeline/pipeline.ts";
import type { ProgressOption } from "../pipeline/progress.ts";
import { type PipelineRecord, readPipelineRecord } from "../pipeline/working_dir.ts";
import { type LockWait, PipelineLock } from "../pipeline/lock.ts";
import { filesystem } from "../destinations/filesystem.ts";
import { validateName } from "../storage/names.ts";
import { type ConfigResolver, resolvePipelineSettings, type SettingOrigin } from "../config/mod.ts";
import { NotFoundError } from "./exit_codes.ts";

/** Where the pipelines dir came from, when no setting named it. */
export type DirOrigin = SettingOrigin | { kind: "default" };

/** The pipelines dir from `--pipelines-dir`, the environment, `.dlt/*.yaml`, or the default. */
export function resolvePipelinesDir(
  pipelineName: string | undefined,
  flag: string | undefined,
  resolver: ConfigResolver,
): { dir: string; origin: DirOrigin } {
  if (pipelineName === undefined) {
    if (flag !== undefined) return { dir: flag, origin: { kind: "explicit" } };
    // No pipeline yet (`list`): only the settings that are not per pipeline.
    const found = resolver.locate(["pipelines_dir"], { extraEnv: ["DLT_PIPELINES_DIR"] });
    if (typeof found?.value === "string" && found.value !== "") {
      return { dir: found.value, origin: found.origin };
    }
    return { dir: defaultPipelinesDir(), origin: { kind: "default" } };
  }
  // Resolved even with the flag: a malformed .dlt/*.yaml is reported as the pipeline would.
  const settings = resolvePipelineSettings(pipelineName, { pipelinesDir: flag }, resolver);
  if (settings.pipelinesDir !== undefined) {
    return { dir: settings.pipelinesDir, origin: settings.origins.pipelinesDir! };
  }
  return { dir: defaultPipelinesDir(), origin: { kind: "default" } };
}

/** What a command opened. */
export interface OpenedPipeline {
  /** The pipeline. */
  pipeline: Pipeline;
  /** The working dir record, when the pipeline ran here. */
  record: PipelineRecord | undefined;
  /** Where each setting came from. */
  origins: {
    pipelinesDir: DirOrigin;
    bucketUrl: SettingOrigin | { kind: "working dir" } | undefined;
    datasetName: SettingOrigin | { kind: "working dir" } | { kind: "default" };
  };
}

/** Options of {@linkcode openPipeline}. */
export interface OpenOptions {
  /** `--pipelines-dir`. */
  pipelinesDir?: string;
  /** `--bucket-url`. */
  bucketUrl?: string;
  /** `--dataset-name`. */
  datasetName?: string;
  /** The configuration. */
  resolver: ConfigResolver;
  /** Progress reporting of the pipeline. */
  progress: ProgressOption;
  /** Where the pipeline's warnings go. */
  warn: (message: string) => void;
}

/**
 * Opens pipeline `name`: attached from its working dir record when it ran here (explicit
 * `--bucket-url` / `--dataset-name` still win), else built from the configured bucket URL.
 * Throws {@linkcode NotFoundError} when neither exists.
 */
export function openPipeline(name: string, options: OpenOptions): OpenedPipeline {
  validateName("pipeline", name);
  const dir = resolvePipelinesDir(name, options.pipelinesDir, options.resolver);
  const workingDir = join(dir.dir, name);
  const record = readPipelineRecord(workingDir);
  const logger = { warn: options.warn, info: () => {} };
  if (record && options.bucketUrl === undefined && options.datasetName === undefined) {
    return {
      pipeline: attach({
        pipelineName: name,
        pipelinesDir: dir.dir,
        progress: options.progress,
        logger,
      }),
      record,
      origins: {
        pipelinesDir: dir.origin,
        bucketUrl: record.destination ? { kind: "working dir" } : undefined,
        datasetName: { kind: "working dir" },
      },
    };
  }
  const settings = resolvePipelineSettings(name, {
    bucketUrl: options.bucketUrl,
    datasetName: options.datasetName,
  }, options.resolver);
  const bucketUrl = options.bucketUrl ?? record?.destination?.bucket_url ?? settings.bucketUrl;
  const datasetName = options.datasetName ?? record?.dataset_name ?? settings.datasetName;
  if (bucketUrl === undefined) {
    throw new NotFoundError(
      `Run pipeline "${name}" here first, or pass --bucket-url (and --dataset-name) to restore it from its destination: "${workingDir}" holds no pipeline`,
    );
  }
  const fromRecord = { kind: "working dir" } as const;
  return {
    pipeline: pipeline({
      pipelineName: name,
      pipelinesDir: dir.dir,
      destination: filesystem({ bucketUrl }),
      datasetName,
      progress: options.progress,
      logger,
    }),
    record,
    origins: {
      pipelinesDir: dir.origin,
      bucketUrl: options.bucketUrl !== undefined
        ? { kind: "explicit" }
        : record?.destination
        ? fromRecord
        : settings.origins.bucketUrl,
      datasetName: options.datasetName !== undefined
        ? { kind: "explicit" }
        : record
        ? fromRecord
        : settings.origins.datasetName ?? { kind: "default" },
    },
  };
}

/**
 * Fails fast with `PipelineLockedError` when a run holds the lock (or waits up to `wait`), so
 * that nobody is asked to confirm a change that cannot be made. The lock is released at once;
 * the change takes it again.
 */
export async function checkNotLocked(p: Pipeline, wait: LockWait): Promise<void> {
  const lock = await PipelineLock.acquire(p.workingDir, p.pipelineName, wait);
  lock.release();
}
