import assert from "node:assert/strict";
import { hasTemporal } from "../helpers/temporal.ts";
import { diffStates } from "../../cli.ts";

Deno.test("diffStates() reports added, removed and changed paths, recursing into objects", () => {
  const changes = diffStates(
    { sources: { gh: { resources: { a: { n: 1, gone: true }, b: { x: 1 } } } } },
    { sources: { gh: { resources: { a: { n: 2 }, c: {}, b: { x: 1 } } } } },
  );
  assert.deepEqual(changes.map((c) => [c.kind, c.path, c.before, c.after]), [
    ["changed", "sources.gh.resources.a.n", 1, 2],
    ["removed", "sources.gh.resources.a.gone", true, undefined],
    ["added", "sources.gh.resources.c", undefined, {}],
  ]);
});

Deno.test({
  name: "diffStates() compares lists, dates and instants by value and skips version keys",
  ignore: !hasTemporal, // it compares Temporal instants too
}, () => {
  const date = (iso: string) => new Date(iso);
  assert.deepEqual(
    diffStates(
      { _state_version: 1, _version_hash: "a", _local: { x: 1 }, d: date("2024-01-01"), l: [1, 2] },
      { _state_version: 2, _version_hash: "b", _local: { x: 2 }, d: date("2024-01-01"), l: [1, 2] },
    ),
    [],
  );
  const instant = Temporal.Instant.from("2024-01-01T00:00:00Z");
  assert.equal(
    diffStates({ t: instant }, { t: Temporal.Instant.from(instant.toString()) }).length,
    0,
  );
  assert.equal(diffStates({ l: [1, 2] }, { l: [1, 3] })[0].path, "l");
});

Deno.test("diffStates() quotes keys that are not identifiers", () => {
  const [change] = diffStates(
    { incremental: { "data.created_at": { last_value: 1 } } },
    { incremental: { "data.created_at": { last_value: 2 } } },
  );
  assert.equal(change.path, 'incremental["data.created_at"].last_value');
});
