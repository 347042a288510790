import assert from "node:assert/strict";
import { join } from "node:path";
import { JsonlFileWriter } from "../../src/pipeline/_jsonl_file_writer.ts";

const members = ',"_dlt_load_id":"1.5","_dlt_id":"';

Deno.test("JsonlFileWriter.writeRow() writes an object's head, the _dlt members and the end, empty or not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "t.jsonl");
    const writer = new JsonlFileWriter(path);
    writer.writeRow("{", members.slice(1), 'a0"}\n');
    writer.writeRow('{"name":"zoë 🦕","n":1', members, 'a1"}\n');
    const huge = JSON.stringify({ blob: "é".repeat(700_000) });
    writer.writeRow(huge.slice(0, -1), members, 'a2"}\n');
    writer.writeLine('{"plain":true}');
    writer.close();
    const text = await Deno.readTextFile(path);
    const rows = text.split("\n").filter((l) => l).map((l) => JSON.parse(l));
    assert.deepEqual(rows[0], { _dlt_load_id: "1.5", _dlt_id: "a0" });
    assert.deepEqual(rows[1], { name: "zoë 🦕", n: 1, _dlt_load_id: "1.5", _dlt_id: "a1" });
    assert.equal(rows[2].blob.length, 700_000);
    assert.equal(rows[2]._dlt_id, "a2");
    assert.deepEqual(rows[3], { plain: true });
    assert.equal(writer.lines, 4);
    assert.equal(writer.bytes, new TextEncoder().encode(text).length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JsonlFileWriter writes lines across many chunks, any text, with exact byte counts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "t.jsonl");
    const writer = new JsonlFileWriter(path);
    const expected: unknown[] = [];
    for (let i = 0; i < 20_000; i++) {
      // ASCII, two-byte, three-byte and astral text, so chunks end at every kind of character.
      const row = { i, text: ["plain", "zoë", "日本語", "🦕"][i % 4].repeat(i % 97) };
      expected.push({ ...row, _dlt_load_id: "1.5", _dlt_id: `x${i}` });
      writer.writeRow(JSON.stringify(row).slice(0, -1), members, `x${i}"}\n`);
    }
    writer.close();
    const text = await Deno.readTextFile(path);
    assert.deepEqual(text.trimEnd().split("\n").map((line) => JSON.parse(line)), expected);
    assert.equal(writer.lines, 20_000);
    assert.equal(writer.bytes, new TextEncoder().encode(text).length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
