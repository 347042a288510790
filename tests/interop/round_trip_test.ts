/**
 * One memory for both worlds, tested with the real Python dlt (the pinned 1.31.0 of `.venv/dlt`,
 * `tests/setup/dlt.sh`): a pipeline loaded by Python dlt is continued here, and a pipeline loaded
 * here is continued by Python dlt, each side starting with an empty working dir and restoring
 * from the destination alone, on a local folder and on moto's S3.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { IsoDateTime } from "../../src/state/iso_date_time.ts";
import { useMoto } from "../helpers/moto.ts";
import { pythonLoad, type PythonPipeline, pythonRead } from "../helpers/python_dlt.ts";
import { localTarget, s3Target, type Target } from "../helpers/targets.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";

const moto = useMoto();

const PIPELINE = "round_trip";
const DATASET = "interop";
const INITIAL = "2024-01-01T00:00:00+00:00";
const BASE = Date.UTC(2024, 0, 1);

type Row = { id: number; updated_at: string; value: string };

/** Python's `datetime.isoformat()` of a UTC instant (`+00:00`, microseconds when not zero). */
function isoformat(ms: number, micros = 0): string {
  const text = new Date(ms).toISOString().slice(0, 19);
  const fraction = (ms % 1000) * 1000 + micros;
  return `${text}${fraction === 0 ? "" : `.${String(fraction).padStart(6, "0")}`}+00:00`;
}

/** The source both sides read: rows 1..n, one minute apart (`at(id)`: id's cursor value). */
function source(n: number, at: (id: number) => string): Row[] {
  return Array.from(
    { length: n },
    (_, i) => ({ id: i + 1, updated_at: at(i + 1), value: `v${i + 1}` }),
  );
}

const minutes = (id: number) => isoformat(BASE + id * 60_000);

/** The same pipeline on both sides; each call is a fresh working dir. */
class Sides {
  #runs = 0;
  constructor(
    readonly world: TempWorld,
    readonly target: Target,
    readonly pythonEnv: Record<string, string>,
  ) {}

  python(): PythonPipeline {
    return {
      bucketUrl: this.target.bucketUrl.startsWith("s3://")
        ? this.target.bucketUrl
        : `file://${this.target.bucketUrl}`,
      pipelinesDir: join(this.world.root, `python_${++this.#runs}`),
      pipelineName: PIPELINE,
      datasetName: DATASET,
      env: this.pythonEnv,
    };
  }

  deno(): dlt.Pipeline {
    return dlt.pipeline({
      pipelineName: PIPELINE,
      datasetName: DATASET,
      pipelinesDir: join(this.world.root, `deno_${++this.#runs}`),
      destination: this.target.destination(),
      logger: { warn: () => {}, info: () => {} },
    });
  }

  /** Runs the incremental resource "items" here over `rows`; returns what it saw and loaded. */
  async denoLoad(rows: Record<string, unknown>[], initialValue: unknown = INITIAL) {
    let startValue: unknown;
    const items = dlt.resource(function* ({ incremental }) {
      startValue = incremental.startValue;
      yield rows;
    }, {
      name: "items",
      primaryKey: "id",
      incremental: dlt.incremental("updated_at", { initialValue }),
    });
    const pipeline = this.deno();
    const info = await pipeline.run(items);
    return { info, startValue, pipeline };
  }

  /** The state files of the pipeline: load id and version, by load id. */
  async stateFiles(): Promise<{ loadId: string; version: number; keys: string[] }[]> {
    const bucket = this.target.destination().bucket;
    const dir = `${DATASET}/_dlt_pipeline_state`;
    const files = [];
    for (const entry of await bucket.list(dir)) {
      const [name, loadId] = entry.name.replace(/\.jsonl$/, "").split("__");
      if (name !== PIPELINE) continue;
      const doc = JSON.parse(new TextDecoder().decode(await bucket.read(`${dir}/${entry.name}`)));
      files.push({ loadId, version: doc.version, keys: Object.keys(doc) });
    }
    return files.sort((a, b) => (a.loadId < b.loadId ? -1 : 1));
  }
}

const STATE_KEYS = [
  "version",
  "engine_version",
  "pipeline_name",
  "state",
  "created_at",
  "version_hash",
  "_dlt_load_id",
];

async function sidesOn(world: TempWorld, kind: "local" | "s3"): Promise<Sides> {
  if (kind === "local") return new Sides(world, localTarget(world.bucketDir), {});
  const target = await s3Target(moto());
  const server = moto();
  return new Sides(world, target, {
    DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: target.env.AWS_ACCESS_KEY_ID,
    DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: target.env.AWS_SECRET_ACCESS_KEY,
    DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: server.endpointUrl,
    DESTINATION__FILESYSTEM__CREDENTIALS__REGION_NAME: "us-east-1",
  });
}

function ids(rows: Record<string, unknown>[]): number[] {
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const kind of ["local", "s3"] as const) {
  Deno.test(`Python dlt loads 1–100, this library 101–200, Python dlt 201–300: each row once (${kind})`, async () => {
    await using world = await TempWorld.create();
    const sides = await sidesOn(world, kind);

    const first = await pythonLoad(sides.python(), source(100, minutes), {
      cursor: "updated_at",
      initialValue: INITIAL,
    });
    assert.equal(first.rows_loaded, 100);
    assert.equal(first.last_value, minutes(100));

    const here = await sides.denoLoad(source(200, minutes));
    assert.deepEqual(here.info.rowCounts, { items: 100 });
    assert.equal(here.info.firstRun, false);
    assert.equal(here.startValue, minutes(100));
    assert.ok(here.info.stateVersion > first.state_version);
    assert.equal(await here.pipeline.dataset().layout(), "dlt");

    const last = await pythonLoad(sides.python(), source(300, minutes), {
      cursor: "updated_at",
      initialValue: INITIAL,
    });
    assert.equal(last.rows_loaded, 100);
    assert.equal(last.start_value, minutes(200));
    assert.equal(last.last_value, minutes(300));
    assert.ok(last.state_version > here.info.stateVersion);
    assert.deepEqual(last.warnings.filter((w) => /schema/i.test(w)), []);

    // Every row once, read back here and through Python dlt's dataset.
    const reader = sides.deno();
    assert.deepEqual(ids(await reader.dataset().table("items").toArray()), range(1, 300));
    // On S3 dlt's SQL dataset needs duckdb's httpfs extension, a download: read the files.
    const via = kind === "s3" ? "files" : "dataset";
    const python = await pythonRead(sides.python(), ["items"], { cursor: "updated_at", via });
    assert.deepEqual(ids(python.tables.items), range(1, 300));
    assert.equal(python.last_value, minutes(300));

    // One state file per load, seven keys each, versions increasing with the load ids.
    const files = await sides.stateFiles();
    assert.equal(files.length, 3);
    assert.deepEqual(files.map((f) => f.keys), [STATE_KEYS, STATE_KEYS, STATE_KEYS]);
    assert.deepEqual(files.map((f) => f.version), [
      first.state_version,
      here.info.stateVersion,
      last.state_version,
    ]);
    assert.deepEqual(files.map((f) => f.loadId), [
      first.load_ids[0],
      here.info.loadIds[0],
      last.load_ids[0],
    ]);
    for (let i = 1; i < files.length; i++) {
      assert.ok(parseFloat(files[i].loadId) > parseFloat(files[i - 1].loadId));
    }

    // This library restores Python's newest state, the cursor where Python left it.
    await reader.syncDestination();
    assert.equal(reader.state._state_version, last.state_version);
    const slot = reader.state.sources![PIPELINE].resources!.items.incremental as Record<
      string,
      { last_value: unknown }
    >;
    assert.equal(slot.updated_at.last_value, minutes(300));
  });
}

Deno.test("a boundary of rows sharing one cursor value loads none of them twice, either way", async () => {
  await using world = await TempWorld.create();
  const sides = await sidesOn(world, "local");
  // Rows sharing cursor values: 1–10 at minute 1, 11–25 at minute 2 (21–25 arrive late), 26–30
  // at minute 3, 31–35 at minute 4.
  const shared = (id: number) => minutes(id <= 10 ? 1 : id <= 25 ? 2 : id <= 30 ? 3 : 4);

  const first = await pythonLoad(sides.python(), source(20, shared), {
    cursor: "updated_at",
    initialValue: INITIAL,
  });
  assert.equal(first.rows_loaded, 20);
  // dlt 1.31 remembers the ten rows at the last value, in its 12-character hashes.
  assert.equal(first.unique_hashes.length, 10);
  assert.ok(first.unique_hashes.every((hash) => hash.length === 12));

  const here = await sides.denoLoad(source(30, shared));
  assert.deepEqual(here.info.rowCounts, { items: 10 });
  assert.equal(here.startValue, minutes(2));

  const last = await pythonLoad(sides.python(), source(35, shared), {
    cursor: "updated_at",
    initialValue: INITIAL,
  });
  assert.equal(last.rows_loaded, 5);
  assert.equal(last.start_value, minutes(3));

  const rows = await sides.deno().dataset().table("items").toArray();
  assert.deepEqual(ids(rows), range(1, 35));
});

Deno.test("Python's datetime cursors (microseconds, +00:00) continue here and go back typed", async () => {
  await using world = await TempWorld.create();
  const sides = await sidesOn(world, "local");
  // A microsecond apart, as Python's datetimes can be.
  const micros = (id: number) => isoformat(BASE, id);

  const first = await pythonLoad(sides.python(), source(50, micros), {
    cursor: "updated_at",
    initialValue: INITIAL,
    datetimes: true,
  });
  assert.equal(first.rows_loaded, 50);
  assert.deepEqual(first.last_value, { datetime: micros(50) });

  // Here the rows hold the same instants as IsoDateTime values (what a datetime decodes to).
  const rows = source(80, micros).map((row) => ({
    ...row,
    updated_at: new IsoDateTime(row.updated_at),
  }));
  const here = await sides.denoLoad(rows, new IsoDateTime(INITIAL));
  assert.deepEqual(here.info.rowCounts, { items: 30 });
  assert.equal(String(here.startValue), micros(50));

  const last = await pythonLoad(sides.python(), source(100, micros), {
    cursor: "updated_at",
    initialValue: INITIAL,
    datetimes: true,
  });
  assert.equal(last.rows_loaded, 20);
  assert.deepEqual(last.start_value, { datetime: micros(80) });
  assert.deepEqual(ids(await sides.deno().dataset().table("items").toArray()), range(1, 100));
});

Deno.test("a pipeline started here is restored by Python dlt, which continues its cursor", async () => {
  await using world = await TempWorld.create();
  const sides = new Sides(world, localTarget(world.bucketDir, "dlt"), {});
  const here = await sides.denoLoad(source(40, minutes));
  assert.deepEqual(here.info.rowCounts, { items: 40 });
  const python = await pythonLoad(sides.python(), source(60, minutes), {
    cursor: "updated_at",
    initialValue: INITIAL,
  });
  assert.equal(python.rows_loaded, 20);
  assert.equal(python.start_value, minutes(40));
  assert.ok(python.state_version > here.info.stateVersion);
  // Restored with the schema written here in dlt's format: no warning about a missing one, and
  // none about the destination named in state.
  assert.deepEqual(python.warnings, []);
  assert.deepEqual(ids(await sides.deno().dataset().table("items").toArray()), range(1, 60));
});
