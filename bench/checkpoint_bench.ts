/**
 * What a mid-run checkpoint costs: the same rows loaded with `checkpointEvery: { rows }` and
 * without, alternating in one process. A checkpoint commits a package (its files fsynced, the
 * state snapshot, the manifest, the local state) and loads it, so its cost is fixed per package,
 * not per row; the figure that matters is that cost against the rows it commits.
 *
 *   deno run -A bench/checkpoint_bench.ts [--rows=200000] [--every=10000] [--runs=5]
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import { makePages } from "./_rows.ts";
import {
  emitResult,
  Flags,
  fmt,
  fmtSamples,
  freshDir,
  measured,
  median,
  removeDir,
} from "./_measure.ts";

const flags = new Flags();
const rows = flags.number("rows", 200_000);
const every = flags.number("every", 10_000);
const runs = flags.number("runs", 5);
const pages = makePages(rows);
const checkpoints = Math.ceil(rows / every) - 1;

async function once(checkpointed: boolean): Promise<number> {
  const dir = await freshDir("checkpoint");
  try {
    const pipeline = dlt.pipeline({
      pipelineName: "checkpoint_bench",
      pipelinesDir: join(dir, "pipelines"),
      destination: dlt.destinations.filesystem({ bucketUrl: join(dir, "bucket") }),
    });
    const resource = dlt.resource(function* () {
      const state = dlt.current.resourceState<{ page?: number }>();
      for (let page = state.page ?? 0; page < pages.length; page++) {
        yield pages[page];
        state.page = page + 1;
      }
    }, { name: "rows" });
    const started = performance.now();
    const info = await pipeline.run(
      resource,
      checkpointed ? { checkpointEvery: { rows: every } } : {},
    );
    const ms = performance.now() - started;
    if (info.rowCounts.rows !== rows) throw new Error(`loaded ${info.rowCounts.rows} rows`);
    if (checkpointed && info.loadIds.length !== checkpoints + 1) {
      throw new Error(`expected ${checkpoints + 1} loads, got ${info.loadIds.length}`);
    }
    return ms;
  } finally {
    await removeDir(dir);
  }
}

await once(true); // warm-up
await once(false);
const withCheckpoints: number[] = [];
const without: number[] = [];
const perCheckpoint: number[] = [];
const perCheckpointVsRows: number[] = [];
for (let run = 0; run < runs; run++) {
  const a = await once(true);
  const b = await once(false);
  withCheckpoints.push(a);
  without.push(b);
  const extra = (a - b) / checkpoints;
  const rowsCost = (b / rows) * every;
  perCheckpoint.push(extra);
  perCheckpointVsRows.push(extra / rowsCost);
  console.log(
    `run ${run + 1}/${runs}: with ${checkpoints} checkpoints ${fmt(a, 0)} ms, without ${
      fmt(b, 0)
    } ms; one checkpoint ${fmt(extra, 2)} ms = ${
      fmt(extra / rowsCost, 3)
    }× the cost of the ${every} rows it commits`,
  );
}
const ratio = median(perCheckpointVsRows);
emitResult({
  id: "checkpoint",
  comparisons: [{
    scenario: "Checkpoint cost (issue 5)",
    a: measured(`one checkpoint (every ${every} rows)`, "ms", perCheckpoint),
    b: measured(`loading ${every} rows`, "ms", without.map((ms) => (ms / rows) * every)),
    ratio,
    ratioText: "extra time of one checkpoint ÷ time to load the rows it commits",
    aim: "(none set)",
    met: null,
  }],
  details: [
    `${
      rows.toLocaleString("en")
    } rows in pages of 1,000, the guide's checkpoint pattern (the next page in resource state), loaded with \`checkpointEvery: { rows: ${every} }\` (${checkpoints} checkpoints, ${
      checkpoints + 1
    } loads) and without (one load), alternating.`,
    "",
    `- with checkpoints: median ${fmt(median(withCheckpoints), 0)} ms, runs ${
      fmtSamples(measured("with", "ms", withCheckpoints))
    }`,
    `- without: median ${fmt(median(without), 0)} ms, runs ${
      fmtSamples(measured("without", "ms", without))
    }`,
    `- one checkpoint: median ${fmt(median(perCheckpoint), 2)} ms, ${
      fmt(ratio, 3)
    }× the time of the ${every} rows it commits`,
  ],
  params: { rows, every, runs },
});
