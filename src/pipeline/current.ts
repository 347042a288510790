/**
 * `dlt.current`: the running pipeline and its state, from inside resources and sources, and
 * `dlt.resetResourceState()`. Reads the run context that the extract step enters around every
 * step of a resource (`context.ts`).
 *
 * @module
 */
import { StateNotAvailableError } from "../errors.ts";
import { currentContext, resourceStateFor, sourceStateFor } from "./context.ts";
import type { Pipeline } from "./pipeline.ts";
import { ownValue } from "../state/own_keys.ts";

/**
 * The type of {@linkcode current}.
 *
 * @example A helper that takes the run context
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * function nextPage(current: dlt.Current): number {
 *   const state = current.resourceState<{ page?: number }>();
 *   return (state.page = (state.page ?? 0) + 1);
 * }
 * const pages = dlt.resource(function* () {
 *   yield { page: nextPage(dlt.current) };
 * }, { name: "pages" });
 * try {
 *   nextPage(dlt.current); // outside a run
 * } catch (error) {
 *   console.log((error as Error).name); // StateNotAvailableError
 * }
 * ```
 */
export interface Current {
  /** The running resource's state (writable). */
  resourceState<T extends object = Record<string, unknown>>(): T;
  /** The running source's state (read-only in a source function). */
  sourceState<T extends object = Record<string, unknown>>(): T;
  /** The running pipeline. */
  pipeline(): Pipeline;
}

/**
 * Access to the running pipeline and its state from inside resources and sources, like dlt's
 * `dlt.current`.
 *
 * @example Keeping a high-water mark in resource state
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const events = dlt.resource(function* () {
 *   const state = dlt.current.resourceState<{ maxId?: number }>();
 *   const rows = [{ id: 1 }, { id: 2 }].filter((row) => row.id > (state.maxId ?? 0));
 *   yield rows;
 *   state.maxId = Math.max(state.maxId ?? 0, ...rows.map((row) => row.id));
 * }, { name: "events" });
 * ```
 */
export const current: Current = {
  /**
   * The running resource's state dictionary: writable, persisted when the run succeeds.
   * Throws {@linkcode StateNotAvailableError} outside a running resource.
   */
  resourceState<T extends object = Record<string, unknown>>(): T {
    const context = currentContext();
    if (!context?.resourceName || context.readOnly) {
      throw new StateNotAvailableError(
        "resourceState",
        "inside a resource's function or generator while pipeline.run() runs it",
      );
    }
    return resourceStateFor(context, context.resourceName) as T;
  },
  /**
   * The running source's state dictionary, shared by its resources: writable in resources,
   * read-only in the source function. Throws {@linkcode StateNotAvailableError} outside a run.
   */
  sourceState<T extends object = Record<string, unknown>>(): T {
    const context = currentContext();
    if (!context) {
      throw new StateNotAvailableError(
        "sourceState",
        "inside a source or resource while pipeline.run() runs it",
      );
    }
    return sourceStateFor(context) as T;
  },
  /** The running pipeline. Throws {@linkcode StateNotAvailableError} outside a run. */
  pipeline(): Pipeline {
    const context = currentContext();
    if (!context) {
      throw new StateNotAvailableError(
        "pipeline",
        "inside a source or resource while pipeline.run() runs it",
      );
    }
    return context.pipeline as Pipeline;
  },
};

/**
 * Deletes the state of resource `name` of the running source (dlt's `reset_resource_state`).
 * Works in a source function too: resetting is an explicit request, not a stray write.
 *
 * @example Starting a resource over
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const src = dlt.source("shop", () => {
 *   dlt.resetResourceState("orders");
 *   return [dlt.resource([{ id: 1 }], { name: "orders" })];
 * });
 * ```
 */
export function resetResourceState(name: string): void {
  const context = currentContext();
  if (!context) {
    throw new StateNotAvailableError(
      "resetResourceState",
      "inside a source or resource while pipeline.run() runs it",
    );
  }
  const resources = ownValue(context.sources, context.sourceName)?.resources;
  if (resources) delete resources[name];
}
