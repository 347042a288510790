"""The "cron run with nothing new" scenario for Python dlt.

  --setup DIR  load ROWS rows once (untimed) into DIR/pipelines + DIR/bucket
  --run DIR    run the same pipeline again: the resource yields the same rows
               and the incremental cursor filters all of them out
  (no args)    setup in a temp dir, then time `--run` as a child process

An outer harness should time `python dlt_noop_run.py --run DIR` as a whole
process: a cron run pays interpreter start + `import dlt` + state restore.
Usage: bench/.venv/bin/python bench/python/dlt_noop_run.py [--setup|--run DIR] [--rows N]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import common  # sets env vars before dlt is imported


def pipeline_run(work: str, n: int) -> dict:
    import dlt  # imported here so the no-arg driver mode stays light

    pipelines_dir, bucket = common.use_dirs(work)
    pages = common.make_pages(n)

    @dlt.resource(name="rows", write_disposition="append")
    def rows(updated_at=dlt.sources.incremental("updated_at")):
        yield from pages

    pipeline = dlt.pipeline(
        pipeline_name="bench_noop",
        pipelines_dir=pipelines_dir,
        destination=dlt.destinations.filesystem(bucket_url=bucket),
        dataset_name="bench",
        progress=None,
    )
    t0 = time.perf_counter()
    pipeline.run(rows(), loader_file_format="jsonl")
    seconds = time.perf_counter() - t0
    # rows that got past the incremental filter and were normalized
    norm = pipeline.last_trace.last_normalize_info
    loaded = norm.row_counts.get("rows", 0) if norm else 0
    return {"rows_offered": n, "rows_loaded": loaded, "run_seconds": round(seconds, 3)}


def main() -> None:
    args = sys.argv[1:]
    n = 1000
    if "--rows" in args:
        i = args.index("--rows")
        n = int(args[i + 1])
        del args[i : i + 2]

    if len(args) == 2 and args[0] in ("--setup", "--run"):
        mode, work = args[0][2:], os.path.abspath(args[1])
        print(json.dumps({"tool": "dlt", "mode": mode, **pipeline_run(work, n)}))
        return
    if args:
        sys.exit(__doc__)

    # Convenience driver: setup + one timed whole-process no-op run.
    work = tempfile.mkdtemp(prefix="dlt-noop-")
    try:
        me = [sys.executable, os.path.abspath(__file__), "--rows", str(n)]
        subprocess.run(me + ["--setup", work], check=True, stdout=subprocess.DEVNULL)
        t0 = time.perf_counter()
        out = subprocess.run(me + ["--run", work], check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        child = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps({**child, "process_seconds": round(wall, 3)}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
