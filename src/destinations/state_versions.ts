/**
 * The commit points of state versions: `_dlt_state_versions/<pipeline>/<version>.json`, one
 * object per committed state version, created with a create-if-absent write once the load's
 * table files (and, in the append layout, its state row) are in place. Of two machines that
 * extracted from the same version, exactly one creates the next; the other's load stays
 * invisible and it fails with `StateConflictError`. The record holds the state row itself, so a
 * load whose run died after its commit point is finished by whoever comes next (its `_dlt_loads`
 * marker written), and a run killed before it blocks nobody.
 *
 * `_dlt_state_heads/<pipeline>.json` is a hint (written last, never trusted alone): the version
 * to list from, so that the newest version is found with a constant number of requests however
 * long the history.
 *
 * @module
 */
import type { Bucket } from "../storage/bucket.ts";
import type { StateRow } from "./dlt_tables.ts";

/** The folder of the commit points, under the dataset. */
export const VERSIONS_DIR = "_dlt_state_versions";
/** The folder of the hints, under the dataset. */
export const HEADS_DIR = "_dlt_state_heads";
const DIGITS = 12;
const WITHDRAWN = ".withdrawn";

/** What a commit point holds. */
export interface StateVersionRecord {
  /** The state version it commits. */
  version: number;
  /** The load that carries it. */
  load_id: string;
  /** The pipeline. */
  pipeline_name: string;
  /** The default schema of the load (names its `_dlt_loads` marker). */
  schema_name: string;
  /** The schema's version hash at that load. */
  schema_version_hash: string | null;
  /** When the version was committed. */
  committed_at: string;
  /** The state row, as the state table keeps it. */
  state_row: StateRow;
  /** The file of each schema of the pipeline at this version (the dlt layout's schema files). */
  schema_files?: Record<string, string>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fileName(version: number): string {
  return `${String(version).padStart(DIGITS, "0")}.json`;
}

function parseRecord(bytes: Uint8Array | undefined): StateVersionRecord | undefined {
  if (!bytes) return undefined;
  try {
    const record = JSON.parse(decoder.decode(bytes));
    if (typeof record?.load_id === "string" && typeof record?.version === "number") return record;
  } catch { /* a torn or foreign object is no commit */ }
  return undefined;
}

/** The commit points of one dataset. */
export class StateVersions {
  readonly #bucket: Bucket;
  readonly #dataset: string;

  /** The commit points under `<dataset>/` of `bucket`. */
  constructor(bucket: Bucket, dataset: string) {
    this.#bucket = bucket;
    this.#dataset = dataset;
  }

  #dir(pipelineName: string): string {
    return `${this.#dataset}/${VERSIONS_DIR}/${pipelineName}`;
  }

  /**
   * Commits `record`: creates its commit point unless one exists. Returns `undefined` when the
   * version is this load's (created now, or by an earlier attempt of the same load), else the
   * record of the load that committed the version first.
   */
  async commit(record: StateVersionRecord): Promise<StateVersionRecord | undefined> {
    const path = `${this.#dir(record.pipeline_name)}/${fileName(record.version)}`;
    const bytes = encoder.encode(JSON.stringify(record) + "\n");
    if (await this.#bucket.createIfAbsent(path, bytes)) return undefined;
    const existing = await this.read(record.pipeline_name, record.version);
    if (existing?.load_id === record.load_id) return undefined;
    return existing ?? { ...record, load_id: "(unreadable)" };
  }

  /** The commit point of `version`, or `undefined`. */
  async read(pipelineName: string, version: number): Promise<StateVersionRecord | undefined> {
    return parseRecord(
      await this.#bucket.read(`${this.#dir(pipelineName)}/${fileName(version)}`),
    );
  }

  /**
   * The newest commit point of `pipelineName` that is not withdrawn: lists from the hinted
   * version (one listing page when the hint is current), or from the start when there is no
   * hint or everything listed from it is withdrawn.
   */
  async newest(
    pipelineName: string,
  ): Promise<{ record?: StateVersionRecord; head?: number; spent: number }> {
    const head = await this.readHead(pipelineName);
    const startAfter = head !== undefined && head > 1 ? fileName(head - 1) : undefined;
    const found = await this.#newestListed(pipelineName, startAfter);
    if (found.record || startAfter === undefined) return { ...found, head };
    const all = await this.#newestListed(pipelineName, undefined);
    return { record: all.record, head, spent: Math.max(found.spent, all.spent) };
  }

  /**
   * The newest readable commit point that is not withdrawn among the entries after `startAfter`,
   * and the highest version number any entry there holds (withdrawn or unreadable ones too: a
   * version number is spent once its commit point exists, and never used again).
   */
  async #newestListed(
    pipelineName: string,
    startAfter: string | undefined,
  ): Promise<{ record?: StateVersionRecord; spent: number }> {
    const entries = await this.#bucket.list(this.#dir(pipelineName), { startAfter });
    const withdrawn = new Set(
      entries.filter((e) => e.name.endsWith(WITHDRAWN)).map((e) => e.name.slice(0, DIGITS)),
    );
    let spent = 0;
    for (const entry of entries) {
      const version = Number(entry.name.slice(0, DIGITS));
      if (!entry.isDirectory && Number.isInteger(version)) spent = Math.max(spent, version);
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const name = entries[i].name;
      const version = Number(name.slice(0, DIGITS));
      if (entries[i].isDirectory || !name.endsWith(".json") || !Number.isInteger(version)) continue;
      if (withdrawn.has(name.slice(0, DIGITS))) continue;
      const record = await this.read(pipelineName, version);
      if (record) return { record, spent };
    }
    return { spent };
  }

  /** Whether a commit point of `version` exists (readable or not). */
  async exists(pipelineName: string, version: number): Promise<boolean> {
    return (await this.#bucket.size(`${this.#dir(pipelineName)}/${fileName(version)}`)) !==
      undefined;
  }

  /** Marks `version` withdrawn (its load was reverted): restores skip it, nothing is deleted. */
  async withdraw(pipelineName: string, version: number): Promise<void> {
    const path = `${this.#dir(pipelineName)}/${fileName(version).slice(0, DIGITS)}${WITHDRAWN}`;
    await this.#bucket.write(path, new Uint8Array(0));
  }

  /** Whether `version` was withdrawn. */
  async isWithdrawn(pipelineName: string, version: number): Promise<boolean> {
    const path = `${this.#dir(pipelineName)}/${fileName(version).slice(0, DIGITS)}${WITHDRAWN}`;
    return (await this.#bucket.size(path)) !== undefined;
  }

  /** Every commit point of `pipelineName` that is not withdrawn, oldest first. */
  async all(pipelineName: string): Promise<StateVersionRecord[]> {
    const records: StateVersionRecord[] = [];
    const entries = await this.#bucket.list(this.#dir(pipelineName));
    const withdrawn = new Set(
      entries.filter((e) => e.name.endsWith(WITHDRAWN)).map((e) => e.name.slice(0, DIGITS)),
    );
    for (const entry of entries) {
      const version = Number(entry.name.slice(0, DIGITS));
      if (entry.isDirectory || !entry.name.endsWith(".json") || !Number.isInteger(version)) {
        continue;
      }
      if (withdrawn.has(entry.name.slice(0, DIGITS))) continue;
      const record = await this.read(pipelineName, version);
      if (record) records.push(record);
    }
    return records;
  }

  /** The hinted newest version, or `undefined`. */
  async readHead(pipelineName: string): Promise<number | undefined> {
    const bytes = await this.#bucket.read(`${this.#dataset}/${HEADS_DIR}/${pipelineName}.json`);
    if (!bytes) return undefined;
    try {
      const version = JSON.parse(decoder.decode(bytes)).version;
      return Number.isInteger(version) ? version : undefined;
    } catch {
      return undefined;
    }
  }

  /** Moves the hint to `version` (after everything of that version is written). */
  async writeHead(pipelineName: string, version: number): Promise<void> {
    await this.#bucket.write(
      `${this.#dataset}/${HEADS_DIR}/${pipelineName}.json`,
      encoder.encode(JSON.stringify({ version }) + "\n"),
    );
  }
}
