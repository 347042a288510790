"""Shared setup for the dlt benchmarks: quiet, uncompressed dlt + deterministic rows."""

import os
from datetime import datetime, timedelta, timezone

# Must be set before dlt is imported/configured.
# - telemetry would add a network attempt + anonymous id file we should not time
# - compression off so the filesystem destination writes plain .jsonl like ours
# - DLT_DATA_DIR / DLT_PROJECT_DIR are pointed at the work dir by the callers so a
#   stray ~/.dlt or ./.dlt config cannot change behaviour
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")

BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)
CATEGORIES = ["alpha", "beta", "gamma", "delta", "epsilon"]


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_row(i: int) -> dict:
    # 10 top-level fields; created_at/updated_at strictly increase with id.
    return {
        "id": i,
        "user_id": i % 9973,
        "name": f"user {i}",
        "email": f"user{i}@example.com",
        "score": (i % 1000) / 10.0,
        "active": i % 2 == 0,
        "created_at": iso(BASE + timedelta(seconds=i)),
        "updated_at": iso(BASE + timedelta(seconds=i, minutes=5)),
        "meta": {"source": "bench", "rank": i % 100},
        "category": CATEGORIES[i % len(CATEGORIES)],
    }


def make_pages(n: int, page_size: int = 1000) -> list:
    return [
        [make_row(i) for i in range(start, min(start + page_size, n))]
        for start in range(0, n, page_size)
    ]


def use_dirs(work: str) -> tuple:
    """Keep every dlt side-effect inside `work`; returns (pipelines_dir, bucket_dir)."""
    os.environ["DLT_DATA_DIR"] = os.path.join(work, "data")
    os.environ["DLT_PROJECT_DIR"] = work
    pipelines_dir = os.path.join(work, "pipelines")
    bucket = os.path.join(work, "bucket")
    os.makedirs(pipelines_dir, exist_ok=True)
    os.makedirs(bucket, exist_ok=True)
    return pipelines_dir, bucket
