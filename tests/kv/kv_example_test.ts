/**
 * examples/deploy_kv_cron.ts as a user runs it locally (`deno run --unstable-kv`, where there is
 * no Deno.cron, so each run is one tick now): three ticks on one KV database file, new events
 * arriving between the first two.
 */
import assert from "node:assert/strict";
import { kvTest } from "../helpers/kv.ts";

async function tick(dir: string, events: number): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-kv",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net=127.0.0.1",
      new URL("../../examples/deploy_kv_cron.ts", import.meta.url).pathname,
    ],
    env: { EXAMPLE_DIR: dir, DEMO_EVENTS: String(events), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, `${stdout}\n${new TextDecoder().decode(output.stderr)}`);
  return stdout;
}

kvTest(
  "examples/deploy_kv_cron.ts keeps its state and rows in KV: each tick loads only what is new",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "dlt_example_deploy_kv_cron_" });
    try {
      assert.match(
        await tick(dir, 5),
        /loaded 5 new event\(s\); cursor at 2024-01-01T00:05:00Z\nthe events table in KV holds 5 row\(s\)/,
      );
      assert.match(
        await tick(dir, 8),
        /loaded 3 new event\(s\); cursor at 2024-01-01T00:08:00Z\nthe events table in KV holds 8 row\(s\)/,
      );
      assert.match(await tick(dir, 8), /loaded 0 new event\(s\).*\n.*holds 8 row\(s\)/);
      // The working dirs were scratch: all that remains is the database.
      const left = [...Deno.readDirSync(`${dir}/deploy_kv_cron`)].map((entry) => entry.name);
      assert.ok(left.every((name) => name.startsWith("kv.sqlite3")), left.join(", "));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
