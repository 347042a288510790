/**
 * `pipeline list`: the pipelines of the pipelines dir, with their dataset, destination, state
 * version and pending packages.
 *
 * @module
 */
import { join } from "node:path";
import { readPipelineRecord } from "../pipeline/working_dir.ts";
import { LocalStateStore } from "../state/local_store.ts";
import type { PipelineState } from "../state/state_document.ts";
import { redactUrl } from "../config/mod.ts";
import { StateFileCorruptedError } from "../errors.ts";
import { type CommandContext, stringOption } from "./_context.ts";
import { resolvePipelinesDir } from "./_open.ts";

/** `pipeline list`. */
export async function listCommand(ctx: CommandContext): Promise<void> {
  const { dir } = resolvePipelinesDir(undefined, stringOption(ctx, "pipelines-dir"), ctx.resolver);
  const pipelines: Record<string, unknown>[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory) continue;
    const workingDir = join(dir, entry.name);
    const record = readPipelineRecord(workingDir);
    let state: PipelineState | undefined;
    let damaged = false;
    try {
      state = new LocalStateStore(workingDir).load();
    } catch (error) {
      if (!(error instanceof StateFileCorruptedError)) throw error;
      damaged = true;
    }
    if (!record && !state && !damaged) continue;
    pipelines.push({
      pipelineName: entry.name,
      datasetName: record?.dataset_name ?? state?.dataset_name ?? null,
      destination: record?.destination
        ? { type: record.destination.type, bucketUrl: redactUrl(record.destination.bucket_url) }
        : null,
      stateVersion: state?._state_version ?? null,
      stateDamaged: damaged,
      pendingPackages: await countDirs(join(workingDir, "load")),
    });
  }
  if (ctx.out.json) {
    ctx.out.document({ pipelinesDir: dir, pipelines });
    return;
  }
  if (pipelines.length === 0) {
    ctx.out.line(`No pipelines in ${dir}`);
    return;
  }
  ctx.out.line(`Pipelines in ${dir}:`);
  ctx.out.table(
    ["NAME", "DATASET", "DESTINATION", "STATE", "PENDING"],
    pipelines.map((p) => [
      String(p.pipelineName),
      String(p.datasetName ?? "-"),
      p.destination
        ? `${(p.destination as { type: string }).type} ${
          (p.destination as { bucketUrl: string }).bucketUrl
        }`
        : "-",
      p.stateDamaged ? "damaged" : p.stateVersion === null ? "-" : `v${p.stateVersion}`,
      String(p.pendingPackages),
    ]),
    "  ",
  );
}

async function countDirs(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) n++;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return n;
}
