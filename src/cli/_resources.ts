/**
 * How the command line names a resource, the same for every command that takes one: as
 * `source.resource`, or as a bare `resource` name when only one source of the pipeline has it.
 * The resources a pipeline has are those with state and those with tables in its schemas.
 *
 * @module
 */
import type { Pipeline } from "../pipeline/pipeline.ts";
import type { PipelineState } from "../state/state_document.ts";
import { type CommandContext, stringOption } from "./_context.ts";
import { NotFoundError, UsageError } from "./exit_codes.ts";

/** Every resource a pipeline has, by source name, sorted. */
export type ResourceCatalog = ReadonlyMap<string, ReadonlySet<string>>;

/** A resource, resolved: its source and its name. */
export interface ResourceRef {
  /** The source (and schema) name. */
  sourceName: string;
  /** The resource name. */
  resourceName: string;
}

/** `source.resource`, as messages and `--json` write a resource. */
export function qualifiedName(ref: ResourceRef): string {
  return `${ref.sourceName}.${ref.resourceName}`;
}

/**
 * The resources of `state` (default: the pipeline's) and of the pipeline's schemas, by source.
 */
export async function resourceCatalog(
  p: Pipeline,
  state: PipelineState = p.state,
): Promise<ResourceCatalog> {
  const sourceNames = new Set([...Object.keys(state.sources ?? {}), ...(state.schema_names ?? [])]);
  const catalog = new Map<string, Set<string>>();
  for (const sourceName of [...sourceNames].sort()) {
    const names = new Set(Object.keys(state.sources?.[sourceName]?.resources ?? {}));
    // planDrop is the pipeline's own answer to "which resources does this source have": it
    // reads the resources of the source's schema as well as those of its state.
    const schemaNames = (await p.planDrop({ resources: [/.*/], sourceName })).resources;
    for (const name of schemaNames) names.add(name);
    catalog.set(sourceName, new Set([...names].sort()));
  }
  return catalog;
}

/** Options of {@linkcode resolveResource}. */
export interface ResolveOptions {
  /** `--source`: look in this source alone. @default every source */
  sourceName?: string;
  /** The command, for the help a usage error points to. */
  command: string;
}

/**
 * The resource `name` means: `source.resource` (source names have no dots; resource names may),
 * or a bare resource name that one source alone has. Throws {@linkcode UsageError} when more
 * than one source has a bare name (listing the qualified names) or `--source` disagrees with a
 * qualified one, and {@linkcode NotFoundError} listing the known resources when none has it.
 */
export function resolveResource(
  catalog: ResourceCatalog,
  name: string,
  options: ResolveOptions,
): ResourceRef {
  const { sourceName, command } = options;
  const matches: ResourceRef[] = [];
  for (const [source, names] of catalog) {
    if ((sourceName === undefined || source === sourceName) && names.has(name)) {
      matches.push({ sourceName: source, resourceName: name });
    }
  }
  const dot = name.indexOf(".");
  if (dot > 0) {
    const qualified = { sourceName: name.slice(0, dot), resourceName: name.slice(dot + 1) };
    if (catalog.get(qualified.sourceName)?.has(qualified.resourceName)) {
      if (sourceName === undefined || qualified.sourceName === sourceName) {
        matches.push(qualified);
      } else if (matches.length === 0) {
        throw new UsageError(
          `Leave out --source or write ${sourceName}.${qualified.resourceName}: --source "${sourceName}" and "${name}" name different sources`,
          command,
        );
      }
    }
  }
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new UsageError(
      `Write the resource with its source, ${
        alternatives(matches.map(qualifiedName))
      }: "${name}" is in more than one source`,
      command,
    );
  }
  const known = [...catalog].flatMap(([source, names]) =>
    [...names].map((resourceName) => qualifiedName({ sourceName: source, resourceName }))
  );
  throw new NotFoundError(
    `Choose a resource with state or tables${
      sourceName !== undefined ? ` in source "${sourceName}"` : ""
    }: "${name}" has none (${
      known.length > 0 ? `known: ${known.join(", ")}` : "no resource has state or tables yet"
    })`,
  );
}

/** `a or b`, `a, b or c`. */
function alternatives(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** The state of a resolved resource, or `undefined` when it has none (only tables). */
export function resourceState(
  state: PipelineState,
  ref: ResourceRef,
): Record<string, unknown> | undefined {
  return state.sources?.[ref.sourceName]?.resources?.[ref.resourceName];
}

/**
 * Resolves a resource named on the command line (the `<resource>` argument or `--resource`)
 * against the pipeline's resources, in `--source` alone when it is given.
 */
export async function resolveNamedResource(
  ctx: CommandContext,
  p: Pipeline,
  name: string,
  state: PipelineState = p.state,
): Promise<ResourceRef> {
  return resolveResource(await resourceCatalog(p, state), name, {
    sourceName: stringOption(ctx, "source"),
    command: ctx.command,
  });
}
