"""Throughput of Python dlt: N rows -> incremental append -> local filesystem jsonl.

Usage: bench/.venv/bin/python bench/python/dlt_throughput.py [N] [--keep DIR]
Prints one JSON line. Rows are generated before the timer starts so only
pipeline.run (extract + normalize + load) is measured.
"""

import json
import shutil
import sys
import tempfile
import time

import common  # sets env vars before dlt is imported

import dlt
from importlib.metadata import version


def main() -> None:
    args = sys.argv[1:]
    keep = None
    if "--keep" in args:  # keep the output dir, e.g. to inspect the layout
        keep = args.pop(args.index("--keep") + 1)
        args.remove("--keep")
    n = int(args[0]) if args else 1_000_000

    work = keep or tempfile.mkdtemp(prefix="dlt-bench-")
    pipelines_dir, bucket = common.use_dirs(work)

    t0 = time.perf_counter()
    pages = common.make_pages(n)
    gen_seconds = time.perf_counter() - t0

    @dlt.resource(name="rows", write_disposition="append")
    def rows(updated_at=dlt.sources.incremental("updated_at")):
        yield from pages  # pages of 1000 rows, like a paginated API

    pipeline = dlt.pipeline(
        pipeline_name="bench_throughput",
        pipelines_dir=pipelines_dir,
        destination=dlt.destinations.filesystem(bucket_url=bucket),
        dataset_name="bench",
        progress=None,  # no progress collector
    )

    t0 = time.perf_counter()
    pipeline.run(rows(), loader_file_format="jsonl")
    seconds = time.perf_counter() - t0
    # per-step split from dlt's own trace, to compare phase by phase
    phases = {
        st.step: round((st.finished_at - st.started_at).total_seconds(), 3)
        for st in pipeline.last_trace.steps
    }

    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({
        "tool": "dlt",
        "version": version("dlt"),
        "rows": n,
        "seconds": round(seconds, 3),
        "rows_per_second": round(n / seconds),
        "generate_seconds": round(gen_seconds, 3),
        "phases": phases,
    }))


if __name__ == "__main__":
    main()
