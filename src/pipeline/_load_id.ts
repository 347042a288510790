/**
 * Load ids: increasing, sortable, time-based strings in dlt's form (`seconds.microseconds`),
 * strictly increasing within a process even when the clock repeats itself or goes back.
 */
let last = "";

function format(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
}

function parse(id: string): number {
  const [seconds, fraction = "0"] = id.split(".");
  return Number(seconds) * 1e6 + Number(fraction.padEnd(6, "0").slice(0, 6));
}

/** A new load id, greater than every id this process made before and than `after`. */
export function newLoadId(after = ""): string {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const floor = after > last ? after : last;
  let id = format(now);
  if (floor !== "" && id <= floor) {
    const next = parse(floor) + 1;
    id = Number.isFinite(next) ? format(next) : format(now);
  }
  last = id;
  return id;
}
