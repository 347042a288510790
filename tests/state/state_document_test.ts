import assert from "node:assert/strict";
import {
  bumpStateVersion,
  newPipelineState,
  type PipelineState,
  stateVersionHash,
} from "../../src/state/state_document.ts";
import { sha3Base64 } from "../../src/state/hash.ts";
import { canonicalJson, decodeTyped, type JsonValue } from "../../src/state/typed_json.ts";
import { withoutTemporal } from "../helpers/temporal.ts";

Deno.test("stateVersionHash() matches dlt's hash for the reference state", () => {
  const state = {
    _state_version: 5,
    _state_engine_version: 4,
    _version_hash: "ignored",
    _local: { first_run: false, anything: 1 },
    dataset_name: "p_dataset",
    default_schema_name: "p",
    pipeline_name: "p",
    schema_names: ["p"],
    sources: {
      p: {
        resources: {
          r: {
            incremental: {
              id: {
                initial_value: null,
                last_value: 3,
                start_value: null,
                unique_hashes: ["Cn/dwi436vBbdERZ9hKf"],
              },
            },
          },
        },
      },
    },
  } as unknown as PipelineState;
  assert.equal(stateVersionHash(state), "jronqej2fvvdYmdMMmdGZSCHhYol5U7uiF4EuTTInMc=");
});

Deno.test("stateVersionHash() ignores _local, the version keys and key order", () => {
  const a = newPipelineState("p", "d");
  const b = {
    ...newPipelineState("p", "d"),
    _local: { first_run: false, x: 1 },
    _state_version: 9,
  };
  const reordered = Object.fromEntries(Object.entries(a).reverse()) as PipelineState;
  assert.equal(stateVersionHash(a), stateVersionHash(b));
  assert.equal(stateVersionHash(a), stateVersionHash(reordered));
});

Deno.test("bumpStateVersion() adds one exactly when the content changes", () => {
  const state = newPipelineState("p", "d");
  assert.equal(state._state_version, 0);
  assert.equal(bumpStateVersion(state), false);
  state._local.first_run = false;
  assert.equal(bumpStateVersion(state), false);
  state.sources = { p: { x: 1 } };
  assert.equal(bumpStateVersion(state), true);
  assert.equal(bumpStateVersion(state), false);
  state.sources.p.x = 2;
  state.sources.p.x = 1;
  assert.equal(bumpStateVersion(state), false);
  assert.equal(state._state_version, 1);
});

Deno.test("bumpStateVersion() hashes a state without a hash without bumping it", () => {
  const state = newPipelineState("p", "d");
  delete state._version_hash;
  state.sources = { p: {} };
  assert.equal(bumpStateVersion(state), false);
  assert.equal(state._state_version, 0);
  assert.equal(typeof state._version_hash, "string");
});

Deno.test("a state read without Temporal keeps its version hash, so nothing bumps it", async () => {
  const content = {
    dataset_name: "p_dataset",
    default_schema_name: "p",
    pipeline_name: "p",
    schema_names: ["p"],
    sources: {
      p: {
        resources: {
          r: {
            at: "\uF0272024-06-01T10:00:00.123456+00:00",
            naive: "\uF0272024-06-01T10:00:00",
            day: "\uF0282024-06-01",
            incremental: {
              ts: {
                initial_value: "\uF0272024-01-01T00:00:00.000000001Z",
                last_value: "\uF0272024-06-01T10:00:00.123456789Z",
                start_value: null,
                unique_hashes: [],
              },
            },
          },
        },
      },
    },
  };
  const hash = sha3Base64(canonicalJson(content as JsonValue));
  await withoutTemporal(() => {
    const stored = JSON.parse(
      JSON.stringify({
        _state_version: 7,
        _state_engine_version: 4,
        _version_hash: hash,
        ...content,
      }),
    );
    const state = decodeTyped(stored) as PipelineState;
    assert.equal(stateVersionHash(state), hash);
    assert.equal(bumpStateVersion(state), false);
    assert.equal(state._state_version, 7);
  });
});
