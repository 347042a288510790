/**
 * A tiny issues-like HTTP API on 127.0.0.1 for the examples, so that they never reach the
 * internet. Items can be added and changed between pipeline runs.
 */

/** One item the API serves. */
export interface ApiItem {
  id: number;
  title: string;
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
}

/** A running local API; close it with `await using` or `close()`. */
export class LocalApi implements AsyncDisposable {
  readonly items: ApiItem[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  #clock = Date.parse("2024-01-01T00:00:00Z");

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#handle(request),
    );
  }

  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    const { hostname, port } = this.#server.addr;
    return `http://${hostname}:${port}`;
  }

  /** The next timestamp of the API's clock (one minute later each call). */
  tick(): string {
    this.#clock += 60_000;
    return new Date(this.#clock).toISOString().replace(".000Z", "Z");
  }

  /** Adds `n` new items. */
  add(n: number): ApiItem[] {
    const added: ApiItem[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.tick();
      const item = {
        id: this.items.length + 1,
        title: `Item ${this.items.length + 1}`,
        created_at: at,
        updated_at: at,
      };
      this.items.push(item);
      added.push(item);
    }
    return added;
  }

  /** Changes the title of an item, moving its `updated_at`. */
  update(id: number, title: string): void {
    const item = this.items.find((i) => i.id === id)!;
    item.title = title;
    item.updated_at = this.tick();
  }

  #handle(request: Request): Response {
    const url = new URL(request.url);
    const since = url.searchParams.get("since");
    const sort = url.searchParams.get("sort") ?? "created";
    const page = Number(url.searchParams.get("page") ?? "1");
    const perPage = Number(url.searchParams.get("per_page") ?? "10");
    const field = sort === "updated" ? "updated_at" : "created_at";
    const matching = this.items
      .filter((item) => !since || item[field] >= since)
      .sort((a, b) => (a[field] < b[field] ? -1 : a[field] > b[field] ? 1 : a.id - b.id));
    const slice = matching.slice((page - 1) * perPage, page * perPage);
    return Response.json(slice);
  }

  close(): Promise<void> {
    return this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Where the example writes: `$EXAMPLE_DIR`, else `./example_output/<name>`. Emptied first, so each
 * run of an example tells its whole story from nothing, unless `keep` (an example about what one
 * run leaves to the next).
 */
export function exampleDir(name: string, options: { keep?: boolean } = {}): string {
  const dir = `${Deno.env.get("EXAMPLE_DIR") ?? "./example_output"}/${name}`;
  if (options.keep) return dir;
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return dir;
}
