/**
 * Scenario 4, restore does not grow with history: a pipeline with no local working dir restores
 * its state from a destination whose `_dlt_pipeline_state.jsonl` and `_dlt_loads.jsonl` hold 10
 * rows, and from one whose files hold 1,000,000 rows each (five pipelines interleaved).
 *
 * The rows are the library's own: a real run writes the seed dataset; its state row, loads row
 * and schema row are the templates of the history (same columns, same blob). The two datasets end
 * the same way: the target pipeline's newest state (re-encoded with the history's version), then
 * three rows of other pipelines. Timed, alternating small and big, each with a fresh empty
 * pipelines dir: `pipeline.syncDestination()`, and a whole no-op `pipeline.run()` (restore, then
 * an incremental that filters every row, nothing written).
 *
 *   deno run -A bench/restore.ts [--history=1000000] [--runs=30]
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import { encodeStateBlob } from "../src/state/state_blob.ts";
import { makePages } from "./_rows.ts";
import {
  type Comparison,
  emitResult,
  Flags,
  fmt,
  fmtMeasured,
  fmtSamples,
  freshDir,
  measured,
  median,
  meets,
  mib,
  removeDir,
} from "./_measure.ts";

const PIPELINE = "bench_restore";
const DATASET = "bench";
const OTHERS = ["other_a", "other_b", "other_c", "other_d"];
const SEED_ROWS = 1000;

type Json = Record<string, unknown>;

function pipelineAt(pipelinesDir: string, bucket: string): dlt.Pipeline {
  return dlt.pipeline({
    pipelineName: PIPELINE,
    pipelinesDir,
    destination: dlt.destinations.filesystem({ bucketUrl: bucket }),
    datasetName: DATASET,
  });
}

function seedResource(pages: ReturnType<typeof makePages>) {
  return dlt.resource(async function* () {
    yield* pages;
  }, { name: "rows", writeDisposition: "append", incremental: dlt.incremental("updated_at") });
}

async function readLines(path: string): Promise<string[]> {
  return (await Deno.readTextFile(path)).split("\n").filter((line) => line.length > 0);
}

/** Buffered line writer (setup only). */
class Lines {
  readonly #file: Deno.FsFile;
  #parts: string[] = [];
  #size = 0;
  bytes = 0;
  constructor(path: string) {
    this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
  }
  add(line: string): void {
    this.#parts.push(line, "\n");
    this.#size += line.length + 1;
    if (this.#size > 4 << 20) this.flush();
  }
  flush(): void {
    const bytes = new TextEncoder().encode(this.#parts.join(""));
    let offset = 0;
    while (offset < bytes.length) offset += this.#file.writeSync(bytes.subarray(offset));
    this.bytes += bytes.length;
    this.#parts = [];
    this.#size = 0;
  }
  close(): void {
    this.flush();
    this.#file.close();
  }
}

interface Seed {
  stateRow: Json;
  loadRow: Json;
  versionLines: string[];
  tableDir: string;
}

/** One real run of the library: the templates of every row of the synthetic history. */
async function seed(dir: string, pages: ReturnType<typeof makePages>): Promise<Seed> {
  const bucket = join(dir, "bucket");
  const info = await pipelineAt(join(dir, "pipelines"), bucket).run(seedResource(pages));
  if (info.rowCounts.rows !== SEED_ROWS) throw new Error("the seed run loaded no rows");
  const dataset = join(bucket, DATASET);
  const states = await readLines(join(dataset, "_dlt_pipeline_state.jsonl"));
  const loads = await readLines(join(dataset, "_dlt_loads.jsonl"));
  if (states.length !== 1 || loads.length !== 1) {
    throw new Error(`the seed run wrote ${states.length} state rows, ${loads.length} loads rows`);
  }
  return {
    stateRow: JSON.parse(states[0]),
    loadRow: JSON.parse(loads[0]),
    versionLines: await readLines(join(dataset, "_dlt_version.jsonl")),
    tableDir: join(dataset, "rows"),
  };
}

/** A load id `seconds.micros`. */
function loadId(seconds: number, micros: number): string {
  return `${seconds}.${String(micros).padStart(6, "0")}`;
}

/**
 * Writes a dataset of `total` state rows and as many loads rows: `total - 4` rows of history
 * (five pipelines, round-robin), the target's newest state, then one row of three others.
 * Returns the target's newest version.
 */
async function buildDataset(bucket: string, total: number, seedRows: Seed): Promise<number> {
  const dataset = join(bucket, DATASET);
  await Deno.mkdir(dataset, { recursive: true });
  await Deno.writeTextFile(
    join(dataset, "_dlt_version.jsonl"),
    seedRows.versionLines.join("\n") + "\n",
  );
  // The table's files, so that the dataset is whole (restore does not read them).
  await Deno.mkdir(join(dataset, "rows"), { recursive: true });
  for await (const entry of Deno.readDir(seedRows.tableDir)) {
    await Deno.copyFile(join(seedRows.tableDir, entry.name), join(dataset, "rows", entry.name));
  }
  const seedState = seedRows.stateRow;
  const seedLoad = seedRows.loadRow;
  const seedId = String(seedState._dlt_load_id);
  const seedSeconds = Number(seedId.split(".")[0]);
  const names = [...OTHERS, PIPELINE];
  const history = total - 4;
  const states = new Lines(join(dataset, "_dlt_pipeline_state.jsonl"));
  const loads = new Lines(join(dataset, "_dlt_loads.jsonl"));
  const versions = new Map<string, number>();
  const add = (name: string, id: string, blob: string, hash: string) => {
    const version = (versions.get(name) ?? 0) + 1;
    versions.set(name, version);
    const rowId = String(seedState._dlt_id).replace(seedId, id);
    states.add(JSON.stringify({
      ...seedState,
      version,
      pipeline_name: name,
      state: blob,
      version_hash: hash,
      _dlt_load_id: id,
      _dlt_id: rowId,
    }));
    loads.add(JSON.stringify({ ...seedLoad, load_id: id, pipeline_name: name }));
  };
  // History: one load per second, ending well before the seed run.
  const firstSecond = seedSeconds - history - 10;
  const blob = String(seedState.state);
  const hash = String(seedState.version_hash);
  for (let k = 0; k < history; k++) {
    add(names[k % names.length], loadId(firstSecond + k, k % 1000), blob, hash);
  }
  // The target's newest state: the seed's, carrying the version the history gives it.
  const version = (versions.get(PIPELINE) ?? 0) + 1;
  const state = await dlt.decodeState(seedState as unknown as dlt.StateRow);
  state._state_version = version;
  add(PIPELINE, seedId, await encodeStateBlob(state), hash);
  for (let k = 0; k < 3; k++) add(OTHERS[k], loadId(seedSeconds + 1 + k, 0), blob, hash);
  states.close();
  loads.close();
  return version;
}

async function timeSync(bucket: string, scratch: string, expected: number): Promise<number> {
  const pipelinesDir = await Deno.makeTempDir({ dir: scratch, prefix: "sync-" });
  const pipeline = pipelineAt(pipelinesDir, bucket);
  const start = performance.now();
  await pipeline.syncDestination();
  const ms = performance.now() - start;
  if (pipeline.state._state_version !== expected) {
    throw new Error(`restored version ${pipeline.state._state_version}, expected ${expected}`);
  }
  await removeDir(pipelinesDir);
  return ms;
}

async function timeNoopRun(
  bucket: string,
  scratch: string,
  expected: number,
  pages: ReturnType<typeof makePages>,
): Promise<number> {
  const pipelinesDir = await Deno.makeTempDir({ dir: scratch, prefix: "run-" });
  const pipeline = pipelineAt(pipelinesDir, bucket);
  const start = performance.now();
  const info = await pipeline.run(seedResource(pages));
  const ms = performance.now() - start;
  if (info.loadIds.length !== 0 || info.stateVersion !== expected) {
    throw new Error(
      `the no-op run made ${info.loadIds.length} loads at version ${info.stateVersion}, expected none at ${expected}`,
    );
  }
  await removeDir(pipelinesDir);
  return ms;
}

async function main(): Promise<void> {
  const flags = new Flags();
  const bigRows = flags.number("history", 1_000_000);
  const smallRows = 10;
  const runs = flags.number("runs", 30);
  const work = await freshDir("restore");
  const pages = makePages(SEED_ROWS);
  const seedRows = await seed(join(work, "seed"), pages);
  const small = join(work, "small");
  const big = join(work, "big");
  const buildStart = performance.now();
  const smallVersion = await buildDataset(small, smallRows, seedRows);
  const bigVersion = await buildDataset(big, bigRows, seedRows);
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const bigBytes = (await Deno.stat(join(big, DATASET, "_dlt_pipeline_state.jsonl"))).size +
    (await Deno.stat(join(big, DATASET, "_dlt_loads.jsonl"))).size;
  console.log(
    `built: small (${smallRows} rows, version ${smallVersion}), big (${fmt(bigRows)} rows, ${
      fmt(mib(bigBytes))
    } MiB, version ${bigVersion}) in ${buildSeconds.toFixed(1)} s`,
  );
  const scratch = join(work, "scratch");
  await Deno.mkdir(scratch, { recursive: true });

  // Warm-up (JIT, page cache) on both.
  for (let i = 0; i < 5; i++) {
    await timeSync(small, scratch, smallVersion);
    await timeSync(big, scratch, bigVersion);
    await timeNoopRun(small, scratch, smallVersion, pages);
    await timeNoopRun(big, scratch, bigVersion, pages);
  }
  const syncSmall: number[] = [];
  const syncBig: number[] = [];
  const runSmall: number[] = [];
  const runBig: number[] = [];
  const syncRatios: number[] = [];
  const runRatios: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      syncSmall.push(await timeSync(small, scratch, smallVersion));
      syncBig.push(await timeSync(big, scratch, bigVersion));
      runBig.push(await timeNoopRun(big, scratch, bigVersion, pages));
      runSmall.push(await timeNoopRun(small, scratch, smallVersion, pages));
    } else {
      syncBig.push(await timeSync(big, scratch, bigVersion));
      syncSmall.push(await timeSync(small, scratch, smallVersion));
      runSmall.push(await timeNoopRun(small, scratch, smallVersion, pages));
      runBig.push(await timeNoopRun(big, scratch, bigVersion, pages));
    }
    syncRatios.push(syncBig[run] / syncSmall[run]);
    runRatios.push(runBig[run] / runSmall[run]);
  }
  await removeDir(work);

  const a = measured(`restore from ${fmt(bigRows)} rows`, "ms", syncBig);
  const b = measured(`restore from ${smallRows} rows`, "ms", syncSmall);
  const ratio = median(syncRatios);
  const ra = measured(`no-op run, ${fmt(bigRows)} rows`, "ms", runBig);
  const rb = measured(`no-op run, ${smallRows} rows`, "ms", runSmall);
  const runRatio = median(runRatios);
  const comparisons: Comparison[] = [{
    scenario: "4. Restore does not grow with history (`syncDestination()`)",
    a,
    b,
    ratio,
    ratioText: `time with ${fmt(bigRows)} rows ÷ time with ${smallRows} rows`,
    aim: "≤ 1.2×",
    met: meets(ratio, { atMost: 1.2 }),
  }, {
    scenario: "4. Restore does not grow with history (whole no-op `run()`)",
    a: ra,
    b: rb,
    ratio: runRatio,
    ratioText: `time with ${fmt(bigRows)} rows ÷ time with ${smallRows} rows`,
    aim: "≤ 1.2×",
    met: meets(runRatio, { atMost: 1.2 }),
  }];
  emitResult({
    id: "restore",
    comparisons,
    details: [
      `Two destinations built from a real run's rows (templates: its state row with a real state blob, its loads row and its schema row): ${smallRows} and ${
        fmt(bigRows)
      } rows in each of \`_dlt_pipeline_state.jsonl\` and \`_dlt_loads.jsonl\` (${
        fmt(mib(bigBytes))
      } MiB for the big pair), five pipelines interleaved, the target's newest state followed by three rows of other pipelines. Each timed call starts from an empty pipelines dir; ${runs} alternating rounds after 5 warm-ups.`,
      "",
      `- \`syncDestination()\`, ${fmt(bigRows)} rows: median ${fmtMeasured(a)}, runs ${
        fmtSamples(a)
      }`,
      `- \`syncDestination()\`, ${smallRows} rows: median ${fmtMeasured(b)}, runs ${fmtSamples(b)}`,
      `- no-op \`run()\` (restore + extract ${SEED_ROWS} rows all filtered), ${
        fmt(bigRows)
      } rows: median ${fmtMeasured(ra)}, runs ${fmtSamples(ra)}`,
      `- no-op \`run()\`, ${smallRows} rows: median ${fmtMeasured(rb)}, runs ${fmtSamples(rb)}`,
    ],
    params: { history: bigRows, runs },
  });
}

if (import.meta.main) await main();
