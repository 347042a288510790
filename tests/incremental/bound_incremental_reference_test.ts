/**
 * The filter against a plain re-statement of dlt's per-row algorithm (dlt_semantics.md §5.4), on
 * random data: the fast paths (numbers, ISO strings of one layout) and the full path must agree
 * with it row for row and in the stored state.
 */
import assert from "node:assert/strict";
import { incremental } from "../../src/incremental/incremental.ts";
import { hashOf, type Row, slotOf } from "./_helpers.ts";

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Stored {
  last: unknown;
  hashes: string[];
}

/** dlt's algorithm for max (1) / min (-1) over numeric keys, with the id column as dedup key. */
function reference(runs: Row[][][], direction: 1 | -1, key: (value: unknown) => number) {
  let stored: Stored = { last: undefined, hashes: [] };
  const outputs: Row[][] = [];
  for (const pages of runs) {
    const start = stored.last;
    const startKey = start === undefined ? undefined : key(start);
    const startHashes = new Set(stored.hashes);
    let last = start;
    let lastKey = startKey;
    let boundary = new Set(stored.hashes);
    let lastRows: Row[] = [];
    const kept: Row[] = [];
    for (const page of pages) {
      for (const row of page) {
        const k = key(row.c);
        if (lastKey !== undefined && !(direction * (k - lastKey) > 0)) {
          if (startKey !== undefined) {
            if (direction * (k - startKey) < 0) continue;
            if (k === startKey && startHashes.has(hashOf(row.id))) continue;
          }
          if (k === lastKey) lastRows.push(row);
          kept.push(row);
        } else {
          last = row.c;
          lastKey = k;
          lastRows = [row];
          boundary = new Set();
          kept.push(row);
        }
      }
      for (const row of lastRows) boundary.add(hashOf(row.id));
      lastRows = [];
      stored = { last, hashes: [...boundary] };
    }
    outputs.push(kept);
  }
  return { outputs, stored };
}

function paginate(rows: Row[], next: () => number): Row[][] {
  const pages: Row[][] = [];
  for (let i = 0; i < rows.length;) {
    const size = 1 + Math.floor(next() * 7);
    pages.push(rows.slice(i, i + size));
    i += size;
  }
  return pages;
}

function makeRuns(next: () => number, value: (n: number) => unknown): Row[][][] {
  const runs: Row[][][] = [];
  let id = 0;
  let previous: Row[] = [];
  let base = 0;
  for (let run = 0; run < 3; run++) {
    const rows: Row[] = previous.filter(() => next() < 0.3).map((row) => ({ ...row }));
    const count = 5 + Math.floor(next() * 25);
    const ordered = next() < 0.5;
    for (let i = 0; i < count; i++) {
      const n = ordered ? base + Math.floor(i / 3) : base + Math.floor(next() * 12);
      rows.push({ id: id++, c: value(n) });
    }
    base += 6;
    if (!ordered) rows.sort(() => next() - 0.5);
    previous = rows;
    runs.push(paginate(rows, next));
  }
  return runs;
}

function compare(runs: Row[][][], direction: 1 | -1, key: (value: unknown) => number) {
  const expected = reference(runs, direction, key);
  const state: Record<string, unknown> = {};
  const inc = incremental("c", {
    lastValueFunc: direction === 1 ? "max" : "min",
    primaryKey: "id",
  });
  runs.forEach((pages, i) => {
    const bound = inc.bind({ resourceName: "r", resourceState: state, warn: () => {} });
    const kept: Row[] = [];
    for (const page of pages) kept.push(...bound.filterPage(page));
    assert.deepEqual(kept, expected.outputs[i]);
  });
  const slot = slotOf(state, "c") as Record<string, unknown>;
  assert.equal(slot.last_value, expected.stored.last);
  assert.deepEqual(
    [...(slot.unique_hashes as string[])].sort(),
    [...expected.stored.hashes].sort(),
  );
}

Deno.test("filterPage() agrees with dlt's algorithm on random numeric cursors", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const runs = makeRuns(next, (n) => n);
    compare(runs, seed % 2 === 0 ? 1 : -1, (value) => value as number);
  }
});

Deno.test("filterPage() agrees with dlt's algorithm on ISO timestamps in mixed layouts", () => {
  const base = Date.UTC(2024, 0, 1);
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const layouts = [
      (ms: number) => new Date(ms).toISOString(),
      (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z"),
      (ms: number) => new Date(ms + 7_200_000).toISOString().replace(".000Z", "+02:00"),
    ];
    // Mostly one layout (the fast path), sometimes another (the full path).
    const runs = makeRuns(
      next,
      (n) => layouts[next() < 0.8 ? 0 : next() < 0.5 ? 1 : 2](base + n * 1000),
    );
    compare(runs, seed % 2 === 0 ? 1 : -1, (value) => Date.parse(value as string));
  }
});
