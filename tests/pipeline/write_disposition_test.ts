import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";
import { runFixture } from "../helpers/child.ts";

const rowsOf = async (pipeline: dlt.Pipeline, table: string) =>
  dataOnly(await pipeline.dataset().table(table).toArray());

Deno.test("append keeps every committed row, and a failed run adds none", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("append_p");
  await pipeline.run([{ id: 1 }, { id: 2 }], { tableName: "t" });
  await pipeline.run([{ id: 2 }, { id: 3 }], { tableName: "t" });
  const failing = dlt.resource(function* () {
    yield { id: 4 };
    throw new Error("boom");
  }, { name: "t" });
  await assert.rejects(pipeline.run(failing), dlt.PipelineStepFailed);
  assert.deepEqual(await rowsOf(pipeline, "t"), [{ id: 1 }, { id: 2 }, { id: 2 }, { id: 3 }]);
});

Deno.test("replace holds exactly the rows of the latest committed load", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("replace_p");
  const opts = { tableName: "t", writeDisposition: "replace" } as const;
  await pipeline.run([{ id: 1 }, { id: 2 }], opts);
  await pipeline.run([{ id: 3 }], opts);
  assert.deepEqual(await rowsOf(pipeline, "t"), [{ id: 3 }]);
  await pipeline.run([], opts);
  assert.deepEqual(await rowsOf(pipeline, "t"), []);
  await pipeline.run([{ id: 4 }, { id: 5 }], opts);
  assert.deepEqual(await rowsOf(pipeline, "t"), [{ id: 4 }, { id: 5 }]);
  // Files of replaced loads are deleted once the replacing load is committed.
  const files = [...Deno.readDirSync(world.datasetPath("replace_p_dataset", "t"))].map((e) =>
    e.name
  );
  assert.equal(files.filter((name) => name.endsWith(".jsonl")).length, 1);
});

Deno.test("replace resets the resource's state at every run", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("replace_state");
  const seen: unknown[] = [];
  const snapshot = dlt.resource(function* () {
    const state = dlt.current.resourceState<{ runs?: number }>();
    seen.push(state.runs);
    state.runs = (state.runs ?? 0) + 1;
    yield { at: seen.length };
  }, { name: "snapshot", writeDisposition: "replace" });
  await pipeline.run(snapshot);
  await pipeline.run(snapshot);
  assert.deepEqual(seen, [undefined, undefined]);
  assert.deepEqual(pipeline.state.sources!.replace_state.resources!.snapshot, { runs: 1 });
});

Deno.test("merge keeps one row per key: the latest load wins, and the last row within a load", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("merge_p");
  const opts = { tableName: "t", writeDisposition: "merge", primaryKey: "id" } as const;
  await pipeline.run([{ id: 1, v: "a" }, { id: 2, v: "a" }, { id: 1, v: "b" }], opts);
  assert.deepEqual(await rowsOf(pipeline, "t"), [{ id: 2, v: "a" }, { id: 1, v: "b" }]);
  await pipeline.run([{ id: 2, v: "c" }, { id: 3, v: "c" }], opts);
  assert.deepEqual(await rowsOf(pipeline, "t"), [
    { id: 1, v: "b" },
    { id: 2, v: "c" },
    { id: 3, v: "c" },
  ]);
  await pipeline.run([{ id: 1, v: "d" }], opts);
  assert.deepEqual(await rowsOf(pipeline, "t"), [
    { id: 2, v: "c" },
    { id: 3, v: "c" },
    { id: 1, v: "d" },
  ]);
  assert.equal(await pipeline.dataset().table("t").count(), 3);
});

Deno.test("merge works with a composite primary key", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("merge_composite");
  const opts = { tableName: "t", writeDisposition: "merge", primaryKey: ["a", "b"] } as const;
  await pipeline.run([{ a: 1, b: "x", v: 1 }, { a: 1, b: "y", v: 1 }], opts);
  await pipeline.run([{ a: 1, b: "y", v: 2 }, { a: 2, b: "x", v: 2 }], opts);
  assert.deepEqual(await rowsOf(pipeline, "t"), [
    { a: 1, b: "x", v: 1 },
    { a: 1, b: "y", v: 2 },
    { a: 2, b: "x", v: 2 },
  ]);
});

Deno.test("merge rejects a row without its primary key", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("merge_missing");
  const error = await pipeline.run([{ id: 1 }, { other: 2 }], {
    tableName: "t",
    writeDisposition: "merge",
    primaryKey: "id",
  }).catch((e) => e);
  assert.ok(error.cause instanceof dlt.InvalidRowError);
  assert.match(error.cause.message, /primary key column "id"/);
});

for (const disposition of ["append", "replace", "merge"] as const) {
  Deno.test(`${disposition}: a run killed before the commit marker shows nothing of its load`, async () => {
    await using world = await TempWorld.create();
    const spec = (version: number) =>
      JSON.stringify({
        root: world.root,
        pipelineName: `killed${version}`,
        datasetName: "killed_dataset",
        writeDisposition: disposition,
        total: 4,
        pageSize: 2,
        version,
      });
    const first = await runFixture("run_pipeline", [spec(1)]);
    assert.equal(first.code, 0, first.stderr);
    // A second pipeline loads version 2 of every row into the same dataset; kill it before
    // its loads row.
    const killed = await runFixture("run_pipeline", [spec(2)], {
      DLT_TEST_KILL_AT: "before_loads_row",
    });
    assert.equal(killed.signal, "SIGKILL");
    const reader = world.pipeline("killed");
    const rows = dataOnly(await reader.dataset().table("items").toArray());
    assert.deepEqual(rows, [1, 2, 3, 4].map((id) => ({ id, version: 1 })));
  });
}

Deno.test("dataset tables stream rows, count them and read the library's own tables", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("reader");
  await pipeline.run([{ id: 1 }, { id: 2 }], { tableName: "t" });
  const table = pipeline.dataset().table("t");
  const streamed: unknown[] = [];
  for await (const row of table.stream()) streamed.push(row);
  assert.equal(streamed.length, 2);
  assert.equal(await table.count(), 2);
  const iterated = [];
  for await (const row of table.rows()) iterated.push(row.id);
  assert.deepEqual(iterated, [1, 2]);
  const loads = await pipeline.dataset().table("_dlt_loads").toArray();
  assert.equal(loads.length, 1);
  assert.deepEqual(Object.keys(loads[0]), [
    "load_id",
    "schema_name",
    "status",
    "inserted_at",
    "schema_version_hash",
    "pipeline_name",
  ]);
  const versions = await pipeline.dataset().table("_dlt_version").toArray();
  const schema = JSON.parse(versions.at(-1)!.schema as string) as dlt.Schema;
  assert.deepEqual(Object.keys(schema.tables.t.columns), ["id", "_dlt_load_id", "_dlt_id"]);
  await assert.rejects(pipeline.dataset().table("nope").toArray(), dlt.TableNotFoundError);
  assert.throws(() => pipeline.dataset().table("../x"), dlt.InvalidNameError);
});

Deno.test("the schema evolves: new columns are added and type conflicts are recorded, not coerced", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("evolve");
  await pipeline.run([{ id: 1, at: "2024-01-01T00:00:00Z", n: 1 }], { tableName: "t" });
  await pipeline.run([{ id: "two", at: "soon", n: 1.5, extra: { deep: true } }], {
    tableName: "t",
  });
  const versions = await pipeline.dataset().table("_dlt_version").toArray();
  assert.deepEqual(versions.map((v) => v.version), [1, 2]);
  const columns = (JSON.parse(versions[1].schema as string) as dlt.Schema).tables.t.columns;
  assert.deepEqual(columns.id, {
    name: "id",
    data_type: "bigint",
    nullable: true,
    variant_types: ["text"],
  });
  assert.deepEqual(columns.at.variant_types, ["text"]);
  assert.equal(columns.at.data_type, "timestamp");
  assert.equal(columns.n.data_type, "double");
  assert.equal(columns.extra.data_type, "json");
  assert.deepEqual(dataOnly(await pipeline.dataset().table("t").toArray())[1], {
    id: "two",
    at: "soon",
    n: 1.5,
    extra: { deep: true },
  });
});

Deno.test("a merge table read through more than 32 loads is folded into one file, rows unchanged", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("compact");
  const opts = { tableName: "t", writeDisposition: "merge", primaryKey: "id" } as const;
  const expected = new Map<number, number>();
  for (let run = 1; run <= 34; run++) {
    const rows = [{ id: run % 5, v: run }, { id: 100 + run, v: run }];
    for (const row of rows) expected.set(row.id, row.v);
    await pipeline.run(rows, opts);
  }
  const dir = world.datasetPath("compact_dataset", "t");
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  // The compaction load (a reset marker and one file) and the one load after it.
  assert.equal(files.filter((name) => name.endsWith(".reset")).length, 1);
  assert.equal(files.filter((name) => /\.\d+\.jsonl$/.test(name)).length, 2, files.join(" "));
  const rows = dataOnly(await pipeline.dataset().table("t").toArray());
  assert.deepEqual(
    new Map(rows.map((r) => [r.id as number, r.v as number])),
    expected,
  );
  assert.equal(rows.length, expected.size);
  await pipeline.run([{ id: 1, v: 99 }], opts);
  const after = dataOnly(await pipeline.dataset().table("t").toArray());
  assert.equal(after.length, expected.size);
  assert.deepEqual(after.find((r) => r.id === 1), { id: 1, v: 99 });
});
