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
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.ok(error.cause instanceof dlt.StateConflictError, String(error.cause));
  assert.equal(error.cause.remoteVersion, 2);
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

Deno.test("a version claimed by another working dir is never overwritten", async () => {
  await using world = await TempWorld.create();
  const a = machine(world, "a");
  await a.run(counter());
  // Another machine claimed version 2 and is committing it right now.
  const claim = join(world.bucketDir, "shared_dataset", "_dlt_state_claims", "shared", "2.json");
  await Deno.mkdir(join(claim, ".."), { recursive: true });
  await Deno.writeTextFile(
    claim,
    JSON.stringify({
      load_id: "1.0",
      owner: "another-machine",
      claimed_at: new Date().toISOString(),
    }) + "\n",
  );
  const bucketBefore = await world.snapshot(world.bucketDir);
  const error = await a.run(counter()).catch((e) => e);
  assert.ok(error.cause instanceof dlt.StateConflictError, String(error.cause));
  assert.match(error.cause.message, /another working dir claimed it/);
  assert.deepEqual(await world.snapshot(world.bucketDir), bucketBefore);
  assert.equal(a.state._state_version, 1);
});

Deno.test("a claim abandoned by a run that died is taken over after staleClaimSeconds", async () => {
  await using world = await TempWorld.create();
  const warnings: string[] = [];
  const a = dlt.pipeline({
    pipelineName: "shared",
    pipelinesDir: join(world.root, "a"),
    destination: dlt.destinations.filesystem({ bucketUrl: world.bucketDir }),
    logger: { warn: (message) => warnings.push(message), info: () => {} },
    staleClaimSeconds: 60,
  });
  await a.run(counter());
  const claim = join(world.bucketDir, "shared_dataset", "_dlt_state_claims", "shared", "2.json");
  await Deno.writeTextFile(
    claim,
    JSON.stringify({
      load_id: "1.0",
      owner: "dead-machine",
      claimed_at: new Date(Date.now() - 120_000).toISOString(),
    }) + "\n",
  );
  const info = await a.run(counter());
  assert.equal(info.stateVersion, 2);
  assert.ok(warnings.some((w) => w.includes("Took over state version 2")), warnings.join("\n"));
  assert.equal(JSON.parse(await Deno.readTextFile(claim)).load_id, info.loadIds[0]);
});
