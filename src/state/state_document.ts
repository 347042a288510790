/**
 * The pipeline state document: the same keys as dlt's pipeline state (engine version 4), its
 * version hash and the rule that bumps `_state_version` by exactly one when the content changes.
 *
 * @module
 */
import { sha3Base64 } from "./hash.ts";
import { canonicalJson, encodeTyped, type JsonValue } from "./typed_json.ts";
import { ownChild, setOwn } from "./own_keys.ts";

/** The state engine version, as in dlt. */
export const STATE_ENGINE_VERSION = 4;

/**
 * A resource's state: a plain dictionary the resource owns.
 *
 * @example Reading a resource's state after a run
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const orders = dlt.resource(function* () {
 *   dlt.current.resourceState().lastId = 7;
 *   yield { id: 7 };
 * }, { name: "orders" });
 * await p.run(orders);
 * const state: dlt.ResourceState | undefined = p.state.sources?.shop?.resources?.orders;
 * console.log(state); // { lastId: 7 }
 * ```
 */
export type ResourceState = Record<string, unknown>;

/**
 * A source's state: shared keys plus `resources`, one dictionary per resource.
 *
 * @example Keys shared by the resources of a source
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const users = dlt.resource(function* () {
 *   dlt.current.sourceState().lastSync = "2024-06-01";
 *   yield { id: 1 };
 * }, { name: "users" });
 * await p.run(dlt.source("api", [users]));
 * const api: dlt.SourceState | undefined = p.state.sources?.api;
 * console.log(api?.lastSync); // 2024-06-01
 * ```
 */
export interface SourceState {
  /** Resource states keyed by resource name. */
  resources?: Record<string, ResourceState>;
  /** Keys written by resources through `dlt.current.sourceState()`. */
  [key: string]: unknown;
}

/**
 * The part of the state that stays on this machine: never hashed, never sent to the destination.
 *
 * @example Has the pipeline loaded anything yet?
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const local: dlt.LocalState = p.state._local;
 * console.log(local.first_run); // true
 * ```
 */
export interface LocalState {
  /** True until the pipeline's first successful load (or a restore that found state). */
  first_run: boolean;
  /** `_version_hash` of the last state written into a load package. */
  _last_extracted_hash?: string;
  /** When that happened (ISO string). */
  _last_extracted_at?: string;
  /** Other machine-local values. */
  [key: string]: unknown;
}

/**
 * The pipeline state document (dlt engine version 4).
 *
 * @example The state document of a pipeline
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * await p.run([{ id: 1 }], { tableName: "orders" });
 * const state: dlt.PipelineState = p.state;
 * console.log(state._state_version, state.dataset_name, state.destination_type);
 * // 1 shop_dataset filesystem
 * ```
 */
export interface PipelineState {
  /** Grows by one each time the content changes. */
  _state_version: number;
  /** Always {@linkcode STATE_ENGINE_VERSION}. */
  _state_engine_version: number;
  /** base64 SHA3-256 of the canonical content. */
  _version_hash?: string;
  /** The pipeline's name. */
  pipeline_name: string;
  /** The dataset in the destination. */
  dataset_name: string;
  /** The first source's name; `null` before anything ran. */
  default_schema_name: string | null;
  /** Names of every source that ran, sorted. */
  schema_names: string[];
  /** The destination type, e.g. `"filesystem"`. */
  destination_type: string | null;
  /** The destination's explicit name, or `null`. */
  destination_name: string | null;
  /** Source states keyed by source name. */
  sources?: Record<string, SourceState>;
  /** Machine-local values, see {@linkcode LocalState}. */
  _local: LocalState;
  /** Keys of newer versions are kept as they are. */
  [key: string]: unknown;
}

const UNHASHED_KEYS = new Set([
  "_state_version",
  "_state_engine_version",
  "_version_hash",
  "_local",
]);

/**
 * The version hash of a state: base64 SHA3-256 of its canonical typed JSON without `_local`
 * and the three version keys. Throws `StateNotSerializableError` for values JSON cannot hold.
 */
export function stateVersionHash(state: PipelineState): string {
  const content: Record<string, unknown> = {};
  for (const key of Object.keys(state)) {
    if (!UNHASHED_KEYS.has(key)) content[key] = state[key];
  }
  const json = canonicalJson(encodeTyped(content) as JsonValue);
  return sha3Base64(json);
}

/**
 * Recomputes the hash; when it differs from the stored one, stores it and adds one to
 * `_state_version`. A state without a hash gets one without a bump. Returns true when the
 * version grew.
 */
export function bumpStateVersion(state: PipelineState): boolean {
  const hash = stateVersionHash(state);
  if (state._version_hash === undefined) {
    state._version_hash = hash;
    return false;
  }
  if (state._version_hash === hash) return false;
  state._version_hash = hash;
  state._state_version += 1;
  return true;
}

/** A fresh state for a pipeline that never ran, hashed at version 0. */
export function newPipelineState(pipelineName: string, datasetName: string): PipelineState {
  const state: PipelineState = {
    _state_version: 0,
    _state_engine_version: STATE_ENGINE_VERSION,
    pipeline_name: pipelineName,
    dataset_name: datasetName,
    default_schema_name: null,
    schema_names: [],
    destination_type: null,
    destination_name: null,
    _local: { first_run: true },
  };
  bumpStateVersion(state);
  return state;
}

/** A deep copy of a state (Dates, Temporal values, `IsoDateTime` and bytes stay typed). */
export function cloneState<T>(value: T): T {
  return structuredCloneState(value) as T;
}

function structuredCloneState(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(structuredCloneState);
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return value.slice();
  const proto = Object.getPrototypeOf(value);
  // Temporal values and IsoDateTime are immutable: shared, not copied.
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    setOwn(out, key, structuredCloneState((value as Record<string, unknown>)[key]));
  }
  return out;
}

/** Returns the source state for `sourceName`, creating it when missing. */
export function sourceStateOf(state: PipelineState, sourceName: string): SourceState {
  return ownChild(state.sources ??= {}, sourceName);
}

/** Returns the resource state for `resourceName` in `source`, creating it when missing. */
export function resourceStateOf(source: SourceState, resourceName: string): ResourceState {
  return ownChild(source.resources ??= {}, resourceName);
}
