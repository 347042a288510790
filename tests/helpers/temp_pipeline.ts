/**
 * Shared setup for tests: a temp dir holding a pipelines dir and a bucket, and helpers to read
 * what ended up on disk.
 */
import { join } from "node:path";
import * as dlt from "../../mod.ts";

/** A temp dir with `pipelines/` and `bucket/`, removed by `[Symbol.asyncDispose]`. */
export class TempWorld implements AsyncDisposable {
  readonly root: string;
  readonly pipelinesDir: string;
  readonly bucketDir: string;

  private constructor(root: string) {
    this.root = root;
    this.pipelinesDir = join(root, "pipelines");
    this.bucketDir = join(root, "bucket");
  }

  static async create(): Promise<TempWorld> {
    return new TempWorld(await Deno.makeTempDir({ prefix: "dlt_test_" }));
  }

  /** A pipeline in this world. */
  pipeline(name = "test_pipeline", options: Partial<dlt.PipelineOptions> = {}): dlt.Pipeline {
    return dlt.pipeline({
      pipelineName: name,
      pipelinesDir: this.pipelinesDir,
      destination: dlt.destinations.filesystem({ bucketUrl: this.bucketDir }),
      logger: { warn: () => {}, info: () => {} },
      ...options,
    });
  }

  /** Path of a file in the dataset. */
  datasetPath(dataset: string, ...segments: string[]): string {
    return join(this.bucketDir, dataset, ...segments);
  }

  /** Every line of a JSONL file in the dataset, parsed. */
  async jsonl(dataset: string, file: string): Promise<Record<string, unknown>[]> {
    try {
      const text = await Deno.readTextFile(this.datasetPath(dataset, file));
      return text.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  }

  /** A map of every file under `dir` (relative path → bytes as text), for before/after checks. */
  async snapshot(dir = this.root): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const walk = async (path: string, rel: string) => {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(path));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(path, entry.name);
        const name = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory) await walk(full, name);
        else if (!entry.name.startsWith(".lock")) files.set(name, await Deno.readTextFile(full));
      }
    };
    await walk(dir, "");
    return files;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.root, { recursive: true });
  }
}

/** Strips `_dlt_load_id` and `_dlt_id` so rows can be compared exactly. */
export function dataOnly(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map(({ _dlt_load_id: _l, _dlt_id: _i, ...rest }) => rest);
}
