/**
 * What a run costs on object storage, in requests: against moto's S3 server on 127.0.0.1 (the
 * one the tests use; `bash tests/setup/moto.sh` installs it), every HTTP request the library
 * makes is counted (a wrapped `fetch`).
 *
 * - a cold-start run (fresh working dir) that finds nothing new, with 10 and with N earlier
 *   loads (N = 10,000 by default): the same number of requests, at most 6;
 * - the requests and bytes of one run that loads 10,000 rows;
 * - rows/s into S3 ÷ rows/s into a local folder, same rows, side by side in one run.
 *
 *   deno run -A bench/s3_requests.ts [--loads=10000] [--rows=10000] [--runs=3]
 *
 * The N earlier loads are made by running the pipeline 10 times for real and then writing the
 * objects of N - 10 more loads directly (copies of the tenth one's: commit point, state file,
 * `_dlt_loads` marker, table file, each under its own load id and version), because N real runs
 * against moto would take an hour; a cold start reads the same kinds of objects either way.
 *
 * @module
 */
import { join } from "node:path";
import * as dlt from "../mod.ts";
import { MOTO_CREDENTIALS, startMoto } from "../tests/helpers/moto.ts";
import { encodeStateBlob } from "../src/state/state_blob.ts";
import { emitResult, Flags, measured, median, meets, WORK_DIR } from "./_measure.ts";

const flags = new Flags(Deno.args);
const manyLoads = flags.number("loads", 10_000);
const rowCount = flags.number("rows", 10_000);
const runs = flags.number("runs", 3);

// Every request the library sends, counted at fetch.
const counter = { requests: 0, sent: 0, received: 0, byMethod: new Map<string, number>() };
const realFetch = globalThis.fetch;
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = new Request(input, init);
  counter.requests++;
  const method = request.method;
  counter.byMethod.set(method, (counter.byMethod.get(method) ?? 0) + 1);
  const sent = request.body ? new Uint8Array(await request.clone().arrayBuffer()).length : 0;
  counter.sent += sent;
  const response = await realFetch(request);
  const body = new Uint8Array(await response.arrayBuffer());
  counter.received += body.length;
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};
function counted<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; requests: number; sent: number; received: number; methods: string }> {
  const before = { requests: counter.requests, sent: counter.sent, received: counter.received };
  const methods = new Map(counter.byMethod);
  return fn().then((result) => ({
    result,
    requests: counter.requests - before.requests,
    sent: counter.sent - before.sent,
    received: counter.received - before.received,
    methods: [...counter.byMethod].map(([m, n]) => [m, n - (methods.get(m) ?? 0)] as const)
      .filter(([, n]) => n > 0).map(([m, n]) => `${n} ${m}`).join(", "),
  }));
}

const moto = await startMoto();
await Deno.mkdir(WORK_DIR, { recursive: true });
const work = await Deno.makeTempDir({ dir: WORK_DIR, prefix: "s3_requests_" });
try {
  const bucketName = await moto.createBucket();
  const destination = (prefix: string) =>
    dlt.destinations.filesystem({
      bucketUrl: `s3://${bucketName}/${prefix}`,
      credentials: {
        awsAccessKeyId: MOTO_CREDENTIALS.accessKeyId,
        awsSecretAccessKey: MOTO_CREDENTIALS.secretAccessKey,
        endpointUrl: moto.endpointUrl,
        regionName: "us-east-1",
      },
    });
  const quiet = { warn: () => {}, info: () => {} };
  const events = (upTo: number) =>
    dlt.resource(function* () {
      const state = dlt.current.resourceState<{ last?: number }>();
      const rows = [];
      for (let id = (state.last ?? 0) + 1; id <= upTo; id++) rows.push({ id, at: "2024-01-01" });
      if (rows.length > 0) yield rows;
      state.last = Math.max(state.last ?? 0, upTo);
    }, { name: "events" });

  // 1. Cold starts with 10 and with `manyLoads` earlier loads.
  const coldStart = async (loads: number) => {
    const prefix = `cold${loads}`;
    for (let i = 1; i <= Math.min(loads, 10); i++) {
      await dlt.pipeline({
        pipelineName: "cold",
        pipelinesDir: join(work, `${prefix}_setup`),
        destination: destination(prefix),
        logger: quiet,
      }).run(events(i));
    }
    if (loads > 10) await synthesizeLoads(destination(prefix).bucket, loads);
    const fresh = dlt.pipeline({
      pipelineName: "cold",
      pipelinesDir: join(work, `${prefix}_fresh`),
      destination: destination(prefix),
      logger: quiet,
    });
    const measured = await counted(() => fresh.run(events(loads > 10 ? 10 : loads)));
    if (measured.result.loadIds.length !== 0) throw new Error("the cold start loaded something");
    if (fresh.state._state_version !== loads) {
      throw new Error(`restored version ${fresh.state._state_version}, not ${loads}`);
    }
    return measured;
  };
  const few = await coldStart(10);
  const many = await coldStart(manyLoads);

  // 2. One run that loads `rowCount` rows.
  const load = await counted(() =>
    dlt.pipeline({
      pipelineName: "rows",
      pipelinesDir: join(work, "rows"),
      destination: destination("rows"),
      logger: quiet,
    }).run(events(rowCount))
  );

  // 3. Rows/s into S3 and into a local folder, alternating.
  const s3Rates: number[] = [];
  const localRates: number[] = [];
  const ratios: number[] = [];
  for (let run = 0; run < runs; run++) {
    const time = async (dest: dlt.FilesystemDestination, dir: string) => {
      const started = performance.now();
      await dlt.pipeline({
        pipelineName: "speed",
        pipelinesDir: join(work, dir),
        destination: dest,
        logger: quiet,
      }).run(events(rowCount));
      return rowCount / ((performance.now() - started) / 1000);
    };
    const s3 = await time(destination(`speed${run}`), `speed_s3_${run}`);
    const local = await time(
      dlt.destinations.filesystem({ bucketUrl: join(work, `local${run}`) }),
      `speed_local_${run}`,
    );
    s3Rates.push(s3);
    localRates.push(local);
    ratios.push(s3 / local);
  }

  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const int = (n: number) => Math.round(n).toLocaleString("en-US");
  const coldRatio = many.requests / few.requests;
  const table = `| what | requests | sent | received |
| --- | ---: | ---: | ---: |
| cold-start run that finds nothing new, 10 earlier loads | ${few.requests} (${few.methods}) | ${
    kib(few.sent)
  } | ${kib(few.received)} |
| cold-start run that finds nothing new, ${
    int(manyLoads)
  } earlier loads | ${many.requests} (${many.methods}) | ${kib(many.sent)} | ${kib(many.received)} |
| cold-start run that loads ${int(rowCount)} rows | ${load.requests} (${load.methods}) | ${
    kib(load.sent)
  } | ${kib(load.received)} |`;
  const scenario = "9. Object storage (moto)";
  emitResult({
    id: "s3",
    comparisons: [
      {
        scenario: `${scenario}: cold start`,
        a: measured(`${int(manyLoads)} earlier loads`, "requests", [many.requests]),
        b: measured("10 earlier loads", "requests", [few.requests]),
        ratio: coldRatio,
        ratioText: "requests of a cold start that finds nothing new, many loads ÷ 10 loads",
        aim: "1×, at most 6 requests (issue 12)",
        met: meets(coldRatio, { atMost: 1 }) && many.requests <= 6,
      },
      {
        scenario: `${scenario}: rows/s`,
        a: measured("into S3 (moto)", "rows/s", s3Rates),
        b: measured("into a local folder", "rows/s", localRates),
        ratio: median(ratios),
        ratioText: `rows/s into S3 ÷ rows/s into a local folder, ${int(rowCount)} rows`,
        aim: "(context, no aim)",
        met: null,
      },
    ],
    details: [
      "Against moto's S3 server on 127.0.0.1; every HTTP request the library sends is counted at `fetch`. The earlier loads beyond the tenth are copies of the tenth's objects, written directly.",
      "",
      table,
      "",
      `- rows/s pairs (S3 ÷ local): ${ratios.map((r) => r.toFixed(2)).join(", ")}`,
    ],
    params: { loads: manyLoads, rows: rowCount, runs },
  });
  console.log(table);
  console.log(
    `cold start, ${int(manyLoads)} loads ÷ 10 loads: ${coldRatio.toFixed(2)}×; rows/s S3 ÷ local: ${
      median(ratios).toFixed(2)
    }× (S3 ${int(median(s3Rates))} rows/s, local ${int(median(localRates))} rows/s)`,
  );
} finally {
  await moto.stop();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}

/**
 * Writes loads 11..`loads` of pipeline "cold" directly: copies of load 10's objects (its commit
 * point, state file, `_dlt_loads` marker and table file) under new load ids and versions, then
 * the head hint. 32 writes in flight.
 */
async function synthesizeLoads(bucket: dlt.Bucket, loads: number): Promise<void> {
  const dataset = "cold_dataset";
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const versionName = (v: number) => `${String(v).padStart(12, "0")}.json`;
  const record = JSON.parse(
    decoder.decode(await bucket.read(`${dataset}/_dlt_state_versions/cold/${versionName(10)}`)),
  );
  const tenth: string = record.load_id;
  const stateFiles = await bucket.list(`${dataset}/_dlt_pipeline_state`, {
    prefix: `cold__${tenth}`,
  });
  const stateFile = decoder.decode(
    await bucket.read(`${dataset}/_dlt_pipeline_state/${stateFiles[0].name}`),
  );
  const marker = decoder.decode(await bucket.read(`${dataset}/_dlt_loads/cold__${tenth}.jsonl`));
  const tableFile = await bucket.read(`${dataset}/events/${tenth}.0.jsonl`);
  const [seconds] = tenth.split(".").map(Number);
  const state = await dlt.decodeState(record.state_row);
  const jobs: (() => Promise<void>)[] = [];
  for (let v = 11; v <= loads; v++) {
    const loadId = `${seconds + v}.000000`;
    jobs.push(async () => {
      const blob = await encodeStateBlob({ ...state, _state_version: v });
      const row = { ...record.state_row, version: v, _dlt_load_id: loadId, state: blob };
      await bucket.write(
        `${dataset}/_dlt_state_versions/cold/${versionName(v)}`,
        encoder.encode(JSON.stringify({ ...record, version: v, load_id: loadId, state_row: row })),
      );
      await bucket.write(
        `${dataset}/_dlt_pipeline_state/cold__${loadId}__${stateFiles[0].name.split("__")[2]}`,
        encoder.encode(JSON.stringify({
          ...JSON.parse(stateFile),
          version: v,
          state: blob,
          _dlt_load_id: loadId,
        })),
      );
      await bucket.write(
        `${dataset}/_dlt_loads/cold__${loadId}.jsonl`,
        encoder.encode(marker.replaceAll(tenth, loadId)),
      );
      if (tableFile) await bucket.write(`${dataset}/events/${loadId}.0.jsonl`, tableFile);
    });
  }
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < jobs.length) await jobs[next++]();
  }));
  await bucket.write(
    `${dataset}/_dlt_state_heads/cold.json`,
    encoder.encode(JSON.stringify({ version: loads })),
  );
}
