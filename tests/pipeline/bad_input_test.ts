import assert from "node:assert/strict";
import { join } from "node:path";
import * as dlt from "../../mod.ts";
import { TempWorld } from "../helpers/temp_pipeline.ts";

const BAD_NAMES = [
  "",
  "../escape",
  "a/b",
  "a\\b",
  "nul\0byte",
  "x".repeat(65),
  "CON",
  "lpt1",
  ".hidden",
  "-flag",
];

for (const name of BAD_NAMES) {
  Deno.test(`pipeline() rejects the pipeline name ${JSON.stringify(name)} with InvalidNameError`, () => {
    assert.throws(
      () => dlt.pipeline({ pipelineName: name, pipelinesDir: "/nonexistent" }),
      dlt.InvalidNameError,
    );
  });
}

Deno.test("pipeline() rejects an unsafe dataset name", () => {
  assert.throws(
    () => dlt.pipeline({ pipelineName: "ok", datasetName: "../up", pipelinesDir: "/nonexistent" }),
    dlt.InvalidNameError,
  );
});

async function assertRunFails(
  world: TempWorld,
  pipeline: dlt.Pipeline,
  data: dlt.RunData,
  cause: new (...args: never[]) => Error,
  options?: dlt.RunOptions,
): Promise<Error> {
  const before = await world.snapshot();
  const error = await pipeline.run(data, options).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed, `expected PipelineStepFailed, got ${error}`);
  assert.ok(error.cause instanceof cause, `expected ${cause.name}, got ${error.cause}`);
  assert.deepEqual(await world.snapshot(), before);
  return error.cause as Error;
}

for (const table of ["../outside", "a/b", "_dlt_loads", ""]) {
  Deno.test(`run() rejects the table name ${JSON.stringify(table)} returned by a tableName function`, async () => {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("tables");
    await pipeline.run([{ id: 0 }], { tableName: "seed" });
    const rows = dlt.resource([{ id: 1 }], { name: "rows", tableName: () => table });
    await assertRunFails(world, pipeline, rows, dlt.InvalidNameError);
  });
}

for (
  const [label, item] of [
    ["a number", 42],
    ["a string", "row"],
    ["null", null],
    ["a nested array", [[{ id: 1 }]]],
    ["a Map", new Map([["id", 1]])],
    ["a BigInt value", { id: 1n }],
    ["a function value", { id: 1, f: () => 1 }],
    ["a nested symbol", { id: 1, meta: { s: Symbol("s") } }],
    ["a NaN value", { id: Number.NaN }],
    [
      "a cycle",
      (() => {
        const row: Record<string, unknown> = { id: 1, meta: {} };
        (row.meta as Record<string, unknown>).back = row;
        return row;
      })(),
    ],
  ] as const
) {
  Deno.test(`run() fails with InvalidRowError for ${label}`, async () => {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("rows");
    await pipeline.run([{ id: 0 }], { tableName: "bad" });
    const bad = dlt.resource(function* () {
      yield { id: 0.5 };
      yield item;
    }, { name: "bad" });
    await assertRunFails(world, pipeline, bad, dlt.InvalidRowError);
  });
}

Deno.test("run() rejects unknown options and plain data without a table name before writing", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("options");
  await assert.rejects(
    // @ts-expect-error: not an option
    pipeline.run([{ a: 1 }], { tableName: "t", bogus: true }),
    dlt.ConfigurationError,
  );
  await assert.rejects(pipeline.run([{ a: 1 }]), dlt.ConfigurationError);
  await assert.rejects(
    // @ts-expect-error: not a disposition
    pipeline.run([{ a: 1 }], { tableName: "t", writeDisposition: "upsert" }),
    dlt.ConfigurationError,
  );
  assert.deepEqual(await world.snapshot(), new Map());
});

Deno.test("run() fails with ConfigurationError when bucketUrl is a file", async () => {
  await using world = await TempWorld.create();
  const file = join(world.root, "not_a_dir");
  await Deno.writeTextFile(file, "x");
  const pipeline = dlt.pipeline({
    pipelineName: "filebucket",
    pipelinesDir: world.pipelinesDir,
    destination: dlt.destinations.filesystem({ bucketUrl: file }),
  });
  const error = await pipeline.run([{ a: 1 }], { tableName: "t" }).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.ok(error.cause instanceof dlt.ConfigurationError, String(error.cause));
  assert.equal(await Deno.readTextFile(file), "x");
});

Deno.test("run() without write permission fails with MissingPermissionError", async () => {
  await using world = await TempWorld.create();
  const script = new URL("../fixtures/run_without_write.ts", import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", `--allow-read`, `--allow-env`, script.pathname, world.root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.equal(
    text.trim(),
    "MissingPermissionError write",
    new TextDecoder().decode(output.stderr),
  );
  assert.deepEqual(await world.snapshot(), new Map());
});

Deno.test("a state past the soft size limit warns; past the hard limit it fails with StateTooLargeError", async () => {
  await using world = await TempWorld.create();
  const warnings: string[] = [];
  const pipeline = world.pipeline("big_state", {
    stateSizeLimits: { warnBytes: 2_000, maxBytes: 20_000 },
    logger: { warn: (message) => warnings.push(message), info: () => {} },
  });
  const grow = (n: number) =>
    dlt.resource(function* () {
      dlt.current.resourceState().ids = Array.from({ length: n }, (_, i) => i);
      yield* [];
    }, { name: "ids" });
  await pipeline.run(grow(10));
  assert.deepEqual(warnings, []);
  await pipeline.run(grow(1_000));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /state of pipeline "big_state" is \d+ bytes \(warning above 2000\)/);
  const before = await world.snapshot();
  const error = await pipeline.run(grow(10_000)).catch((e) => e);
  assert.ok(error instanceof dlt.PipelineStepFailed);
  assert.ok(error.cause instanceof dlt.StateTooLargeError, String(error.cause));
  assert.ok(error.cause.bytes > 20_000);
  assert.deepEqual(await world.snapshot(), before);
});

for (
  const [label, make, pattern] of [
    [
      "pipelineName: 123",
      () => dlt.pipeline({ pipelineName: 123 as unknown as string }),
      /pipelineName to a string/,
    ],
    [
      "pipelinesDir: 5",
      () => dlt.pipeline({ pipelineName: "p", pipelinesDir: 5 as unknown as string }),
      /pipelinesDir to a non-empty string: got 5/,
    ],
    [
      "datasetName: {}",
      () => dlt.pipeline({ pipelineName: "p", datasetName: {} as unknown as string }),
      /datasetName to a non-empty string/,
    ],
    [
      "restoreFromDestination: 'no'",
      () =>
        dlt.pipeline({
          pipelineName: "p",
          pipelinesDir: "/x",
          restoreFromDestination: "no" as unknown as boolean,
        }),
      /restoreFromDestination to true or false/,
    ],
    [
      "an unknown pipeline option",
      () => dlt.pipeline({ pipelineName: "p", pipelinesDir: "/x", bucketUrl: "./d" } as never),
      /unknown pipeline\(\) option "bucketUrl"/,
    ],
    [
      "logger: console.log",
      () => dlt.pipeline({ pipelineName: "p", pipelinesDir: "/x", logger: console.log as never }),
      /logger to an object with warn/,
    ],
    [
      "stateSizeLimits: { maxBytes: '1mb' }",
      () =>
        dlt.pipeline({
          pipelineName: "p",
          pipelinesDir: "/x",
          stateSizeLimits: { maxBytes: "1mb" as unknown as number },
        }),
      /stateSizeLimits.maxBytes to a positive number/,
    ],
    [
      "primaryKey: 5",
      () => dlt.resource([{ id: 1 }], { name: "r", primaryKey: 5 as unknown as string }),
      /primaryKey as a column name or a list of them: got 5/,
    ],
    [
      'incremental: "updated_at"',
      () => dlt.resource([{ id: 1 }], { name: "r", incremental: "updated_at" as never }),
      /incremental of resource "r" to dlt.incremental/,
    ],
    [
      "an unknown resource option",
      () => dlt.resource([{ id: 1 }], { name: "r", write_disposition: "merge" } as never),
      /unknown resource\(\) option "write_disposition"/,
    ],
    [
      "resource() options that are not an object",
      () => dlt.resource([{ id: 1 }], "r" as never),
      /options as an object/,
    ],
    [
      "layout: 'dlt2'",
      () => dlt.destinations.filesystem({ bucketUrl: "./d", layout: "dlt2" as never }),
      /layout to "append" or "dlt"/,
    ],
    [
      "a kv:// bucketUrl without its bucket",
      () => dlt.destinations.filesystem({ bucketUrl: "kv://dlt" }),
      /kvDestination\(await Deno.openKv\(\)\)/,
    ],
  ] as const
) {
  Deno.test(`a wrong option fails where it is given, naming it: ${label}`, () => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof dlt.DltError, `expected a library error, got ${error}`);
    assert.match((error as Error).message, pattern);
  });
}

Deno.test("a 64-character pipeline name (the maximum) gets its default dataset", async () => {
  await using world = await TempWorld.create();
  const name = "p".repeat(64);
  const pipeline = world.pipeline(name);
  assert.equal(pipeline.datasetName, `${name}_dataset`);
  assert.deepEqual((await pipeline.run([{ id: 1 }], { tableName: "t" })).rowCounts, { t: 1 });
  assert.throws(() => world.pipeline("p", { datasetName: "x".repeat(128) }), dlt.InvalidNameError);
});

Deno.test("a dataset name starting with _dlt is refused, as the README reserves the prefix", () => {
  assert.throws(
    () => dlt.pipeline({ pipelineName: "p", datasetName: "_dlt_data", pipelinesDir: "/x" }),
    (error: unknown) => error instanceof dlt.InvalidNameError && /reserved/.test(error.message),
  );
});

for (
  const [label, options, pattern] of [
    ["checkpointEvery: { rows: '10' }", { checkpointEvery: { rows: "10" } }, /checkpointEvery/],
    ["wait: 'yes'", { wait: "yes" }, /Set wait to true, false or \{ timeoutMs: n \}/],
    ["primaryKey: 5", { primaryKey: 5 }, /primaryKey as a column name/],
  ] as const
) {
  Deno.test(`run() refuses ${label} before writing anything, naming the option`, async () => {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("opts");
    const before = await world.snapshot();
    const error = await pipeline.run([{ id: 1 }], { tableName: "t", ...options } as never).catch((
      e,
    ) => e);
    assert.ok(error instanceof dlt.ConfigurationError, String(error));
    assert.match(error.message, pattern);
    assert.deepEqual(await world.snapshot(), before);
  });
}

Deno.test("a row whose own toJSON makes it no object fails with InvalidRowError, writing nothing", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("tojson");
  await pipeline.run([{ id: 0 }], { tableName: "t" });
  const sneaky = (id: number) => {
    const row: Record<string, unknown> = { id, secret: "s" };
    Object.defineProperty(row, "toJSON", { value: () => "redacted", enumerable: false });
    return row;
  };
  for (const page of [[sneaky(1)], [{ id: 0 }, sneaky(1)], [sneaky(1), { id: 2 }]]) {
    await assertRunFails(world, pipeline, page, dlt.InvalidRowError, { tableName: "t" });
  }
});
