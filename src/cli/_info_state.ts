/**
 * `pipeline <name> info` (where the pipeline lives and loads to, its versions, resources and last
 * loads) and `pipeline <name> state` (the decoded state, or a part of it).
 *
 * @module
 */
import type { Pipeline, StateVersion } from "../pipeline/pipeline.ts";
import type { PipelineState } from "../state/state_document.ts";
import type { LoadRow } from "../destinations/dlt_tables.ts";
import type { DatasetLayout } from "../destinations/layout.ts";
import { describeOrigin, redactUrl } from "../config/mod.ts";
import { type CommandContext, integer, positional, stringOption } from "./_context.ts";
import type { DirOrigin } from "./_open.ts";
import { shortValue, toYaml } from "./_output.ts";
import { qualifiedName, resolveNamedResource, resourceState } from "./_resources.ts";
import { getAtPath, parseStatePath } from "./_state_path.ts";
import { committedPart, findVersion } from "./_versions.ts";
import { NotFoundError } from "./exit_codes.ts";

/** Describes where a setting came from, for `info`. */
export function originText(origin: DirOrigin | { kind: "working dir" } | undefined): string {
  if (!origin) return "not set";
  switch (origin.kind) {
    case "explicit":
      return "command line";
    case "default":
      return "default";
    case "working dir":
      return "working dir record";
    default:
      return describeOrigin(origin);
  }
}

/** One line about a resource's state: its cursors' last values and its other keys. */
export function resourceSummary(state: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(state)) {
    if (key === "incremental" && value !== null && typeof value === "object") {
      for (const [cursor, slot] of Object.entries(value as Record<string, unknown>)) {
        const last = (slot as { last_value?: unknown } | null)?.last_value;
        parts.push(`${cursor} → ${shortValue(last, 40)}`);
      }
    } else parts.push(`${key}=${shortValue(value, 30)}`);
  }
  return parts.length > 0 ? parts.join(", ") : "(empty)";
}

function sourcesSummary(state: PipelineState): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [sourceName, source] of Object.entries(state.sources ?? {})) {
    const resources: Record<string, string> = {};
    for (const [name, resourceState] of Object.entries(source.resources ?? {})) {
      resources[name] = resourceSummary(resourceState);
    }
    out[sourceName] = resources;
  }
  return out;
}

/** Loads, state versions, the newest committed version and the layout, from the destination. */
async function destinationFacts(p: Pipeline): Promise<{
  loads: LoadRow[];
  history: StateVersion[];
  layout: DatasetLayout | null;
}> {
  if (!p.destination) return { loads: [], history: [], layout: null };
  const [loads, history, layout] = await Promise.all([
    p.loads(),
    p.stateHistory(),
    p.dataset().layout(),
  ]);
  return { loads, history, layout };
}

const LAYOUTS: Record<DatasetLayout, string> = {
  append: "this library's: JSONL tables appended at the dataset root",
  dlt: "Python dlt's: one file per load; Python dlt restores from it",
};

/** `pipeline <name> info`. */
export async function infoCommand(ctx: CommandContext): Promise<void> {
  const opened = ctx.open();
  const p = opened.pipeline;
  const state = p.state;
  const { loads, history, layout } = await destinationFacts(p);
  const pending = await p.pendingPackages();
  const versionOfLoad = new Map(history.map((v) => [v.loadId, v.version]));
  const shown = integer(ctx, stringOption(ctx, "loads"), "--loads") ?? 5;
  const lastLoads = loads.slice(-shown).reverse().map((load) => ({
    loadId: load.load_id,
    insertedAt: load.inserted_at,
    status: load.status,
    stateVersion: versionOfLoad.get(load.load_id) ?? null,
  }));
  const newest = history.at(-1);
  const bucketUrl = p.destination ? redactUrl(p.destination.bucketUrl) : null;
  const info = {
    pipelineName: p.pipelineName,
    workingDir: p.workingDir,
    pipelinesDir: p.pipelinesDir,
    pipelinesDirFrom: originText(opened.origins.pipelinesDir),
    destination: p.destination
      ? {
        type: p.destination.destinationType,
        bucketUrl,
        from: originText(opened.origins.bucketUrl),
      }
      : null,
    datasetName: p.datasetName,
    datasetNameFrom: originText(opened.origins.datasetName),
    layout,
    stateVersion: state._state_version,
    versionHash: state._version_hash ?? null,
    destinationStateVersion: newest?.version ?? null,
    inSync: newest ? newest.versionHash === state._version_hash : state._state_version === 0,
    loadCount: loads.length,
    lastLoads,
    pendingPackages: pending,
    sources: sourcesSummary(state),
  };
  if (ctx.out.json) {
    ctx.out.document(info);
    return;
  }
  const out = ctx.out;
  out.line(`Pipeline ${p.pipelineName}`);
  out.table(null, [
    ["working dir", p.workingDir, `(pipelines dir: ${info.pipelinesDirFrom})`],
    [
      "destination",
      p.destination ? `${p.destination.destinationType} ${bucketUrl}` : "none",
      p.destination ? `(${info.destination!.from})` : "",
    ],
    ["dataset", p.datasetName, `(${info.datasetNameFrom})`],
    ...(layout ? [["layout", layout, `(${LAYOUTS[layout]})`]] : []),
    [
      "state",
      `version ${state._state_version} (local); ${
        newest
          ? `version ${newest.version} committed in the destination`
          : "none in the destination"
      }`,
      info.inSync ? "" : "(differs: see `sync`)",
    ],
    ["loads", `${loads.length} committed`, ""],
    [
      "pending",
      pending.length === 0
        ? "no packages"
        : `${pending.length} package(s) not loaded yet: ${pending.map((x) => x.loadId).join(", ")}`,
      "",
    ],
  ], "  ");
  const sources = Object.entries(info.sources);
  if (sources.length > 0) {
    out.line("Resources");
    for (const [sourceName, resources] of sources) {
      for (const [name, summary] of Object.entries(resources)) {
        out.line(`  ${sourceName}.${name}: ${summary}`);
      }
    }
  }
  if (lastLoads.length > 0) {
    out.line(`Last loads (newest first)`);
    out.table(
      ["LOAD ID", "INSERTED AT", "STATE VERSION"],
      lastLoads.map((load) => [
        load.loadId,
        load.insertedAt,
        load.stateVersion === null ? "-" : `v${load.stateVersion}`,
      ]),
      "  ",
    );
  }
}

/** `pipeline <name> state`. */
export async function stateCommand(ctx: CommandContext): Promise<void> {
  const p = ctx.open().pipeline;
  const versionArg = integer(ctx, stringOption(ctx, "version"), "--version");
  const state = versionArg === undefined
    ? p.state
    : findVersion(await p.stateHistory(), versionArg, p).state;
  let node: unknown = committedPart(state);
  const sourceName = stringOption(ctx, "source");
  const resourceName = stringOption(ctx, "resource");
  if (resourceName !== undefined) {
    const ref = await resolveNamedResource(ctx, p, resourceName, state);
    node = resourceState(state, ref);
    if (node === undefined) {
      throw new NotFoundError(
        `Choose a resource with state: "${qualifiedName(ref)}" has none${
          versionArg === undefined ? "" : ` in state version ${versionArg}`
        }`,
      );
    }
  } else if (sourceName !== undefined) {
    node = state.sources?.[sourceName];
    if (node === undefined) {
      throw new NotFoundError(
        `Choose a source with state: "${sourceName}" has none (known: ${
          Object.keys(state.sources ?? {}).join(", ") || "none"
        })`,
      );
    }
  }
  const pathText = positional(ctx, "path");
  if (pathText !== undefined) {
    const found = getAtPath(node, parseStatePath(pathText, ctx.command));
    if (!found.found) throw new NotFoundError(`Choose a path that exists: "${pathText}" does not`);
    node = found.value;
  }
  if (ctx.out.json) ctx.out.document(node);
  else ctx.out.text(toYaml(node));
}
