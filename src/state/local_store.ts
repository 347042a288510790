/**
 * The local copy of a pipeline's state: `<workingDir>/state.json`, typed JSON, replaced
 * atomically (temp file, fsync, rename, folder fsync).
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../storage/atomic_file.ts";
import { StateFileCorruptedError } from "../errors.ts";
import { decodeTyped, encodeTyped } from "./typed_json.ts";
import { type PipelineState, STATE_ENGINE_VERSION, stateVersionHash } from "./state_document.ts";

/** Reads and atomically replaces the `state.json` of one pipeline working dir. */
export class LocalStateStore {
  /** The `state.json` path. */
  readonly path: string;

  /** A store for the working dir `dir` (nothing is read or created yet). */
  constructor(dir: string) {
    this.path = join(dir, "state.json");
  }

  /**
   * The stored state, or `undefined` when there is none. Throws
   * {@linkcode StateFileCorruptedError} when the file is not a valid state document.
   */
  load(): PipelineState | undefined {
    let text: string;
    try {
      text = Deno.readTextFileSync(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    return parseStateDocument(text, this.path);
  }

  /**
   * Replaces the stored state atomically. Validates every value first, and that the content is
   * the one `_version_hash` was computed from (bump the version after changing the state), so
   * that a file whose content does not match its hash can only be a damaged one.
   */
  async save(state: PipelineState): Promise<void> {
    if (state._version_hash !== undefined && stateVersionHash(state) !== state._version_hash) {
      throw new TypeError(
        `Bump the version of the state of pipeline "${state.pipeline_name}" before saving it: its content changed since it was hashed`,
      );
    }
    const json = JSON.stringify(encodeTyped(state), null, 1);
    await writeFileAtomic(this.path, new TextEncoder().encode(json + "\n"));
  }
}

/** Parses and checks a state document; throws {@linkcode StateFileCorruptedError} naming `file`. */
export function parseStateDocument(text: string, file: string): PipelineState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateFileCorruptedError(file, `not JSON: ${(error as Error).message}`);
  }
  const state = decodeTyped(parsed) as PipelineState;
  if (
    state === null || typeof state !== "object" || Array.isArray(state) ||
    typeof state._state_version !== "number" ||
    typeof state.pipeline_name !== "string"
  ) {
    throw new StateFileCorruptedError(file, "not a pipeline state document");
  }
  if (state._state_engine_version > STATE_ENGINE_VERSION) {
    throw new StateFileCorruptedError(
      file,
      `state engine version ${state._state_engine_version} is newer than ${STATE_ENGINE_VERSION}`,
      "Upgrade the library",
    );
  }
  if (state._version_hash !== undefined) {
    // Valid JSON is not enough: a state whose content is not the one that was hashed (an edited
    // cursor, a renamed key) would load rows twice or skip them.
    let hash: string | undefined;
    try {
      hash = stateVersionHash(state);
    } catch (error) {
      throw new StateFileCorruptedError(
        file,
        `holds a value no state can: ${(error as Error).message}`,
      );
    }
    if (hash !== state._version_hash) {
      throw new StateFileCorruptedError(
        file,
        `its content does not match its _version_hash "${state._version_hash}": it was edited or damaged`,
      );
    }
  }
  state._state_engine_version = STATE_ENGINE_VERSION;
  state.schema_names ??= [];
  state.default_schema_name ??= null;
  state.destination_type ??= null;
  state.destination_name ??= null;
  if (typeof state._local !== "object" || state._local === null) {
    state._local = { first_run: false };
  }
  return state;
}
