/**
 * Load ids: increasing, sortable, time-based strings in dlt's form (`seconds.microseconds`),
 * strictly increasing within a process even when the clock repeats itself or goes back, and
 * after every load id the run has seen in its destination ({@linkcode noteLoadId}).
 *
 * Python dlt writes `str(time.time())`: the same ten integer digits and up to seven fraction
 * digits (`1796158581.9460392`, or fewer: `1796158581.94604`). It picks the newest state by
 * comparing load ids as strings and keeps the newest by comparing them as floats; an id here is
 * always greater than a noted one in both orders, because it is greater in whole microseconds
 * than the noted id floored to microseconds.
 */

/** The greatest load id made or noted so far, floored to whole microseconds. */
let lastMicros = -Infinity;

function format(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
}

/** Whole microseconds of a load id (fraction digits beyond the sixth dropped), or NaN. */
function parse(id: string): number {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(id);
  if (match === null) return NaN;
  return Number(match[1]) * 1e6 + Number((match[2] ?? "").padEnd(6, "0").slice(0, 6));
}

/**
 * Records a load id seen in the destination (the committed state a run starts from, which
 * Python dlt may have written on a clock ahead of this one): later ids are made after it.
 */
export function noteLoadId(id: string): void {
  const micros = parse(id);
  if (Number.isSafeInteger(micros) && micros > lastMicros) lastMicros = micros;
}

/** A new load id, greater than every id this process made or noted before. */
export function newLoadId(): string {
  let micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return format(micros);
}
