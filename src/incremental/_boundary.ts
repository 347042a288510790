/**
 * Boundary deduplication: the hashes of the rows at the last value, kept in the state slot's
 * `unique_hashes` so that the next run, which starts at that value (`rangeStart: "closed"`),
 * skips the rows it already loaded. Hashing is lazy: rows are remembered and hashed at the end of
 * the page, and only while they are still at the boundary.
 *
 * @module
 */

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
  readonly #hash: (row: Row) => string;
  #changed = false;
  #capped = false;
  #capWarned = false;

  /**
   * Reads the hashes `stored` in the slot. With `enabled` false (no deduplication) the run's
   * boundary stays empty; the stored hashes are still known to {@linkcode seenBefore}.
   */
  constructor(stored: unknown, enabled: boolean, cap: number, hash: (row: Row) => string) {
    this.#start = new Set(Array.isArray(stored) ? stored as string[] : []);
    this.#cap = cap;
    this.#hash = hash;
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
    return this.#start.size > 0 && this.#start.has(this.#hash(row));
  }

  /** The last value moved to the value of `row`: the boundary starts over with it alone. */
  restart(row: Row): void {
    if (this.#boundary.size > 0) this.#boundary.clear();
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
