/** Two working dirs (two machines) sharing one destination. */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";

function machine(world: TempWorld, name: string) {
  return dlt.pipeline({
    pipelineName: "shared",
    pipelinesDir: join(world.root, name),
    destination: dlt.destinations.filesystem({ bucketUrl: world.bucketDir }),
    logger: { warn: () => {}, info: () => {} },
  });
}

function counter(gate?: Promise<void>) {
  return dlt.resource(async function* () {
    const state = dlt.current.resourceState<{ last?: number }>();
    const next = (state.last ?? 0) + 1;
    if (gate) await gate;
    yield { id: next };
    state.last = next;
  }, { name: "numbers" });
}

Deno.test("a machine picks up the state another machine committed", async () => {
  await using world = await TempWorld.create();
  await machine(world, "a").run(counter());
  await machine(world, "b").run(counter());
  await machine(world, "a").run(counter());
  const ids = (await machine(world, "b").dataset().table("numbers").toArray()).map((r) => r.id);
  assert.deepEqual(ids, [1, 2, 3]);
});

Deno.test("a run that finds a newer committed state at commit fails with StateConflictError", async () => {
  await using world = await TempWorld.create();
  const a = machine(world, "a");
  const b = machine(world, "b");
  await a.run(counter());
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slowRun = a.run(counter(gate)); // starts from version 1
  await new Promise((resolve) => setTimeout(resolve, 50));
  await b.run(counter()); // commits version 2 meanwhile
  const bucketBefore = await world.snapshot(world.bucketDir);
  const localBefore = await Deno.readTextFile(join(world.root, "a", "shared", "state.json"));
  release();
  const error = await slowRun.catch((e) => e);
  assert.ok(error instanceof dlt.StateConflictError, String(error));
  assert.equal(error.remoteVersion, 2);
  assert.deepEqual(await world.snapshot(world.bucketDir), bucketBefore);
  assert.equal(
    await Deno.readTextFile(join(world.root, "a", "shared", "state.json")),
    localBefore,
  );
  // The next run of a restores version 2 and continues.
  await a.run(counter());
  const ids = (await a.dataset().table("numbers").toArray()).map((r) => r.id);
  assert.deepEqual(ids, [1, 2, 3]);
});

Deno.test("of two machines that extracted from the same version, exactly one commits the next", async () => {
  await using world = await TempWorld.create();
  await machine(world, "a").run(counter());
  for (let round = 0; round < 3; round++) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = machine(world, "a");
    const b = machine(world, "b");
    const runs = [a.run(counter(gate)), b.run(counter(gate))];
    await new Promise((resolve) => setTimeout(resolve, 50));
    release(); // both extracted from the same version; both reach their commit point
    const results = await Promise.allSettled(runs);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.ok(lost[0].reason instanceof dlt.StateConflictError, String(lost[0].reason));
    // The loser's rows are nowhere, and its working dir went back to the committed state.
    const ids = (await a.dataset().table("numbers").toArray()).map((r) => r.id);
    assert.deepEqual(ids, Array.from({ length: round + 2 }, (_, i) => i + 1));
    const loser = results[0].status === "rejected" ? a : b;
    assert.deepEqual(await loser.pendingPackages(), []);
    // Nor do its table files stay behind (Python dlt's readers would see them).
    const committed = new Set((await a.loads()).map((load) => load.load_id));
    for await (const entry of Deno.readDir(join(world.bucketDir, "shared_dataset", "numbers"))) {
      assert.ok(committed.has(entry.name.split(".").slice(0, 2).join(".")), entry.name);
    }
    assert.equal(loser.state._state_version, round + 2);
  }
});
