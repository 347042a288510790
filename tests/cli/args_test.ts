import assert from "node:assert/strict";
import { parseCommandArgs } from "../../src/cli/_args.ts";
import { commandSpec } from "../../src/cli/_specs.ts";
import { UsageError } from "../../src/cli/exit_codes.ts";

const drop = commandSpec("drop")!;
const set = commandSpec("set")!;

Deno.test("parseCommandArgs() reads positionals, flags, values with = or a space, and short flags", () => {
  const parsed = parseCommandArgs(set, [
    "--resource=issues",
    "incremental.updated_at.last_value",
    '"2024-01-01"',
    "-y",
    "--wait",
    "5",
  ]);
  assert.deepEqual(parsed, {
    positionals: { path: "incremental.updated_at.last_value", json: '"2024-01-01"' },
    options: { resource: "issues", yes: true, wait: "5" },
  });
});

Deno.test("parseCommandArgs() takes every word after a list option, as dlt's --state-paths", () => {
  const parsed = parseCommandArgs(drop, ["issues", "users", "--state-paths", "a.b", "c", "--yes"]);
  assert.deepEqual(parsed.positionals, { resources: ["issues", "users"] });
  assert.deepEqual(parsed.options, { "state-paths": ["a.b", "c"], yes: true });
});

Deno.test("parseCommandArgs() accepts negative numbers as values and ends options at --", () => {
  const parsed = parseCommandArgs(set, ["a", "--", "-1"]);
  assert.deepEqual(parsed.positionals, { path: "a", json: "-1" });
  assert.deepEqual(parseCommandArgs(set, ["a", "-5"]).positionals, { path: "a", json: "-5" });
});

Deno.test("parseCommandArgs() rejects unknown options, missing values and extra words", () => {
  assert.throws(() => parseCommandArgs(set, ["a", "1", "--force"]), UsageError);
  assert.throws(() => parseCommandArgs(set, ["a", "1", "--resource"]), /Give --resource a value/);
  assert.throws(() => parseCommandArgs(set, ["a", "1", "2"]), /extra argument "2"/);
  assert.throws(() => parseCommandArgs(set, ["a"]), /Give the <json> argument/);
  assert.throws(() => parseCommandArgs(set, ["a", "1", "--yes=no"]), /without a value/);
});

Deno.test("parseCommandArgs() stops at --help without checking the arguments", () => {
  assert.deepEqual(parseCommandArgs(set, ["--help"]), {
    positionals: {},
    options: { help: true },
  });
});
