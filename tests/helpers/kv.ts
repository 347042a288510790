/**
 * Deno KV for tests: a database file in a temp dir (as a Deploy app's database, but local), and
 * {@linkcode kvTest}, which registers a test that needs one. Outside Deno Deploy, Deno KV needs
 * `--unstable-kv`, which only `deno task test:kv` (a step of `deno task test`) passes: in the
 * main step these tests are ignored, in that one they run.
 */

/** Whether this process may open a KV database (`--unstable-kv`, or Deno Deploy). */
export const KV_AVAILABLE = typeof Deno.openKv === "function";

/** `Deno.test`, ignored where Deno KV is not available. */
export function kvTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test({ name, ignore: !KV_AVAILABLE, fn });
}

/** A KV database file in a temp dir, closed and removed by `[Symbol.asyncDispose]`. */
export class TempKv implements AsyncDisposable {
  /** The open database. */
  readonly kv: Deno.Kv;
  /** The database file, for other processes (`Deno.openKv(path)`). */
  readonly path: string;
  readonly #dir: string;
  #closed = false;

  private constructor(dir: string, kv: Deno.Kv) {
    this.#dir = dir;
    this.path = `${dir}/kv.sqlite3`;
    this.kv = kv;
  }

  /** Opens a fresh database file. */
  static async create(): Promise<TempKv> {
    const dir = await Deno.makeTempDir({ prefix: "dlt_kv_" });
    return new TempKv(dir, await Deno.openKv(`${dir}/kv.sqlite3`));
  }

  /** Another handle on the same file (as another instance of a Deploy app); close it yourself. */
  open(): Promise<Deno.Kv> {
    return Deno.openKv(this.path);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closed) this.kv.close();
    this.#closed = true;
    await Deno.remove(this.#dir, { recursive: true });
  }
}
