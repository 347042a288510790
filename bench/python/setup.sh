#!/usr/bin/env bash
# Installs Python dlt into bench/.venv (git-ignored) so the benchmarks can
# compare against it. Never touches the system Python. Safe to re-run.
set -euo pipefail

# Exact pin: numbers are only comparable across runs against one dlt version.
DLT_VERSION="1.31.0"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/../.venv"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV"
fi

# Plain `dlt` is enough: the local filesystem destination and the jsonl
# writer only need fsspec + orjson, which are base dependencies.
# `dlt[filesystem]` would only add s3fs/botocore (remote buckets).
if [ "$("$PY" -c 'import importlib.metadata as m; print(m.version("dlt"))' 2>/dev/null)" != "$DLT_VERSION" ]; then
  start=$(date +%s)
  "$PY" -m pip install --quiet --disable-pip-version-check "dlt==$DLT_VERSION"
  echo "installed in $(( $(date +%s) - start ))s" >&2
fi

"$PY" -c 'import importlib.metadata as m; print("dlt", m.version("dlt"))'
