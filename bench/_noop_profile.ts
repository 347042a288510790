/**
 * Where the time of scenario 3's process goes: the same no-op run as `bench/_noop_child.ts`, with
 * the library loaded by a dynamic `import()` so that loading it can be timed (and profiled).
 *
 *   deno run -A bench/_noop_profile.ts DIR [ROWS] [--profile]
 *
 * Prints one JSON line: `boot_ms` (process start to this script's first line), `imports_ms`
 * (the library and the row generator), `setup_ms`, `run_ms` (`pipeline.run()`), and with
 * `--profile` the self time per function while importing and while running. Without `--profile`
 * nothing else is loaded first, so the import time is what a user's script pays.
 *
 * @module
 */
const bootMs = performance.now();
const profiling = Deno.args.includes("--profile");
const [dir, count] = Deno.args.filter((arg) => !arg.startsWith("--"));
const n = Number(count ?? 1000);
const prof = profiling ? await import("./_profile.ts") : undefined;
const profiler = prof ? new prof.Profiler() : undefined;
await profiler?.start(50);
const t0 = performance.now();
const dlt = await import("../mod.ts");
const { makePages } = await import("./_rows.ts");
const t1 = performance.now();
const pages = makePages(n);
const rows = dlt.resource(async function* () {
  yield* pages;
}, { name: "rows", writeDisposition: "append", incremental: dlt.incremental("updated_at") });
const pipeline = dlt.pipeline({
  pipelineName: "bench_noop",
  pipelinesDir: `${dir}/pipelines`,
  destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/bucket` }),
  datasetName: "bench",
});
const t2 = performance.now();
const info = await pipeline.run(rows);
const t3 = performance.now();
const profile = await profiler?.stop();
if (info.loadIds.length !== 0) throw new Error("the no-op run loaded something");

let summaries: Record<string, unknown> | undefined;
if (prof && profile) {
  // The profile's clock starts a little before t0: align the windows on its end.
  const offset = (profile.endTime - profile.startTime) / 1000 - (t3 - t0);
  summaries = {
    imports: prof.summarizeProfile(profile, 15, { fromMs: offset, toMs: t1 - t0 + offset }),
    run: prof.summarizeProfile(profile, 15, { fromMs: t2 - t0 + offset, toMs: t3 - t0 + offset }),
  };
}
console.log(`JSON ${
  JSON.stringify({
    boot_ms: bootMs,
    imports_ms: t1 - t0,
    setup_ms: t2 - t1,
    run_ms: t3 - t2,
    ...(summaries ? { profile: summaries } : {}),
  })
}`);
