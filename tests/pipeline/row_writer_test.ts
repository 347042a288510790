import assert from "node:assert/strict";
import * as dlt from "../../mod.ts";
import { dataOnly, TempWorld } from "../helpers/temp_pipeline.ts";

/**
 * Rows of awkward strings (JSON that looks like row boundaries, escapes, non-ASCII), nested
 * objects and arrays; with `mixed`, also objects inside arrays and Dates, which make a page be
 * serialised row by row.
 */
function* awkwardRows(
  seed: number,
  count: number,
  mixed: boolean,
): Generator<Record<string, unknown>> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const strings = [
    '},{"',
    '"},{"id":1,"',
    "}],[{",
    '\\"},{\\"',
    "\\",
    "zoë 🦕 日本語",
    "\u0000\u001f\u2028",
    "",
    '{"a":1}',
    "x},{", // a string that ends like a row does: its closing quote follows
    "},{",
    'id":',
  ];
  for (let i = 0; i < count; i++) {
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
    const row: Record<string, unknown> = { id: i, text: pick(strings) + pick(strings) };
    if (next() < 0.5) row.nested = { inner: pick(strings), deeper: { list: [pick(strings), 1] } };
    if (next() < 0.3) row.list = [pick(strings), null, true, 2.5];
    if (next() < 0.2) row.gone = undefined;
    if (mixed && next() < 0.1) row.objects = [{ a: pick(strings) }, { b: 1 }];
    if (mixed && next() < 0.05) row.when = new Date(Date.UTC(2024, 0, 1, 0, 0, i));
    yield row;
  }
}

for (const [label, withEmpty] of [["", false], [", empty rows among them", true]] as const) {
  Deno.test(`run() writes every row of a page as it was, whatever its strings hold${label}`, async () => {
    await using world = await TempWorld.create();
    const pipeline = world.pipeline("awkward");
    const pages: Record<string, unknown>[][] = [];
    for (let page = 0; page < 40; page++) {
      const rows: Record<string, unknown>[] = [...awkwardRows(page + 1, 25, page % 2 === 1)].map((
        row,
      ) => ({
        ...row,
        id: page * 25 + (row.id as number),
      }));
      if (withEmpty && page % 4 === 0) rows.splice(7, 0, {});
      pages.push(rows);
    }
    const info = await pipeline.run(dlt.resource(pages, { name: "rows" }));
    const expected = pages.flat().map((row) => JSON.parse(JSON.stringify(row)));
    assert.equal(info.rowCounts.rows, expected.length);
    const stored = await pipeline.dataset().table("rows").toArray();
    assert.deepEqual(dataOnly(stored), expected);
    const ids = new Set(stored.map((row) => row._dlt_id));
    assert.equal(ids.size, expected.length);
  });
}

Deno.test("run() writes a page cut into rows with the same _dlt_ids as rows written one by one", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("ids");
  const pages = [[{ a: 1 }, { a: 2 }, { a: 3 }], [{ a: 4 }], [{ a: 5 }, { a: 6 }]];
  await pipeline.run(dlt.resource(pages, { name: "rows" }));
  const rows = await pipeline.dataset().table("rows").toArray();
  const prefix = (rows[0]._dlt_id as string).slice(0, 8);
  assert.deepEqual(rows.map((row) => row._dlt_id), [0, 1, 2, 3, 4, 5].map((n) => `${prefix}${n}`));
});

Deno.test("run() writes rows whose first key could be mistaken for structure, or whose keys vary", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("keys");
  const pages = [
    [{ ",": "},{", b: 1 }, { ",": "x},{", b: 2 }],
    [{ ":": "},{", b: 1 }, { ":": '},{":', b: 2 }],
    [{ a: "},{" }, { b: "},{" }, { a: 1, b: 2 }, { b: 2, a: 1 }],
    [{ id: 'x},{"id":' }, { id: "},{" }],
  ];
  await pipeline.run(dlt.resource(pages, { name: "rows" }));
  const expected = pages.flat();
  assert.deepEqual(dataOnly(await pipeline.dataset().table("rows").toArray()), expected);
});

Deno.test("run() writes pages longer than one serialised slice: every row as it was, ids in order", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("long_pages");
  // Pages of 1,000 and 777 rows with the same keys in every row (so each is serialised whole, in
  // slices) and strings that look like row boundaries; the ids run on across the slices and
  // past 1,296 rows (where the id's higher digits change).
  const pages = [1_000, 777, 1_000].map((count, page) =>
    [...awkwardRows(page + 7, count, false)].map((row) => ({
      id: page * 1_000 + (row.id as number),
      text: row.text,
      more: JSON.stringify(row.nested ?? null),
    }))
  );
  const info = await pipeline.run(dlt.resource(pages, { name: "rows" }));
  const expected = pages.flat().map((row) => JSON.parse(JSON.stringify(row)));
  assert.equal(info.rowCounts.rows, 2_777);
  const stored = await pipeline.dataset().table("rows").toArray();
  assert.deepEqual(dataOnly(stored), expected);
  const prefix = (stored[0]._dlt_id as string).slice(0, 8);
  assert.deepEqual(
    stored.map((row) => row._dlt_id),
    stored.map((_, n) => `${prefix}${n.toString(36).padStart(n < 1296 ? 1 : 2, "0")}`),
  );
});

Deno.test("run() writes pages of wide rows in narrower slices: every row as it was, ids in order", async () => {
  await using world = await TempWorld.create();
  const pipeline = world.pipeline("wide_rows");
  // Rows of about 3,000 characters (some of them two-byte), pages of 150: a few rows per slice.
  const pages = [150, 150, 7].map((count, page) =>
    Array.from({ length: count }, (_, i) => ({
      id: page * 150 + i,
      text: (i % 3 === 0 ? "日本語 " : '},{"id":').repeat(375),
      n: i,
    }))
  );
  const info = await pipeline.run(dlt.resource(pages, { name: "rows" }));
  assert.equal(info.rowCounts.rows, 307);
  const stored = await pipeline.dataset().table("rows").toArray();
  assert.deepEqual(dataOnly(stored), pages.flat());
  const prefix = (stored[0]._dlt_id as string).slice(0, 8);
  assert.deepEqual(
    stored.map((row) => row._dlt_id),
    stored.map((_, n) => `${prefix}${n.toString(36)}`),
  );
});
