/**
 * The files of a pipeline working dir besides the state and the packages: the record of where
 * the pipeline loads to (so the CLI and later scripts can open it by name alone) and the
 * inferred schemas.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../storage/atomic_file.ts";
import type { Schema } from "../destinations/schema.ts";
import type { PipelineEnv } from "./_env.ts";

/** `<workingDir>/pipeline.json`. */
export interface PipelineRecord {
  /** The pipeline name. */
  pipeline_name: string;
  /** The dataset it loads into. */
  dataset_name: string;
  /** The destination (never secrets). */
  destination: { type: string; bucket_url: string; name: string | null } | null;
  /** A random id of this working dir: the owner of its state version claims. */
  working_dir_id?: string;
}

const encoder = new TextEncoder();

/** Reads `pipeline.json`, or `undefined` when the pipeline never ran in this working dir. */
export function readPipelineRecord(workingDir: string): PipelineRecord | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(join(workingDir, "pipeline.json")));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Writes `pipeline.json` when it differs from `record`. */
export async function writePipelineRecord(
  workingDir: string,
  record: PipelineRecord,
): Promise<void> {
  const current = readPipelineRecord(workingDir);
  if (current && JSON.stringify(current) === JSON.stringify(record)) return;
  await writeFileAtomic(
    join(workingDir, "pipeline.json"),
    encoder.encode(JSON.stringify(record, null, 1) + "\n"),
  );
}

/** The schemas of the working dir, by source name. */
export async function readSchemas(workingDir: string): Promise<Map<string, Schema>> {
  try {
    const text = await Deno.readTextFile(join(workingDir, "schemas.json"));
    return new Map(Object.entries(JSON.parse(text) as Record<string, Schema>));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) return new Map();
    throw error;
  }
}

/** Replaces the schemas of the working dir atomically. */
export async function saveSchemas(workingDir: string, schemas: Map<string, Schema>): Promise<void> {
  await writeFileAtomic(
    join(workingDir, "schemas.json"),
    encoder.encode(JSON.stringify(Object.fromEntries(schemas), null, 1) + "\n"),
  );
}

/**
 * Records the destination in the working dir, so that `attach()` and the command line can open
 * the pipeline by name, with the working dir's id (the owner of its state version claims).
 * Returns that id.
 */
export async function recordWorkingDir(env: PipelineEnv): Promise<string> {
  const destination = env.destination;
  const id = readPipelineRecord(env.workingDir)?.working_dir_id ?? crypto.randomUUID();
  await writePipelineRecord(env.workingDir, {
    pipeline_name: env.pipelineName,
    dataset_name: env.datasetName,
    destination: destination
      ? {
        type: destination.destinationType,
        bucket_url: destination.location,
        name: destination.destinationName,
      }
      : null,
    working_dir_id: id,
  });
  return id;
}
