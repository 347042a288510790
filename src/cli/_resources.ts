/**
 * Which resource a command means.
 *
 * @module
 */
import type { PipelineState, SourceState } from "../state/state_document.ts";
import { NotFoundError } from "./exit_codes.ts";

/** The source and resource state a command means: `--source`, `--resource`, default source. */
export function selectResource(
  state: PipelineState,
  resourceName: string,
  sourceName: string | undefined,
): { sourceName: string; resource: Record<string, unknown> } {
  const sources = state.sources ?? {};
  const candidates = sourceName !== undefined
    ? [sourceName]
    : [state.default_schema_name, ...Object.keys(sources)].filter((s): s is string => !!s);
  for (const candidate of candidates) {
    const resource = sources[candidate]?.resources?.[resourceName];
    if (resource) return { sourceName: candidate, resource };
  }
  const known = Object.entries(sources).flatMap(([s, source]: [string, SourceState]) =>
    Object.keys(source.resources ?? {}).map((r) => `${s}.${r}`)
  );
  throw new NotFoundError(
    `Choose a resource with state${
      sourceName ? ` in source "${sourceName}"` : ""
    }: "${resourceName}" has none (${
      known.length > 0 ? `known: ${known.join(", ")}` : "no resource has state yet"
    })`,
  );
}
