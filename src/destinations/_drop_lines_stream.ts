/**
 * A byte stream filter that drops given lines of a JSONL file.
 *
 * @module
 */

/**
 * Drops the lines whose numbers (counted from `firstLine`) are in the sorted list `drop`: the rows
 * of a merge table that a later row with the same key overwrote within the same load.
 */
export class DropLinesStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(drop: readonly number[], firstLine: number) {
    let line = firstLine;
    let next = 0; // index into drop
    while (next < drop.length && drop[next] < firstLine) next++;
    let dropping = next < drop.length && drop[next] === line;
    super({
      transform(chunk, controller) {
        let start = 0;
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] !== 0x0a) continue;
          if (!dropping && i + 1 > start) controller.enqueue(chunk.slice(start, i + 1));
          if (dropping) next++;
          start = i + 1;
          line++;
          dropping = next < drop.length && drop[next] === line;
        }
        if (start < chunk.length && !dropping) controller.enqueue(chunk.slice(start));
      },
    });
  }
}
