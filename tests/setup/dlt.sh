#!/usr/bin/env bash
# Installs Python dlt (pinned) with what its filesystem destination needs for S3 buckets
# (s3fs, botocore: the `s3` extra) and its dataset reader (duckdb) into .venv/dlt (git-ignored),
# for the interop tests (tests/interop/). Idempotent: pip runs only when a pinned package is
# missing or another version. Never touches the system Python. Exits non-zero (and says why) when the venv cannot be made, so the
# interop tests fail loudly instead of being skipped.
set -euo pipefail

# Exact pin: the layout and hash formats the tests check are those of this release.
DLT_VERSION="1.31.0"
# dlt 1.31.0's dataset reader breaks on the newest of its unpinned dependencies: it calls
# sqlglot's qualify(infer_schema=...), gone in sqlglot 30, and duckdb's Relation.fetchone(), gone
# in duckdb 2. Pinned to the versions in dlt's own lock file.
SQLGLOT_VERSION="28.10.0"
DUCKDB_VERSION="1.4.3"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/../../.venv/dlt"
PY="$VENV/bin/python"

installed() {
  [ "$("$PY" -c 'import importlib.metadata as m, s3fs
print(*(m.version(p) for p in ("dlt", "sqlglot", "duckdb")))' 2>/dev/null)" = \
    "$DLT_VERSION $SQLGLOT_VERSION $DUCKDB_VERSION" ]
}

if installed; then exit 0; fi

if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV" || { echo "dlt.sh: python3 -m venv $VENV failed" >&2; exit 1; }
fi
start=$(date +%s)
if ! "$PY" -m pip install --quiet --disable-pip-version-check "dlt[s3,duckdb]==$DLT_VERSION" \
  "sqlglot==$SQLGLOT_VERSION" "duckdb==$DUCKDB_VERSION" >&2; then
  echo "dlt.sh: could not install dlt[s3,duckdb]==$DLT_VERSION from PyPI; the interop tests cannot run" >&2
  exit 1
fi
installed || { echo "dlt.sh: dlt $DLT_VERSION is not in $VENV after pip install" >&2; exit 1; }
echo "dlt.sh: installed dlt[s3,duckdb]==$DLT_VERSION (sqlglot $SQLGLOT_VERSION, duckdb $DUCKDB_VERSION) in $(($(date +%s) - start))s" >&2
