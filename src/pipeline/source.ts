/**
 * Sources: named groups of resources sharing one source state.
 *
 * @module
 */
import { ConfigurationError } from "../errors.ts";
import { Resource } from "./resource.ts";
import { validateName } from "../storage/names.ts";

/**
 * What a source function receives.
 *
 * @example Reading source state in a source function
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const api = dlt.source("api", ({ state }: dlt.SourceContext) => {
 *   const since = typeof state.lastSync === "string" ? state.lastSync : "2024-01-01";
 *   return [dlt.resource([{ id: 1, since }], { name: "users" })];
 * });
 * console.log(api.name); // api
 * ```
 */
export interface SourceContext {
  /** The source state: read-only here (writes throw `StateReadOnlyError`). */
  readonly state: Readonly<Record<string, unknown>>;
}

/**
 * Resources as a source returns them.
 *
 * @example A fixed list of resources
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const resources: dlt.SourceResources = [
 *   dlt.resource([{ id: 1 }], { name: "users" }),
 *   dlt.resource([{ id: 7, user: 1 }], { name: "orders" }),
 * ];
 * const shop = dlt.source("shop", resources);
 * console.log(shop.selected); // undefined: all resources run
 * ```
 */
// deno-lint-ignore no-explicit-any
export type SourceResources = readonly Resource<any, any>[];

/**
 * A source function: returns the resources, possibly after async setup.
 *
 * @example Resources made after async setup
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const github: dlt.SourceFunction = async () => {
 *   const repos = await Promise.resolve(["deno", "std"]);
 *   return repos.map((repo) => dlt.resource([{ repo, id: 1 }], { name: `${repo}_issues` }));
 * };
 * console.log(dlt.source("github", github).name); // github
 * ```
 */
export type SourceFunction = (context: SourceContext) => SourceResources | Promise<SourceResources>;

/**
 * A named group of resources; its state is shared by them. Create one with {@linkcode source}.
 *
 * @example Running some resources of a source
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const p = dlt.pipeline({
 *   pipelineName: "shop",
 *   pipelinesDir: `${dir}/pipelines`,
 *   destination: dlt.destinations.filesystem({ bucketUrl: `${dir}/data` }),
 * });
 * const shop: dlt.Source = dlt.source("shop", [
 *   dlt.resource([{ id: 1 }], { name: "users" }),
 *   dlt.resource([{ id: 7 }], { name: "orders" }),
 * ]);
 * const info = await p.run(shop.withResources("users"));
 * console.log(info.rowCounts); // { users: 1 }
 * ```
 */
export class Source {
  /** The source name: the key of its state under `sources`. */
  readonly name: string;
  /** The selected resource names, or `undefined` for all. */
  readonly selected: readonly string[] | undefined;
  readonly #resources: SourceResources | SourceFunction;

  /** Use {@linkcode source} instead. */
  constructor(
    name: string,
    resources: SourceResources | SourceFunction,
    selected?: readonly string[],
  ) {
    validateName("source", name);
    if (typeof resources !== "function" && !Array.isArray(resources)) {
      throw new ConfigurationError(
        `Pass source "${name}" an array of resources or a function that returns one`,
      );
    }
    this.name = name;
    this.#resources = resources;
    this.selected = selected;
  }

  /** The same source with only the named resources selected; the others' state is untouched. */
  withResources(...names: string[]): Source {
    return new Source(this.name, this.#resources, names);
  }

  /** Calls the source function (the extractor does this inside a run, with read-only state). */
  async resolve(context: SourceContext): Promise<SourceResources> {
    const resources = typeof this.#resources === "function"
      ? await this.#resources(context)
      : this.#resources;
    if (!Array.isArray(resources) || resources.some((r) => !(r instanceof Resource))) {
      throw new ConfigurationError(
        `Return an array of resources from source "${this.name}"`,
      );
    }
    const names = new Set<string>();
    for (const resource of resources) {
      if (names.has(resource.name)) {
        throw new ConfigurationError(
          `Give the resources of source "${this.name}" distinct names: "${resource.name}" appears twice`,
        );
      }
      names.add(resource.name);
    }
    if (!this.selected) return resources;
    for (const name of this.selected) {
      if (!names.has(name)) {
        throw new ConfigurationError(
          `Select resources that source "${this.name}" has: "${name}" is not one of ${
            [...names].map((n) => `"${n}"`).join(", ")
          }`,
        );
      }
    }
    return resources.filter((r) => this.selected!.includes(r.name));
  }
}

/**
 * Declares a source: a name and its resources (or a function that returns them, called at each
 * run with read-only source state).
 *
 * @example A source of two resources sharing state
 * ```ts
 * import * as dlt from "../../mod.ts";
 *
 * const users = dlt.resource(function* () {
 *   dlt.current.sourceState().lastSync = "2024-06-01";
 *   yield { id: 1 };
 * }, { name: "users" });
 * const events = dlt.resource(function* () {
 *   yield { id: 1, since: dlt.current.sourceState().lastSync ?? null };
 * }, { name: "events" });
 * const api = dlt.source("api", () => [users, events]);
 * ```
 */
export function source(name: string, resources: SourceResources | SourceFunction): Source {
  return new Source(name, resources);
}
