/**
 * Opening a pipeline by name for a command: the pipelines dir from the options and the
 * configuration, the destination from the working dir's record (or from `--bucket-url` and the
 * configuration, to restore a pipeline that has no working dir here).
 *
 * @module
 */
import { join } from "node:path";
import { tmpdir } from "node:os";
import { attach, Pipeline, pipeline } from "../pipeline/pipeline.ts";
import type { ProgressOption } from "../pipeline/progress.ts";
import { type PipelineRecord, readPipelineRecord } from "../pipeline/working_dir.ts";
import { PipelineLock } from "../pipeline/lock.ts";
import type { LockWait } from "../pipeline/lock.ts";
import { filesystem } from "../destinations/filesystem.ts";
import { validateName } from "../storage/names.ts";
import { type ConfigResolver, resolvePipelineSettings, type SettingOrigin } from "../config/mod.ts";
import { NotFoundError } from "./exit_codes.ts";

/** Where the pipelines dir came from, when no setting named it. */
export type DirOrigin = SettingOrigin | { kind: "default" };

/** The pipelines dir from `--pipelines-dir`, the environment, `.dlt/*.yaml`, or the default. */
export function resolvePipelinesDir(
  pipelineName: string,
  flag: string | undefined,
  resolver: ConfigResolver,
): { dir: string; origin: DirOrigin } {
  const settings = resolvePipelineSettings(pipelineName, { pipelinesDir: flag }, resolver);
  if (settings.pipelinesDir !== undefined) {
    return { dir: settings.pipelinesDir, origin: settings.origins.pipelinesDir! };
  }
  return { dir: defaultPipelinesDir(), origin: { kind: "default" } };
}

/** `~/.dlt/pipelines`, else a temp dir (as the pipeline does when nothing is configured). */
function defaultPipelinesDir(): string {
  try {
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    if (home) return join(home, ".dlt", "pipelines");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
  return join(tmpdir(), "dlt-pipelines");
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
