// An empty script: the floor of a `deno run` process (bench/noop_run.ts).
