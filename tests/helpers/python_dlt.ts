/**
 * Python dlt in the interop tests: the pinned dlt that `tests/setup/dlt.sh` installs into
 * `.venv/dlt`, driven by `tests/interop/dlt_pipeline.py` in a child process. A missing venv is an
 * error that says how to make it, never a skip.
 */
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const PYTHON = join(ROOT, ".venv/dlt/bin/python");
const DRIVER = join(ROOT, "tests/interop/dlt_pipeline.py");

/** Where a Python pipeline loads to and keeps its working dir. */
export interface PythonPipeline {
  bucketUrl: string;
  pipelinesDir: string;
  pipelineName: string;
  datasetName: string;
  /** Environment of the child (S3 credentials in dlt's variables). */
  env?: Record<string, string>;
}

/** A datetime as the driver prints it. */
export interface PythonDatetime {
  datetime: string;
}

/** What a Python load printed. */
export interface PythonLoad {
  load_ids: string[];
  rows_loaded: number;
  start_value: string | PythonDatetime | null;
  last_value: string | PythonDatetime | null;
  unique_hashes: string[];
  state_version: number;
  warnings: string[];
}

/** What a Python read printed. */
export interface PythonRead {
  tables: Record<string, Record<string, unknown>[]>;
  last_value: string | PythonDatetime | null;
  state_version: number;
  warnings: string[];
}

async function drive<T>(pipeline: PythonPipeline, spec: Record<string, unknown>): Promise<T> {
  try {
    await Deno.stat(PYTHON);
  } catch {
    throw new Error(
      `Run "bash tests/setup/dlt.sh" (deno task test runs it) to install Python dlt into .venv/dlt: ${PYTHON} does not exist, so the interop tests cannot run`,
    );
  }
  const output = await new Deno.Command(PYTHON, {
    args: [
      DRIVER,
      JSON.stringify({
        bucket_url: pipeline.bucketUrl,
        pipelines_dir: pipeline.pipelinesDir,
        pipeline_name: pipeline.pipelineName,
        dataset_name: pipeline.datasetName,
        ...spec,
      }),
    ],
    env: { RUNTIME__LOG_LEVEL: "WARNING", ...pipeline.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    throw new Error(
      `Python dlt failed (${output.code}): ${new TextDecoder().decode(output.stderr)}\n${stdout}`,
    );
  }
  return JSON.parse(stdout.split("\n").at(-1)!);
}

/** Loads `rows` with Python dlt through an incremental resource "items" on `cursor`. */
export function pythonLoad(
  pipeline: PythonPipeline,
  rows: Record<string, unknown>[],
  options: { cursor: string; initialValue: string; datetimes?: boolean },
): Promise<PythonLoad> {
  return drive(pipeline, {
    action: "load",
    rows,
    cursor: options.cursor,
    initial_value: options.initialValue,
    datetimes: options.datetimes ?? false,
  });
}

/**
 * Restores the pipeline with Python dlt and reads `tables` through its dataset, or with
 * `via: "files"` through its filesystem client (see `tests/interop/dlt_pipeline.py`).
 */
export function pythonRead(
  pipeline: PythonPipeline,
  tables: string[],
  options: { cursor: string; via?: "dataset" | "files" },
): Promise<PythonRead> {
  return drive(pipeline, {
    action: "read",
    tables,
    cursor: options.cursor,
    via: options.via ?? "dataset",
  });
}
