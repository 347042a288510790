/**
 * How much the incremental filter costs on the hot path.
 *
 * Pushes 1,000,000 rows, in pages of 1,000, from a pull-based `ReadableStream` that makes each
 * page when asked (as a resource does) through `incremental.transform()`, and the same rows
 * through a pass-through `TransformStream`, in the same process, alternating the two several
 * times and keeping the best time of each. Two kinds of source, each with a numeric and an ISO
 * timestamp cursor:
 *
 * - "api pages": each page is `JSON.parse`d from a JSON body prepared up front, as a resource
 *   that fetches an API does; this is the ratio a pipeline sees, printed on the `ratio` line.
 * - "bare rows": each row is an object literal and nothing else happens, so the ratio is the
 *   filter's own cost against a stream that does no work at all; printed as the worst case.
 *
 *   deno run -A bench/incremental_filter_bench.ts [--rows=1000000] [--page=1000] [--rounds=5]
 *
 * Also runs under `deno bench bench/incremental_filter_bench.ts` (one scenario per bench).
 *
 * @module
 */
import { incremental } from "../src/incremental/incremental.ts";

type Row = Record<string, unknown>;

interface Scenario {
  name: string;
  cursor: string;
  /** Makes rows `from` .. `to` (exclusive) as one page. */
  makePage: (from: number, to: number) => Row[];
  initialValue: unknown;
  /** True for the api pages (the headline ratio). */
  api: boolean;
}

const BASE = Date.UTC(2024, 0, 1);

/** Pre-built ISO strings so both runs pay the same (zero) cost for producing them. */
function isoStrings(count: number): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = new Date(BASE + i * 1000).toISOString();
  return out;
}

function bareRows(name: string, cursor: string, row: (i: number) => Row, initialValue: unknown) {
  return {
    name: `bare rows, ${name}`,
    cursor,
    initialValue,
    api: false,
    makePage: (from: number, to: number) => {
      const page = new Array<Row>(to - from);
      for (let i = from; i < to; i++) page[i - from] = row(i);
      return page;
    },
  };
}

function apiPages(
  name: string,
  cursor: string,
  row: (i: number) => Row,
  initialValue: unknown,
  rows: number,
  pageSize: number,
) {
  const bodies: string[] = [];
  for (let from = 0; from < rows; from += pageSize) {
    const page: Row[] = [];
    for (let i = from; i < Math.min(rows, from + pageSize); i++) page.push(row(i));
    bodies.push(JSON.stringify(page));
  }
  return {
    name: `api pages, ${name}`,
    cursor,
    initialValue,
    api: true,
    makePage: (from: number) => JSON.parse(bodies[from / pageSize]) as Row[],
  };
}

function scenarios(rows: number, pageSize: number): Scenario[] {
  const iso = isoStrings(rows);
  const numberRow = (i: number) => ({ id: i, name: "row", amount: i * 3 });
  const isoRow = (i: number) => ({ id: i, updated_at: iso[i], name: "row" });
  const apiRow = (i: number) => ({
    id: i,
    number: 1000 + i,
    title: `Issue ${i}`,
    state: i % 3 === 0 ? "closed" : "open",
    user: { login: `user${i % 97}`, id: i % 97 },
    labels: [{ name: "bug" }],
    updated_at: iso[i],
  });
  const isoStart = "2024-01-01T00:00:10.000Z";
  return [
    apiPages("number cursor", "number", apiRow, 1010, rows, pageSize),
    apiPages("ISO timestamp cursor", "updated_at", apiRow, isoStart, rows, pageSize),
    bareRows("number cursor", "id", numberRow, 10),
    bareRows("ISO timestamp cursor", "updated_at", isoRow, isoStart),
  ];
}

function source(scenario: Scenario, rows: number, pageSize: number): ReadableStream<Row[]> {
  let next = 0;
  return new ReadableStream<Row[]>({
    pull(controller) {
      if (next >= rows) {
        controller.close();
        return;
      }
      const end = Math.min(rows, next + pageSize);
      const page = scenario.makePage(next, end);
      next = end;
      controller.enqueue(page);
    },
  }, { highWaterMark: 0 });
}

async function drain(stream: ReadableStream<Row | Row[]>): Promise<number> {
  let count = 0;
  for await (const chunk of stream) count += Array.isArray(chunk) ? chunk.length : 1;
  return count;
}

async function timePassThrough(scenario: Scenario, rows: number, pageSize: number) {
  const start = performance.now();
  const count = await drain(source(scenario, rows, pageSize).pipeThrough(new TransformStream()));
  return { ms: performance.now() - start, count };
}

async function timeIncremental(scenario: Scenario, rows: number, pageSize: number) {
  const cursor = incremental(scenario.cursor, { initialValue: scenario.initialValue });
  const state: Record<string, unknown> = {};
  const start = performance.now();
  const count = await drain(
    source(scenario, rows, pageSize).pipeThrough(cursor.transform({ state })),
  );
  return { ms: performance.now() - start, count };
}

async function main(): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const arg = Deno.args.find((a) => a.startsWith(`--${name}=`));
    return arg ? Number(arg.slice(name.length + 3)) : fallback;
  };
  const rows = flag("rows", 1_000_000);
  const pageSize = flag("page", 1000);
  const rounds = flag("rounds", 5);
  let headline = 0;
  let worst = 0;
  for (const scenario of scenarios(rows, pageSize)) {
    let bestPass = Infinity;
    let bestInc = Infinity;
    let kept = 0;
    for (let round = 0; round < rounds; round++) {
      const pass = await timePassThrough(scenario, rows, pageSize);
      const inc = await timeIncremental(scenario, rows, pageSize);
      bestPass = Math.min(bestPass, pass.ms);
      bestInc = Math.min(bestInc, inc.ms);
      kept = inc.count;
    }
    const ratio = bestInc / bestPass;
    if (scenario.api) headline = Math.max(headline, ratio);
    worst = Math.max(worst, ratio);
    console.log(
      `${scenario.name}: ${rows} rows in pages of ${pageSize}: pass-through ${
        bestPass.toFixed(1)
      } ms, incremental ${bestInc.toFixed(1)} ms (${kept} kept, ${
        ((bestInc - bestPass) * 1e6 / rows).toFixed(1)
      } ns/row more), ratio ${ratio.toFixed(2)}x`,
    );
  }
  console.log(
    `ratio ${
      headline.toFixed(2)
    }x (incremental.transform() / pass-through on api pages; worst case ${
      worst.toFixed(2)
    }x on bare rows)`,
  );
}

if (import.meta.main) {
  await main();
} else if (typeof Deno.bench === "function") {
  for (const scenario of scenarios(100_000, 1000)) {
    Deno.bench(
      `pass-through, ${scenario.name}`,
      { group: scenario.name, baseline: true },
      async () => {
        await timePassThrough(scenario, 100_000, 1000);
      },
    );
    Deno.bench(`incremental.transform(), ${scenario.name}`, { group: scenario.name }, async () => {
      await timeIncremental(scenario, 100_000, 1000);
    });
  }
}
