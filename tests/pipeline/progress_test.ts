import assert from "node:assert/strict";
import {
  createProgressReporter,
  type ProgressEvent,
  type ProgressOutput,
} from "../../src/pipeline/progress.ts";
import { ConfigurationError } from "../../src/errors.ts";

/** An output that records writes, with a clock the test moves. */
function fakeOutput(terminal: boolean): ProgressOutput & { text: string; time: number } {
  const out = {
    text: "",
    time: 0,
    isTerminal: () => terminal,
    write: (text: string) => {
      out.text += text;
    },
    columns: () => 200,
    now: () => out.time,
  };
  return out;
}

const extract = (resource: string, resourceRows: number): ProgressEvent => ({
  stage: "extract",
  message: `${resourceRows} rows`,
  resource,
  resourceRows,
});

Deno.test("createProgressReporter() returns nothing for false and the callback itself for a function", () => {
  assert.equal(createProgressReporter(false, "p"), undefined);
  const callback = (_: ProgressEvent) => {};
  assert.equal(createProgressReporter(callback, "p"), callback);
  assert.throws(
    () => createProgressReporter("loud" as unknown as "log", "p"),
    ConfigurationError,
  );
});

Deno.test("createProgressReporter('log') writes one line per stage and rows/s per resource", () => {
  const out = fakeOutput(false);
  const report = createProgressReporter("log", "gh", out)!;
  report({ stage: "sync", message: "restoring state" });
  out.time = 1000;
  report(extract("issues", 1000));
  out.time = 3000;
  report(extract("issues", 5000));
  report({ stage: "done", message: "1 load(s)" });
  assert.deepEqual(out.text.split("\n"), [
    "dlt gh [sync] restoring state",
    "dlt gh [extract] issues 1,000 rows (0/s)",
    "dlt gh [extract] issues 5,000 rows (2,500/s)",
    "dlt gh [done] 1 load(s)",
    "",
  ]);
});

Deno.test("createProgressReporter('log') writes at most one extract line a second per resource", () => {
  const out = fakeOutput(false);
  const report = createProgressReporter("log", "gh", out)!;
  for (let i = 1; i <= 50; i++) {
    out.time = i * 100;
    report(extract("issues", i * 1000));
  }
  assert.equal(out.text.split("\n").filter((line) => line.includes("issues")).length, 5);
});

Deno.test("createProgressReporter('log') attributes a run total to the resource of each event", () => {
  const out = fakeOutput(false);
  const report = createProgressReporter("log", "gh", out)!;
  report({ stage: "extract", message: "", resource: "a", rows: 1000 });
  out.time = 2000;
  report({ stage: "extract", message: "", resource: "b", rows: 3000 });
  assert.match(out.text, /b 2,000 rows/);
});

Deno.test("createProgressReporter('bar') redraws one line at most ten times a second and clears it when done", () => {
  const out = fakeOutput(true);
  const report = createProgressReporter("bar", "gh", out)!;
  report({ stage: "sync", message: "restoring state" });
  out.time = 10;
  for (let i = 1; i <= 100; i++) {
    out.time = 10 + i * 10; // 1 s of events, 100 of them
    report(extract("issues", i * 1000));
  }
  report({ stage: "done", message: "1 load(s)" });
  const draws = out.text.split("\r\x1b[2K").filter((part) => part.length > 0);
  assert.ok(draws.length <= 12, `${draws.length} draws`);
  assert.ok(!out.text.includes("\n"));
  assert.ok(out.text.endsWith("\r\x1b[2K"));
  assert.match(draws.at(-1)!, /^dlt gh │ extract │ issues [\d,]+ rows \([\d,]+\/s\)$/);
});

Deno.test("createProgressReporter('bar') falls back to log lines when not on a terminal", () => {
  const out = fakeOutput(false);
  const report = createProgressReporter("bar", "gh", out)!;
  report({ stage: "sync", message: "restoring state" });
  assert.equal(out.text, "dlt gh [sync] restoring state\n");
});

Deno.test("createProgressReporter('bar') shortens the line to the terminal width", () => {
  const out = fakeOutput(true);
  out.columns = () => 30;
  const report = createProgressReporter("bar", "gh", out)!;
  report(extract("a_resource_with_a_long_name", 1000));
  const line = out.text.replace("\r\x1b[2K", "");
  assert.equal(line.length, 29);
  assert.ok(line.endsWith("…"));
});

Deno.test("createProgressReporter() says that a run was stopped and why, as a log line and under the bar", () => {
  const stopped: ProgressEvent = {
    stage: "stopped",
    message: "stopped by the signal (SIGINT): committed 6 row(s) in 1 load(s), state version 2",
  };
  const log = fakeOutput(false);
  createProgressReporter("log", "gh", log)!(stopped);
  assert.equal(
    log.text,
    "dlt gh [stopped] stopped by the signal (SIGINT): committed 6 row(s) in 1 load(s), state version 2\n",
  );
  const bar = fakeOutput(true);
  const report = createProgressReporter("bar", "gh", bar)!;
  report(extract("issues", 1000));
  report(stopped);
  assert.ok(bar.text.startsWith("\r\x1b[2Kdlt gh │ extract │ issues"));
  assert.ok(bar.text.endsWith(`\r\x1b[2Kdlt gh [stopped] ${stopped.message}\n`));
});
