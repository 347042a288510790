"""Python dlt's side of the interop tests, run with the pinned dlt of .venv/dlt
(tests/setup/dlt.sh). Takes one JSON argument and prints one JSON object.

  {"action": "load", "bucket_url", "pipelines_dir", "pipeline_name", "dataset_name",
   "rows": [...], "cursor": "updated_at", "initial_value": "...", "datetimes": false}
    runs an incremental resource "items" (primary key "id", append) over `rows`; with
    `datetimes`, the cursor values (ISO text) are handed to dlt as datetimes. Prints the load
    ids, the rows loaded, the cursor's start and last value, the state version and the warnings
    dlt logged.
  {"action": "read", ..., "tables": ["items"], "via": "dataset" | "files"}
    restores the pipeline from the destination and reads the tables through dlt's dataset (SQL
    on duckdb), or with "files" through dlt's filesystem client: on S3, duckdb would download
    its httpfs extension at run time, which the machines this is tested on cannot.

Datetimes are printed as {"datetime": "<isoformat>"}.
"""

import json
import logging
import sys
from datetime import datetime

import dlt

spec = json.loads(sys.argv[1])
warnings = []


class Collect(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING:
            warnings.append(record.getMessage())


logging.getLogger("dlt").addHandler(Collect())


def to_json(value):
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    return str(value)


def cursor_slot(pipeline):
    resources = pipeline.state.get("sources", {}).get(spec["pipeline_name"], {}).get("resources", {})
    return resources.get("items", {}).get("incremental", {}).get(spec.get("cursor", ""), {})


pipeline = dlt.pipeline(
    pipeline_name=spec["pipeline_name"],
    destination=dlt.destinations.filesystem(spec["bucket_url"]),
    dataset_name=spec["dataset_name"],
    pipelines_dir=spec["pipelines_dir"],
)

if spec["action"] == "load":
    cursor = spec["cursor"]
    rows = spec["rows"]
    initial = spec["initial_value"]
    if spec.get("datetimes"):
        initial = datetime.fromisoformat(initial)
        rows = [{**row, cursor: datetime.fromisoformat(row[cursor])} for row in rows]
    seen = {}

    @dlt.resource(name="items", primary_key="id", write_disposition="append")
    def items(position=dlt.sources.incremental(cursor, initial_value=initial)):
        seen["start_value"] = position.start_value
        yield rows

    info = pipeline.run(items())
    loaded = pipeline.last_trace.last_normalize_info.row_counts.get("items", 0)
    slot = cursor_slot(pipeline)
    result = {
        "load_ids": list(info.loads_ids),
        "rows_loaded": loaded,
        "start_value": seen.get("start_value"),
        "last_value": slot.get("last_value"),
        "unique_hashes": slot.get("unique_hashes"),
        "state_version": pipeline.state["_state_version"],
        "warnings": warnings,
    }
elif spec["action"] == "read":
    pipeline.sync_destination()
    tables = {}
    if spec.get("via") == "files":
        # The table files as dlt's filesystem client lists them (what its SQL dataset reads too)
        client = pipeline.destination_client()
        for name in spec["tables"]:
            rows = []
            for path in client.list_table_files(name):
                compression = "gzip" if path.endswith(".gz") else None
                with client.fs_client.open(path, "rt", compression=compression) as file:
                    rows.extend(json.loads(line) for line in file if line.strip())
            tables[name] = rows
    else:
        dataset = pipeline.dataset()
        for name in spec["tables"]:
            relation = dataset[name]
            tables[name] = [dict(zip(relation.columns, row)) for row in relation.fetchall()]
    slot = cursor_slot(pipeline)
    result = {
        "tables": tables,
        "last_value": slot.get("last_value"),
        "state_version": pipeline.state["_state_version"],
        "warnings": warnings,
    }
else:
    raise SystemExit(f"unknown action {spec['action']!r}")

print(json.dumps(result, default=to_json))
