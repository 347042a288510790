/**
 * The dlt layout with files as Python dlt writes them (gzipped table files with hex file ids,
 * `_dlt_loads` rows without a pipeline, schemas in dlt's format, state files with Python's load
 * ids): what this library reads of them and writes beside them. The same with the real Python
 * dlt is in `tests/interop/`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { encodeStateBlob } from "../../src/state/state_blob.ts";
import { type PipelineState, stateVersionHash } from "../../src/state/state_document.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";

const DATASET = "ds";

function dltLayout(world: TempWorld, name: string, dir = "pipelines"): dlt.Pipeline {
  return world.pipeline(name, {
    datasetName: DATASET,
    pipelinesDir: join(world.root, dir),
    destination: dlt.destinations.filesystem({ bucketUrl: world.bucketDir, layout: "dlt" }),
  });
}

async function write(world: TempWorld, path: string, bytes: Uint8Array | string): Promise<void> {
  const full = world.datasetPath(DATASET, path);
  await Deno.mkdir(join(full, ".."), { recursive: true });
  await Deno.writeFile(full, typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function files(world: TempWorld, dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(world.datasetPath(DATASET, dir))))
      .map((entry) => entry.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** A load Python dlt made: its rows gzipped under a hex file id and its `_dlt_loads` row. */
async function pythonLoad(
  world: TempWorld,
  table: string,
  loadId: string,
  rows: Record<string, unknown>[],
  committed = true,
): Promise<void> {
  const lines = rows.map((row) => JSON.stringify({ ...row, _dlt_load_id: loadId }) + "\n");
  await write(world, `${table}/${loadId}.0d0683493f.jsonl.gz`, await gzip(lines.join("")));
  await write(world, "init", '{"initial_version": 2, "current_version": 2}');
  if (!committed) return;
  await write(
    world,
    `_dlt_loads/py__${loadId}.jsonl`,
    JSON.stringify({ load_id: loadId, schema_name: "py", status: 0, inserted_at: "x" }),
  );
}

/** A `_dlt_version` file in dlt's format naming `table` with the `id` column. */
async function pythonSchema(world: TempWorld, table: string, disposition = "append") {
  const schema = {
    version: 1,
    version_hash: "aGFzaA==",
    engine_version: 11,
    name: "py",
    tables: {
      [table]: {
        name: table,
        write_disposition: disposition,
        columns: {
          id: { name: "id", data_type: "bigint", nullable: false, primary_key: true },
          v: { name: "v", data_type: "bigint", nullable: true },
        },
      },
    },
  };
  await write(
    world,
    "_dlt_version/py__1796158582.379425__68617368.jsonl",
    JSON.stringify({ version_hash: "aGFzaA==", schema_name: "py", schema: JSON.stringify(schema) }),
  );
}

Deno.test("the dataset reader reads Python dlt's gzipped table files of committed loads", async () => {
  await using world = await TempWorld.create();
  await pythonSchema(world, "events");
  await pythonLoad(world, "events", "1796158581.9460392", [{ id: 1, v: 1 }, { id: 2, v: 1 }]);
  await pythonLoad(world, "events", "1796158590.1", [{ id: 3, v: 1 }], false);
  const reader = dltLayout(world, "reader");
  assert.deepEqual(await reader.dataset().tableNames(), ["events"]);
  assert.deepEqual(dataOnly(await reader.dataset().table("events").toArray()), [
    { id: 1, v: 1 },
    { id: 2, v: 1 },
  ]);
});

Deno.test("a table only Python dlt loaded reads with the disposition its dlt schema names", async () => {
  await using world = await TempWorld.create();
  await pythonSchema(world, "users", "merge");
  await pythonLoad(world, "users", "1796158581.9460392", [{ id: 1, v: 1 }, { id: 2, v: 1 }]);
  await pythonLoad(world, "users", "1796158590.1", [{ id: 1, v: 2 }]);
  const rows = await dltLayout(world, "reader").dataset().table("users").toArray();
  assert.deepEqual(dataOnly(rows), [{ id: 2, v: 1 }, { id: 1, v: 2 }]);
});

Deno.test("in the dlt layout a table's folder holds only its rows: the markers have a folder of their own", async () => {
  await using world = await TempWorld.create();
  const pipeline = dltLayout(world, "marks");
  for (let v = 1; v <= 2; v++) {
    await pipeline.run(dlt.source("marks", [
      dlt.resource([{ id: 1, v }, { id: 2, v }], {
        name: "users",
        writeDisposition: "merge",
        primaryKey: "id",
      }),
      dlt.resource([{ n: v }], { name: "snap", writeDisposition: "replace" }),
    ]));
  }
  for (const table of ["users", "snap"]) {
    const names = await files(world, table);
    assert.ok(
      names.length > 0 && names.every((name) => /^\d+\.\d+\.\d+\.jsonl$/.test(name)),
      table,
    );
  }
  assert.equal((await files(world, "_dlt_marks/users")).length, 2);
  assert.equal((await files(world, "_dlt_marks/snap")).length, 1);
  const dataset = pipeline.dataset();
  assert.deepEqual(dataOnly(await dataset.table("users").toArray()), [
    { id: 1, v: 2 },
    { id: 2, v: 2 },
  ]);
  assert.deepEqual(dataOnly(await dataset.table("snap").toArray()), [{ n: 2 }]);
});

Deno.test("markers an earlier version left in a table's folder are still read", async () => {
  await using world = await TempWorld.create();
  const pipeline = dltLayout(world, "old_marks");
  for (let v = 1; v <= 3; v++) {
    await pipeline.run([{ id: 1, v }, { id: 2, v }], {
      tableName: "users",
      writeDisposition: "merge",
      primaryKey: "id",
    });
  }
  for (const name of await files(world, "_dlt_marks/users")) {
    await Deno.rename(
      world.datasetPath(DATASET, "_dlt_marks/users", name),
      world.datasetPath(DATASET, "users", name),
    );
  }
  const rows = await dltLayout(world, "old_marks", "reader").dataset().table("users").toArray();
  assert.deepEqual(dataOnly(rows), [{ id: 1, v: 3 }, { id: 2, v: 3 }]);
});

Deno.test("a replace here deletes the table files Python dlt loaded before it", async () => {
  await using world = await TempWorld.create();
  await pythonLoad(world, "snap", "1796158581.9460392", [{ n: 0 }]);
  const pipeline = dltLayout(world, "replace");
  await pipeline.run([{ n: 1 }], { tableName: "snap", writeDisposition: "replace" });
  const names = await files(world, "snap");
  assert.equal(names.length, 1);
  assert.match(names[0], /\.0\.jsonl$/);
  assert.deepEqual(dataOnly(await pipeline.dataset().table("snap").toArray()), [{ n: 1 }]);
});

Deno.test("a schema version is written in dlt's format too, named as dlt names it", async () => {
  await using world = await TempWorld.create();
  const pipeline = dltLayout(world, "schema");
  const info = await pipeline.run([{ id: 1, at: "2024-01-01T00:00:00+00:00" }], {
    tableName: "events",
  });
  const [name] = await files(world, "_dlt_version");
  const file = JSON.parse(
    await Deno.readTextFile(world.datasetPath(DATASET, "_dlt_version", name)),
  );
  const stored = JSON.parse(file.schema);
  assert.equal(name, `schema__${info.loadIds[0]}__${hexOf(stored.version_hash)}.jsonl`);
  assert.deepEqual(Object.keys(file), [
    "version_hash",
    "schema_name",
    "version",
    "engine_version",
    "inserted_at",
    "schema",
  ]);
  assert.match(file.inserted_at, /\+00:00$/);
  assert.deepEqual(
    Object.values(stored.tables.events.columns).map((c) => (c as { data_type: string }).data_type),
    ["bigint", "timestamp", "text", "text"],
  );
  // Nothing new for dlt: no second file.
  await pipeline.run([{ id: 2, at: "2024-01-02T00:00:00+00:00" }], { tableName: "events" });
  assert.equal((await files(world, "_dlt_version")).length, 1);
});

function hexOf(base64: string): string {
  return Array.from(atob(base64), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

Deno.test("a run continues a Python dlt state made on a clock ahead, and its load sorts after it", async () => {
  await using world = await TempWorld.create();
  const ahead = String(Date.now() / 1000 + 3600);
  const state = {
    _state_version: 5,
    _state_engine_version: 4,
    _version_hash: "",
    pipeline_name: "ahead",
    dataset_name: DATASET,
    default_schema_name: "ahead",
    schema_names: ["ahead"],
    destination_type: "dlt.destinations.filesystem",
    destination_name: null,
    sources: { ahead: { resources: { items: { next: 10 } } } },
  };
  state._version_hash = stateVersionHash(state as unknown as PipelineState);
  const doc = {
    version: 5,
    engine_version: 4,
    pipeline_name: "ahead",
    state: await encodeStateBlob(state),
    created_at: "2026-12-01T20:56:22.418660+00:00",
    version_hash: state._version_hash,
    _dlt_load_id: ahead,
  };
  await write(world, `_dlt_pipeline_state/ahead__${ahead}__8b0f54e1.jsonl`, JSON.stringify(doc));
  await write(world, "init", '{"initial_version": 2, "current_version": 2}');
  await write(
    world,
    `_dlt_loads/ahead__${ahead}.jsonl`,
    JSON.stringify({ load_id: ahead, schema_name: "ahead", status: 0, inserted_at: "x" }),
  );
  const items = dlt.resource(function* () {
    const state = dlt.current.resourceState<{ next?: number }>();
    yield { id: state.next ?? 0 };
    state.next = (state.next ?? 0) + 1;
  }, { name: "items" });
  const info = await dltLayout(world, "ahead").run(items);
  assert.equal(info.firstRun, false);
  assert.equal(info.stateVersion, 6);
  const [loadId] = info.loadIds;
  assert.ok(loadId > ahead && parseFloat(loadId) > parseFloat(ahead), `${loadId} after ${ahead}`);
  // Python dlt restores the state file with the greatest load id (as text): ours.
  const ids = (await files(world, "_dlt_pipeline_state")).map((name) => name.split("__")[1]);
  assert.equal(ids.reduce((a, b) => (b > a ? b : a)), loadId);
  const again = await dltLayout(world, "ahead", "elsewhere").run(items);
  assert.equal(again.stateVersion, 7);
  // Python's load names no pipeline in _dlt_loads; its state file does.
  assert.deepEqual(
    (await dltLayout(world, "ahead", "reader").loads()).map((load) => load.load_id),
    [ahead, loadId, again.loadIds[0]],
  );
  assert.deepEqual(
    dataOnly(await dltLayout(world, "ahead", "reader").dataset().table("items").toArray()),
    [{ id: 10 }, { id: 11 }],
  );
});
