/**
 * The last touches to a run's working copy of the state before it is committed (at the end of
 * the run and at each checkpoint).
 *
 * @module
 */
import type { PipelineState } from "../state/state_document.ts";
import type { PipelineEnv } from "./_env.ts";
import { ownValue } from "../state/own_keys.ts";

/** What {@linkcode finishState} needs of the run. */
export interface FinishedRun {
  /** The committed state the run started from. */
  readonly base: PipelineState;
  /** The sources of the run, in order. */
  readonly sourceNames: readonly string[];
}

/**
 * Drops the empty dictionaries the run created and sets the pipeline's own keys (names, schemas,
 * destination), so that a run that wrote nothing changes nothing.
 */
export function finishState(env: PipelineEnv, state: PipelineState, run: FinishedRun): void {
  pruneCreatedEmptyStates(state, run.base);
  state.pipeline_name = env.pipelineName;
  state.dataset_name = env.datasetName;
  const names = new Set(state.schema_names ?? []);
  for (const name of run.sourceNames) names.add(name);
  state.schema_names = [...names].sort();
  state.default_schema_name ??= run.sourceNames[0] ?? null;
  // dlt's type name ("dlt.destinations.filesystem"): Python dlt warns on another, and a state
  // continued in turns by both would change it back and forth.
  state.destination_type = env.destination
    ? `dlt.destinations.${env.destination.destinationType}`
    : null;
  state.destination_name = env.destination?.destinationName ?? null;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    Object.keys(value).length === 0;
}

/**
 * Removes the empty source and resource dictionaries a run created without writing anything in
 * them (reading state creates them, as in dlt).
 */
function pruneCreatedEmptyStates(state: PipelineState, base: PipelineState): void {
  for (const [sourceName, source] of Object.entries(state.sources ?? {})) {
    const before = ownValue(base.sources, sourceName);
    const resources = source.resources;
    if (resources) {
      for (const [name, resourceState] of Object.entries(resources)) {
        if (isEmptyObject(resourceState) && ownValue(before?.resources, name) === undefined) {
          delete resources[name];
        }
      }
      if (isEmptyObject(resources) && before?.resources === undefined) delete source.resources;
    }
    if (isEmptyObject(source) && before === undefined) delete state.sources![sourceName];
  }
  if (isEmptyObject(state.sources) && base.sources === undefined) delete state.sources;
}
