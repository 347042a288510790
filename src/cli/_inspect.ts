/**
 * The commands that only read: `list`, `info`, `state`, `history`, `diff`, `pending`.
 *
 * @module
 */
import { join } from "node:path";
import type { Pipeline, StateVersion } from "../pipeline/pipeline.ts";
import { readPipelineRecord } from "../pipeline/working_dir.ts";
import { LocalStateStore } from "../state/local_store.ts";
import type { PipelineState, SourceState } from "../state/state_document.ts";
import { DatasetStore } from "../destinations/dataset_store.ts";
import type { LoadRow } from "../destinations/dlt_tables.ts";
import { describeOrigin, redactUrl } from "../config/mod.ts";
import { StateFileCorruptedError } from "../errors.ts";
import { type CommandContext, flag, integer, positional, stringOption } from "./_context.ts";
import { type DirOrigin, resolvePipelinesDir } from "./_open.ts";
import { shortValue, toYaml } from "./_output.ts";
import { getAtPath, parseStatePath } from "./_state_path.ts";
import { diffStates, type StateChange } from "./state_diff.ts";
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

/** The committed state without `_local`, for printing. */
export function committedPart(state: PipelineState): Record<string, unknown> {
  const { _local: _, ...rest } = state;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// list

/** `pipeline list`. */
export async function listCommand(ctx: CommandContext): Promise<void> {
  const { dir } = resolvePipelinesDir(undefined, stringOption(ctx, "pipelines-dir"), ctx.resolver);
  const pipelines: Record<string, unknown>[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory) continue;
    const workingDir = join(dir, entry.name);
    const record = readPipelineRecord(workingDir);
    let state: PipelineState | undefined;
    let damaged = false;
    try {
      state = new LocalStateStore(workingDir).load();
    } catch (error) {
      if (!(error instanceof StateFileCorruptedError)) throw error;
      damaged = true;
    }
    if (!record && !state && !damaged) continue;
    pipelines.push({
      pipelineName: entry.name,
      datasetName: record?.dataset_name ?? state?.dataset_name ?? null,
      destination: record?.destination
        ? { type: record.destination.type, bucketUrl: redactUrl(record.destination.bucket_url) }
        : null,
      stateVersion: state?._state_version ?? null,
      stateDamaged: damaged,
      pendingPackages: await countDirs(join(workingDir, "load")),
    });
  }
  if (ctx.out.json) {
    ctx.out.document({ pipelinesDir: dir, pipelines });
    return;
  }
  if (pipelines.length === 0) {
    ctx.out.line(`No pipelines in ${dir}`);
    return;
  }
  ctx.out.line(`Pipelines in ${dir}:`);
  ctx.out.table(
    ["NAME", "DATASET", "DESTINATION", "STATE", "PENDING"],
    pipelines.map((p) => [
      String(p.pipelineName),
      String(p.datasetName ?? "-"),
      p.destination
        ? `${(p.destination as { type: string }).type} ${
          (p.destination as { bucketUrl: string }).bucketUrl
        }`
        : "-",
      p.stateDamaged ? "damaged" : p.stateVersion === null ? "-" : `v${p.stateVersion}`,
      String(p.pendingPackages),
    ]),
    "  ",
  );
}

async function countDirs(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) n++;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// info

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

/** Loads, state versions and the newest committed version, read from the destination. */
async function destinationFacts(p: Pipeline): Promise<{
  loads: LoadRow[];
  history: StateVersion[];
}> {
  if (!p.destination) return { loads: [], history: [] };
  const [loads, history] = await Promise.all([p.loads(), p.stateHistory()]);
  return { loads, history };
}

/** `pipeline <name> info`. */
export async function infoCommand(ctx: CommandContext): Promise<void> {
  const opened = ctx.open();
  const p = opened.pipeline;
  const state = p.state;
  const { loads, history } = await destinationFacts(p);
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

// ---------------------------------------------------------------------------------------------
// state

/** Finds a version in the history; {@linkcode NotFoundError} when it is not there. */
export function findVersion(history: StateVersion[], version: number, p: Pipeline): StateVersion {
  const found = history.findLast((v) => v.version === version);
  if (!found) {
    const known = history.map((v) => v.version);
    throw new NotFoundError(
      `Choose a committed state version of pipeline "${p.pipelineName}": ${version} is not one (${
        known.length === 0 ? "the destination holds none" : `known: ${rangeText(known)}`
      })`,
    );
  }
  return found;
}

function rangeText(versions: number[]): string {
  if (versions.length <= 8) return versions.join(", ");
  return `${versions.slice(0, 3).join(", ")}, …, ${versions.slice(-3).join(", ")}`;
}

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
    node = selectResource(state, resourceName, sourceName).resource;
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

// ---------------------------------------------------------------------------------------------
// history and diff

/** Rows each load wrote per table, counted from the table files still in the dataset. */
export async function rowsByLoad(
  p: Pipeline,
  loadIds: ReadonlySet<string>,
): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  if (!p.destination || loadIds.size === 0) return counts;
  const store = new DatasetStore(p.destination.bucket, p.datasetName);
  const file = /^(.+)\.(\d+)\.jsonl$/;
  for (const table of await store.tableNames()) {
    for (const entry of await store.bucket.list(store.path(table))) {
      const match = file.exec(entry.name);
      if (entry.isDirectory || !match || !loadIds.has(match[1])) continue;
      const stream = await store.bucket.readStream(store.path(table, entry.name));
      let lines = 0;
      if (stream) {
        for await (const chunk of stream) {
          for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) lines++;
        }
      }
      const perTable = counts.get(match[1]) ?? {};
      perTable[table] = (perTable[table] ?? 0) + lines;
      counts.set(match[1], perTable);
    }
  }
  return counts;
}

/** A change as one line: `~ path  before → after`. */
export function changeLine(change: StateChange, width = 50): string {
  switch (change.kind) {
    case "added":
      return `+ ${change.path}  ${shortValue(change.after, width)}`;
    case "removed":
      return `- ${change.path}  (was ${shortValue(change.before, width)})`;
    default:
      return `~ ${change.path}  ${shortValue(change.before, width)} → ${
        shortValue(change.after, width)
      }`;
  }
}

function changeJson(change: StateChange): Record<string, unknown> {
  return {
    path: change.path,
    kind: change.kind,
    ...(change.kind !== "added" ? { before: change.before ?? null } : {}),
    ...(change.kind !== "removed" ? { after: change.after ?? null } : {}),
  };
}

const CHANGES_SHOWN = 6;

/**
 * The changes worth a line in a summary: when a cursor's `last_value` moved, its `start_value`
 * and `unique_hashes` moving too is implied and left out (`diff` shows everything).
 */
export function summarizeChanges(changes: StateChange[]): StateChange[] {
  const movedCursors = new Set(
    changes.filter((c) => c.parts.at(-1) === "last_value" && c.parts.at(-3) === "incremental")
      .map((c) => c.path.slice(0, -".last_value".length)),
  );
  return changes.filter((c) => {
    const last = c.parts.at(-1);
    if (last !== "start_value" && last !== "unique_hashes") return true;
    return !movedCursors.has(c.path.slice(0, -(String(last).length + 1)));
  });
}

/** `pipeline <name> history`. */
export async function historyCommand(ctx: CommandContext): Promise<void> {
  const p = ctx.open().pipeline;
  const history = await p.stateHistory();
  const limit = integer(ctx, stringOption(ctx, "limit"), "--limit");
  const first = limit === undefined ? 0 : Math.max(0, history.length - limit);
  const shown = history.slice(first);
  const rows = flag(ctx, "no-rows")
    ? undefined
    : await rowsByLoad(p, new Set(shown.map((v) => v.loadId)));
  const entries = shown.map((version, i) => {
    const previous = history[first + i - 1];
    const changes = diffStates(
      previous ? committedPart(previous.state) : {},
      committedPart(version.state),
    );
    return { version, previous, changes, rows: rows?.get(version.loadId) ?? {} };
  });
  if (ctx.out.json) {
    ctx.out.document(entries.map((entry) => ({
      version: entry.version.version,
      loadId: entry.version.loadId,
      createdAt: entry.version.createdAt,
      versionHash: entry.version.versionHash,
      ...(rows ? { rowCounts: entry.rows } : {}),
      previousVersion: entry.previous?.version ?? null,
      changes: entry.changes.map(changeJson),
    })));
    return;
  }
  if (history.length === 0) {
    ctx.out.line(`Pipeline ${p.pipelineName} has no committed state in the destination yet`);
    return;
  }
  ctx.out.line(
    `State history of ${p.pipelineName} (${history.length} version${
      history.length === 1 ? "" : "s"
    }, oldest first)`,
  );
  for (const entry of entries) {
    const rowText = rows
      ? Object.keys(entry.rows).length === 0
        ? "  no rows stored"
        : "  rows stored: " + Object.entries(entry.rows).map(([t, n]) => `${t} ${n}`).join(", ")
      : "";
    ctx.out.line(
      `v${entry.version.version}  load ${entry.version.loadId}  ${entry.version.createdAt}${rowText}`,
    );
    if (!entry.previous) {
      ctx.out.line("    (first version)");
    } else if (entry.changes.length === 0) {
      ctx.out.line(`    (same content as v${entry.previous.version})`);
    }
    const summary = entry.previous ? summarizeChanges(entry.changes) : [];
    for (const change of summary.slice(0, CHANGES_SHOWN)) {
      ctx.out.line(`    ${changeLine(change)}`);
    }
    const shownCount = Math.min(summary.length, CHANGES_SHOWN);
    if (entry.previous && shownCount < entry.changes.length) {
      ctx.out.line(
        `    … and ${
          entry.changes.length - shownCount
        } more (diff ${entry.previous.version} ${entry.version.version})`,
      );
    }
  }
}

/** `pipeline <name> diff <v1> [v2]`. */
export async function diffCommand(ctx: CommandContext): Promise<void> {
  const p = ctx.open().pipeline;
  const history = await p.stateHistory();
  const v1 = findVersion(history, integer(ctx, positional(ctx, "v1"), "<v1>")!, p);
  const v2Arg = integer(ctx, positional(ctx, "v2"), "<v2>");
  const v2 = v2Arg === undefined ? history.at(-1)! : findVersion(history, v2Arg, p);
  const changes = diffStates(committedPart(v1.state), committedPart(v2.state));
  if (ctx.out.json) {
    ctx.out.document({
      from: { version: v1.version, loadId: v1.loadId },
      to: { version: v2.version, loadId: v2.loadId },
      changes: changes.map(changeJson),
    });
    return;
  }
  ctx.out.line(
    `State of ${p.pipelineName}: v${v1.version} (load ${v1.loadId}) → v${v2.version} (load ${v2.loadId})`,
  );
  if (changes.length === 0) ctx.out.line("  no differences");
  for (const change of changes) ctx.out.line(`  ${changeLine(change, 200)}`);
}

// ---------------------------------------------------------------------------------------------
// pending

/** `pipeline <name> pending`. */
export async function pendingCommand(ctx: CommandContext): Promise<void> {
  const p = ctx.open().pipeline;
  const pending = await p.pendingPackages();
  if (ctx.out.json) {
    ctx.out.document(pending);
    return;
  }
  if (pending.length === 0) {
    ctx.out.line(`Pipeline ${p.pipelineName} has no pending packages`);
    return;
  }
  ctx.out.line(
    `Pipeline ${p.pipelineName}: ${pending.length} package(s) extracted but not loaded; the next run loads them first`,
  );
  ctx.out.table(
    ["LOAD ID", "CREATED AT", "STATE VERSION", "ROWS"],
    pending.map((pkg) => [
      pkg.loadId,
      pkg.createdAt,
      `v${pkg.stateVersion}`,
      Object.entries(pkg.rowCounts).map(([t, n]) => `${t} ${n}`).join(", ") || "none",
    ]),
    "  ",
  );
}
