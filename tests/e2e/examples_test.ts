/**
 * Runs every example as a user would (`deno run` in a child process) against a fresh directory
 * and checks what it printed.
 */
import assert from "node:assert/strict";

async function runExample(name: string, times = 1): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `dlt_example_${name}_` });
  try {
    for (let time = 1; time < times; time++) await runExampleIn(name, dir);
    return await runExampleIn(name, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function runExampleIn(name: string, dir: string): Promise<string> {
  {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net=127.0.0.1",
        new URL(`../../examples/${name}.ts`, import.meta.url).pathname,
      ],
      env: { EXAMPLE_DIR: dir, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.equal(
      output.code,
      0,
      `${name} failed:\n${stdout}\n${new TextDecoder().decode(output.stderr)}`,
    );
    return stdout;
  }
}

Deno.test("examples/resource_state.ts loads all issues first, then only new ones", async () => {
  const out = await runExample("resource_state");
  assert.match(out, /First run - loading all issues\nloaded 5 new issue\(s\)/);
  assert.match(out, /Loading issues since 2024-01-01T00:05:00Z\nloaded 3 new issue\(s\)/);
  assert.match(out, /Loading issues since 2024-01-01T00:08:00Z\nloaded 0 new issue\(s\)/);
  assert.match(out, /new_issues holds 8 row\(s\)/);
});

Deno.test("examples/source_state.ts shares source state between two resources", async () => {
  const out = await runExample("source_state");
  // As in dlt: the resources run side by side, so events starts before users wrote the state,
  // and sees what the previous run committed.
  assert.match(
    out,
    /First sync - loading all users\nUsing last_sync from source state: undefined/,
  );
  assert.match(
    out,
    /Last sync: 2024-06-01T00:00:00Z\nUsing last_sync from source state: 2024-06-01T00:00:00Z/,
  );
  assert.match(out, /source state: \{ last_full_sync: "2024-06-02T00:00:00Z" \}/);
});

Deno.test("examples/checkpoint.ts loses a failed run's checkpoint and finishes on the rerun", async () => {
  const out = await runExample("checkpoint");
  assert.match(out, /run failed: .*the API failed on page 2/);
  assert.match(out, /loaded: \{ api_with_checkpoints: 5 \}/);
  assert.match(out, /checkpoint after finishing: no state left/);
});

Deno.test("examples/processed_ids.ts skips ids loaded before", async () => {
  const out = await runExample("processed_ids");
  assert.match(out, /run 1: \{ process_items: 2 \}/);
  assert.match(out, /run 2: \{ process_items: 1 \}/);
  assert.match(out, /processed: \{ processed: \[ "a", "b", "c" \] \}/);
});

Deno.test("examples/high_water_mark.ts loads each event once", async () => {
  const out = await runExample("high_water_mark");
  assert.match(out, /run 1: \{ events: 3 \}\nrun 2: \{ events: 2 \}\nrun 3: \{\}\nmax_id: 5/);
});

Deno.test("examples/view_state.ts reads and decodes the newest state row", async () => {
  const out = await runExample("view_state");
  assert.match(out, /version: 2/);
  assert.match(out, /decoded sources: \{"view_state":\{"resources":\{"items":\{"runs":2\}\}\}\}/);
});

Deno.test("examples/github_issues.ts loads new and edited issues incrementally with merge, each time it is run", async () => {
  const out = await runExample("github_issues", 2); // the second time tells the same story
  assert.match(
    out,
    /run 1:\n {2}asking for issues updated since 2024-01-01T00:00:00Z\n {2}loaded 4 issue\(s\)/,
  );
  assert.match(
    out,
    /run 2:\n {2}asking for issues updated since 2024-01-01T00:04:00Z\n {2}loaded 3 issue\(s\)/,
  );
  assert.match(out, /run 3:\n.*\n {2}loaded 1 issue\(s\); cursor at 2024-01-01T00:08:00Z/);
  assert.match(out, /issues table \(6 rows, one per issue\)/);
  assert.match(out, /#1 Item 1 \(edited\)/);
});
