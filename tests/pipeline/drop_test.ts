import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";

/** A source of two counting resources and a source-level key, like the guide's api_source. */
function shop() {
  const counting = (name: string) =>
    dlt.resource(function* () {
      const state = dlt.current.resourceState<{ last?: number }>();
      const next = (state.last ?? 0) + 1;
      yield { id: next };
      state.last = next;
      dlt.current.sourceState().touched_by = name;
    }, { name });
  return dlt.source("shop", () => [counting("orders"), counting("refunds")]);
}

async function tableRows(pipeline: dlt.Pipeline, table: string) {
  return dataOnly(await pipeline.dataset().table(table).toArray());
}

async function tableColumns(pipeline: dlt.Pipeline) {
  const versions = await pipeline.dataset().table("_dlt_version").toArray();
  return Object.keys((JSON.parse(versions.at(-1)!.schema as string) as dlt.Schema).tables).sort();
}

Deno.test("refresh: drop_sources wipes the source state and every table of the source", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("refresh_sources");
  await pipeline.run(shop());
  await pipeline.run(shop());
  await pipeline.run(shop().withResources("orders"), { refresh: "drop_sources" });
  assert.deepEqual(pipeline.state.sources!.shop, {
    resources: { orders: { last: 1 } },
    touched_by: "orders",
  });
  assert.deepEqual(await tableRows(pipeline, "orders"), [{ id: 1 }]);
  await assert.rejects(tableRows(pipeline, "refunds"), dlt.TableNotFoundError);
  assert.deepEqual(await tableColumns(pipeline), ["orders"]);
});

Deno.test("refresh: drop_resources drops the run resources' tables and state only", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("refresh_resources");
  await pipeline.run(shop());
  await pipeline.run(shop());
  await pipeline.run(shop().withResources("orders"), { refresh: "drop_resources" });
  assert.deepEqual(pipeline.state.sources!.shop, {
    resources: { orders: { last: 1 }, refunds: { last: 2 } },
    touched_by: "orders",
  });
  assert.deepEqual(await tableRows(pipeline, "orders"), [{ id: 1 }]);
  assert.deepEqual(await tableRows(pipeline, "refunds"), [{ id: 1 }, { id: 2 }]);
});

Deno.test("refresh: drop_data truncates the run resources' tables, keeps schema and source keys", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("refresh_data");
  await pipeline.run(shop());
  const before = await tableColumns(pipeline);
  const empty = dlt.source("shop", () => [dlt.resource(function* () {}, { name: "orders" })]);
  await pipeline.run(empty, { refresh: "drop_data" });
  assert.deepEqual(await tableRows(pipeline, "orders"), []);
  assert.deepEqual(await tableRows(pipeline, "refunds"), [{ id: 1 }]);
  assert.deepEqual(await tableColumns(pipeline), before);
  assert.deepEqual(pipeline.state.sources!.shop, {
    resources: { refunds: { last: 1 } },
    touched_by: "refunds",
  });
});

Deno.test("refresh on a source the pipeline never ran does nothing special", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("refresh_first");
  const info = await pipeline.run(shop(), { refresh: "drop_sources" });
  assert.deepEqual(info.rowCounts, { orders: 1, refunds: 1 });
});

Deno.test("dropResources() drops tables and state of named resources as a new state version", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("drop_named");
  await pipeline.run(shop());
  const versionBefore = pipeline.state._state_version;
  const plan = await pipeline.planDrop({ resources: ["refunds"] });
  assert.deepEqual(plan, {
    sourceName: "shop",
    resources: ["refunds"],
    tables: ["refunds"],
    resourceStates: ["refunds"],
    statePaths: [],
    warnings: [],
    isEmpty: false,
  });
  const done = await pipeline.dropResources({ resources: ["refunds"] });
  assert.equal(done.stateVersion, versionBefore + 1);
  assert.deepEqual(pipeline.state.sources!.shop.resources, { orders: { last: 1 } });
  await assert.rejects(tableRows(pipeline, "refunds"), dlt.TableNotFoundError);
  assert.deepEqual(await tableRows(pipeline, "orders"), [{ id: 1 }]);
  const history = await pipeline.stateHistory();
  assert.deepEqual(history.map((h) => h.version), [1, 2]);
  // The next run starts the dropped resource over.
  const info = await pipeline.run(shop());
  assert.deepEqual(info.rowCounts, { orders: 1, refunds: 1 });
  assert.deepEqual(await tableRows(pipeline, "refunds"), [{ id: 1 }]);
});

Deno.test("dropResources() matches RegExps, deletes state paths, and can leave tables alone", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("drop_regexp");
  await pipeline.run(shop());
  const done = await pipeline.dropResources({
    resources: [/^(ord|ref)/],
    statePaths: ["touched_by", "missing.path"],
    stateOnly: true,
  });
  assert.deepEqual(done.tables, []);
  assert.deepEqual(done.resourceStates, ["orders", "refunds"]);
  assert.deepEqual(done.statePaths, ["touched_by"]);
  assert.deepEqual(done.warnings, ['source state of "shop" has no path "missing.path"']);
  assert.deepEqual(pipeline.state.sources!.shop, { resources: {} });
  assert.deepEqual(await tableRows(pipeline, "orders"), [{ id: 1 }]);
});

Deno.test("dropResources() with nothing to drop commits nothing", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("drop_nothing");
  await pipeline.run(shop());
  const before = await world.snapshot();
  const done = await pipeline.dropResources({ resources: ["nope"] });
  assert.equal(done.isEmpty, true);
  assert.deepEqual(done.warnings, ['no resource of source "shop" matches "nope"']);
  assert.deepEqual(await world.snapshot(), before);
});

Deno.test("commitState() records an edit as a new version that a fresh machine restores", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("edit");
  await pipeline.run(shop());
  const result = await pipeline.commitState((state) => {
    state.sources!.shop.resources!.orders.last = 41;
  });
  assert.deepEqual(result.changed, true);
  assert.equal(result.stateVersion, 2);
  const same = await pipeline.commitState((state) => {
    state.sources!.shop.resources!.orders.last = 41;
  });
  assert.deepEqual(same, { changed: false, stateVersion: 2, loadId: undefined });
  await pipeline.drop();
  const info = await world.pipeline("edit").run(shop().withResources("orders"));
  assert.deepEqual(info.rowCounts, { orders: 1 });
  assert.deepEqual((await tableRows(pipeline, "orders")).at(-1), { id: 42 });
});

Deno.test("revertLoads() withdraws a load's rows and its state from restores", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("revert");
  await pipeline.run(shop());
  const second = await pipeline.run(shop());
  // The newest version is withdrawn: the pipeline continues from version 1's state, as version 3.
  assert.equal(await pipeline.revertLoads(second.loadIds), 3);
  assert.deepEqual(await tableRows(pipeline, "orders"), [{ id: 1 }]);
  const history = await pipeline.stateHistory();
  assert.deepEqual(history.map((h) => h.version), [1, 3]);
  assert.deepEqual(history[1].state.sources, history[0].state.sources);
  assert.equal(history[1].versionHash, history[0].versionHash);
  await assert.rejects(pipeline.revertLoads(["123.456"]), dlt.ConfigurationError);
  await pipeline.drop();
  const fresh = world.pipeline("revert");
  await fresh.syncDestination();
  assert.deepEqual(fresh.state.sources!.shop.resources!.orders, { last: 1 });
});

Deno.test("dataset().tableNames() no longer lists a dropped table", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("listed");
  await pipeline.run(shop());
  assert.deepEqual(await pipeline.dataset().tableNames(), ["orders", "refunds"]);
  await pipeline.dropResources({ resources: ["refunds"], sourceName: "shop" });
  assert.deepEqual(await pipeline.dataset().tableNames(), ["orders"]);
  // Truncated (drop_data) tables stay: they are still in the schema, with no rows.
  await pipeline.run(shop().withResources("orders"), { refresh: "drop_data" });
  assert.deepEqual(await pipeline.dataset().tableNames(), ["orders"]);
});
