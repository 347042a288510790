/**
 * Boundary deduplication: the hashes of the rows at the last value, kept in the state slot's
 * `unique_hashes` so that the next run, which starts at that value (`rangeStart: "closed"`),
 * skips the rows it already loaded. Hashing is lazy: rows are remembered and hashed at the end of
 * the page, and only while they are still at the boundary.
 *
 * Formats follow dlt 1.29 and later (`_row_hash.ts`): a stored set with a 20-character (legacy)
 * hash is checked and extended in the legacy format, so that whichever tool wrote it, the next
 * run of either finds its rows; a set started when the last value moves is in the short format.
 * A stored row is recognised in each format the set holds.
 *
 * @module
 */
import { HASH_LENGTH, type HashFormat } from "./_row_hash.ts";

type Row = Record<string, unknown>;

/** The hashes stored at bind and the boundary of this run, capped at `maxBoundaryHashes`. */
export class BoundaryHashes {
  readonly #start: ReadonlySet<string>;
  readonly #boundary = new Set<string>();
  readonly #pending: Row[] = [];
  #pendingCount = 0;
  /** The row a fast-path advance left to start the boundary with (see {@linkcode settle}). */
  #deferred: Row | undefined;
  readonly #cap: number;
  readonly #hashIn: (row: Row, format: HashFormat) => string;
  /** The formats of the stored hashes (what {@linkcode seenBefore} computes). */
  readonly #startFormats: readonly HashFormat[];
  /** The format of the hashes of this run's boundary rows. */
  #format: HashFormat;
  #changed = false;
  #capped = false;
  #capWarned = false;

  /**
   * Reads the hashes `stored` in the slot. With `enabled` false (no deduplication) the run's
   * boundary stays empty; the stored hashes are still known to {@linkcode seenBefore}.
   */
  constructor(
    stored: unknown,
    enabled: boolean,
    cap: number,
    hash: (row: Row, format: HashFormat) => string,
  ) {
    this.#start = new Set(Array.isArray(stored) ? stored as string[] : []);
    this.#cap = cap;
    this.#hashIn = hash;
    let legacy = false;
    let short = false;
    for (const hash of this.#start) {
      if (typeof hash === "string" && hash.length === HASH_LENGTH.legacy) legacy = true;
      else short = true;
    }
    this.#startFormats = legacy ? (short ? ["legacy", "short"] : ["legacy"]) : ["short"];
    // As dlt: a set holding a legacy hash stays legacy until the last value moves.
    this.#format = legacy ? "legacy" : "short";
    if (!enabled) return;
    for (const stored of this.#start) {
      if (this.#boundary.size >= cap) {
        this.#capped = true;
        this.#changed = true;
        break;
      }
      this.#boundary.add(stored);
    }
  }

  /** True when the hash of `row` was stored by the previous run: it was loaded already. */
  seenBefore(row: Row): boolean {
    if (this.#start.size === 0) return false;
    for (const format of this.#startFormats) {
      if (this.#start.has(this.#hashIn(row, format))) return true;
    }
    return false;
  }

  #hash(row: Row): string {
    return this.#hashIn(row, this.#format);
  }

  /** The last value moved to the value of `row`: the boundary starts over with it alone. */
  restart(row: Row): void {
    if (this.#boundary.size > 0) this.#boundary.clear();
    this.#format = "short";
    this.#changed = true;
    if (this.#cap > 0) {
      this.#pending[0] = row;
      this.#pendingCount = 1;
      this.#capped = false;
    } else {
      this.#pendingCount = 0;
      this.#capped = true;
    }
  }

  /** Like {@linkcode restart}, applied only when the next row takes the full path. */
  defer(row: Row): void {
    this.#deferred = row;
  }

  /** Applies a restart {@linkcode defer} left. */
  settle(): void {
    const row = this.#deferred;
    if (row !== undefined) {
      this.#deferred = undefined;
      this.restart(row);
    }
  }

  /** Remembers a row at the last value; its hash is computed at the end of the page, if at all. */
  add(row: Row): void {
    if (this.#capped) return;
    const cap = this.#cap;
    if (this.#boundary.size + this.#pendingCount < cap) {
      this.#pending[this.#pendingCount++] = row;
      return;
    }
    this.#hashPending();
    if (this.#boundary.size < cap) {
      this.#pending[this.#pendingCount++] = row;
    } else if (!this.#boundary.has(this.#hash(row))) {
      this.#capped = true;
    }
  }

  #hashPending(): void {
    const count = this.#pendingCount;
    if (count === 0) return;
    const pending = this.#pending;
    for (let i = 0; i < count; i++) this.#boundary.add(this.#hash(pending[i]));
    // Keep the array's capacity (no shrinking and regrowing per page) but drop the rows.
    pending.fill(undefined as unknown as Row, 0, count);
    this.#pendingCount = 0;
    this.#changed = true;
  }

  /**
   * Ends a page: hashes the remembered rows and returns the hashes to store when they changed
   * since the last call, else `undefined`.
   */
  flush(): string[] | undefined {
    this.settle();
    this.#hashPending();
    if (!this.#changed) return undefined;
    this.#changed = false;
    return Array.from(this.#boundary);
  }

  /**
   * True once, the first time rows at the boundary were left out because of the cap (never with
   * a cap of 0, which turns the boundary off on purpose).
   */
  takeCapWarning(): boolean {
    if (!this.#capped || this.#capWarned || this.#cap <= 0) return false;
    this.#capWarned = true;
    return true;
  }
}
