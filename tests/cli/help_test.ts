import assert from "node:assert/strict";
import { CliWorld } from "./_helpers.ts";

const COMMANDS = [
  "list",
  "info",
  "state",
  "history",
  "diff",
  "rollback",
  "reset",
  "set",
  "drop",
  "sync",
  "pending",
  "drop-pending",
];

Deno.test("cli.ts pipeline --help lists every command and the exit codes", async () => {
  await using world = await CliWorld.create();
  const result = await world.cli(["--help"], { pipelinesDirFlag: false });
  assert.equal(result.code, 0);
  for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${command} `, "m"));
  assert.match(result.stdout, /Exit codes:\n {2}0 /);
  assert.match(result.stdout, /^ {2}3 {2}another run holds the pipeline lock$/m);
});

Deno.test("cli.ts pipeline <name> <command> --help shows the usage of every command", async () => {
  await using world = await CliWorld.create();
  const results = await Promise.all(
    COMMANDS.map((command) =>
      world.cli(command === "list" ? ["list", "--help"] : ["gh", command, "--help"])
    ),
  );
  results.forEach((result, i) => {
    assert.equal(result.code, 0, `${COMMANDS[i]}: ${result.stderr}`);
    assert.match(result.stdout, /^Usage:\n {2}deno run -A cli\.ts pipeline /m, COMMANDS[i]);
    assert.match(result.stdout, /Options:/);
    assert.match(result.stdout, /Examples:/);
  });
  const changing = ["rollback", "reset", "set", "drop", "sync", "drop-pending"];
  results.forEach((result, i) => {
    assert.equal(/-y, --yes/.test(result.stdout), changing.includes(COMMANDS[i]), COMMANDS[i]);
  });
});

Deno.test("cli.ts exits with 2 and points to the help for wrong arguments", async () => {
  await using world = await CliWorld.create();
  const [unknownCommand, unknownOption, missingArgument, extraArgument] = await Promise.all([
    world.cli(["gh", "explode"]),
    world.cli(["gh", "info", "--colour"]),
    world.cli(["gh", "rollback"]),
    world.cli(["gh", "reset", "a", "b"]),
  ]);
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.stderr, /"explode" is not one/);
  assert.equal(unknownOption.code, 2);
  assert.match(unknownOption.stderr, /unknown option --colour/);
  assert.equal(missingArgument.code, 2);
  assert.match(
    missingArgument.stderr,
    /Give the <version> argument\nRun: cli\.ts pipeline <name> rollback --help/,
  );
  assert.equal(extraArgument.code, 2);
  assert.match(extraArgument.stderr, /extra argument "b"/);
});

Deno.test("cli.ts with no arguments prints the help on stderr and exits with 2", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../cli.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 2);
  assert.match(new TextDecoder().decode(output.stderr), /Usage:/);
});
