/**
 * Stopping in time (issue 13): how long a run takes to commit and exit after SIGINT, the way Deno
 * Deploy evicts an isolate (SIGINT, then SIGKILL 5 s later). The child (`bench/_stop_child.ts`)
 * loads pages with checkpoints, then blocks in an await that ignores the signal; the parent sends
 * SIGINT once it is blocked and times until the child has exited, with its last rows committed
 * and loaded. Each run in a fresh folder.
 *
 *   deno run -A bench/stop_latency.ts [--runs=5] [--pages=20]
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import { signalAfter } from "../tests/helpers/child.ts";
import {
  BENCH_DIR,
  DENO,
  emitResult,
  Flags,
  fmt,
  fmtSamples,
  freshDir,
  lastJsonLine,
  measured,
  median,
  meets,
  removeDir,
  ROOT,
} from "./_measure.ts";

const flags = new Flags();
const runs = flags.number("runs", 5);
const pages = flags.number("pages", 20);
const GRACE_MS = 5_000;

async function once(run: number): Promise<{ exitMs: number; commitMs: number }> {
  const dir = await freshDir("stop_latency", `run${run}`);
  try {
    const child = new Deno.Command(DENO, {
      args: ["run", "-A", join(BENCH_DIR, "_stop_child.ts"), `--dir=${dir}`, `--pages=${pages}`],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const { out, sentAt: sent } = await signalAfter(child, "blocked\n", "SIGINT");
    const status = await child.status;
    const exitMs = performance.now() - sent;
    if (!status.success) throw new Error(`the child exited with ${status.code}:\n${out}`);
    const result = lastJsonLine<{ commitMs: number; stopped: boolean; rows: number }>(
      out,
      "JSON ",
    );
    const pipeline = dlt.pipeline({
      pipelineName: "stop_latency",
      pipelinesDir: join(dir, "pipelines"),
      destination: dlt.destinations.filesystem({ bucketUrl: join(dir, "bucket") }),
    });
    const loaded = await pipeline.dataset().table("rows").count();
    if (!result.stopped || loaded !== pages * 1000) {
      throw new Error(`stopped ${result.stopped}, ${loaded} rows loaded, expected ${pages * 1000}`);
    }
    return { exitMs, commitMs: result.commitMs };
  } finally {
    await removeDir(dir);
  }
}

await once(-1); // warm-up
const exits: number[] = [];
const commits: number[] = [];
for (let run = 0; run < runs; run++) {
  const { exitMs, commitMs } = await once(run);
  exits.push(exitMs);
  commits.push(commitMs);
  console.log(
    `run ${run + 1}/${runs}: SIGINT to exit ${
      fmt(exitMs, 1)
    } ms, of which abort to run() returning ${fmt(commitMs, 1)} ms`,
  );
}
const a = measured("SIGINT to exit, last rows committed", "ms", exits);
const ratio = median(exits) / GRACE_MS;
emitResult({
  id: "stop",
  comparisons: [{
    scenario: "8. Stopping in time (SIGINT)",
    a,
    b: measured("Deno Deploy's grace before SIGKILL", "ms", [GRACE_MS]),
    ratio,
    ratioText: "time from SIGINT to exit ÷ the 5 s Deploy allows",
    aim: "≤ 0.1× (well within, issue 13)",
    met: meets(ratio, { atMost: 0.1 }),
  }],
  details: [
    `A child process loads pages of 1,000 benchmark rows (incremental on \`updated_at\`, \`checkpointEvery: { rows: 5000 }\`, \`signal\` aborted by a SIGINT listener); after ${pages} pages its resource blocks in a 10-minute await that ignores the signal. The parent sends SIGINT once it is blocked and times until the child exits; the child's \`run()\` has committed and loaded the rows since the last checkpoint by then (checked: ${
      fmt(pages * 1000)
    } rows in the table). ${runs} runs after a warm-up.`,
    "",
    `- SIGINT to exit: median ${fmt(median(exits), 1)} ms, runs ${fmtSamples(a)}`,
    `- abort to \`run()\` returning, in the child: median ${fmt(median(commits), 1)} ms, runs ${
      fmtSamples(measured("commit", "ms", commits))
    }`,
  ],
  params: { runs, pages },
});
