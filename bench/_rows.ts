/**
 * The benchmark rows: deterministic, ten top-level fields of mixed kinds (ints, strings, a float,
 * a boolean, ISO timestamps, a nested object). Row `i` here is field for field the row `i` of
 * `bench/python/common.py`, so the Python dlt scripts and these benchmarks load the same data.
 *
 * `created_at` and `updated_at` strictly increase with `id`, so an incremental on `updated_at`
 * keeps every row of a first run and filters every row of a second one.
 *
 * @module
 */

/** One benchmark row. */
export interface BenchRow {
  [key: string]: unknown;
  id: number;
  user_id: number;
  name: string;
  email: string;
  score: number;
  active: boolean;
  created_at: string;
  updated_at: string;
  meta: { source: string; rank: number };
  category: string;
}

/** 2024-01-01T00:00:00Z, the base of the timestamps (as in common.py). */
export const BASE_MS = Date.UTC(2024, 0, 1);
const CATEGORIES = ["alpha", "beta", "gamma", "delta", "epsilon"];

/** `YYYY-MM-DDTHH:MM:SSZ` (no fraction), as Python's `strftime("%Y-%m-%dT%H:%M:%SZ")`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** Row `i`. */
export function makeRow(i: number): BenchRow {
  return {
    id: i,
    user_id: i % 9973,
    name: `user ${i}`,
    email: `user${i}@example.com`,
    score: (i % 1000) / 10,
    active: i % 2 === 0,
    created_at: iso(BASE_MS + i * 1000),
    updated_at: iso(BASE_MS + i * 1000 + 300_000),
    meta: { source: "bench", rank: i % 100 },
    category: CATEGORIES[i % CATEGORIES.length],
  };
}

/** Rows `[start, end)` as one page. */
export function makePage(start: number, end: number): BenchRow[] {
  const page = new Array<BenchRow>(end - start);
  for (let i = start; i < end; i++) page[i - start] = makeRow(i);
  return page;
}

/** Rows `[0, n)` in pages of `pageSize`, built up front (as `common.make_pages` does). */
export function makePages(n: number, pageSize = 1000): BenchRow[][] {
  const pages: BenchRow[][] = [];
  for (let start = 0; start < n; start += pageSize) {
    pages.push(makePage(start, Math.min(n, start + pageSize)));
  }
  return pages;
}

/** Rows `[0, n)` in pages of `pageSize`, built lazily: only one page lives at a time. */
export function* lazyPages(n: number, pageSize = 1000, first = 0): Generator<BenchRow[]> {
  for (let start = first; start < first + n; start += pageSize) {
    yield makePage(start, Math.min(first + n, start + pageSize));
  }
}
