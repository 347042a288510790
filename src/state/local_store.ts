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
import { type PipelineState, STATE_ENGINE_VERSION } from "./state_document.ts";

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

  /** Replaces the stored state atomically. Validates every value first. */
  async save(state: PipelineState): Promise<void> {
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
