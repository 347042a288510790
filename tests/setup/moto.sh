#!/usr/bin/env bash
# Installs the S3 server of the tests, moto[server] (pinned), into .venv/moto (git-ignored).
# Idempotent: pip runs only when moto is missing or another version. Never touches the system
# Python. Exits non-zero (and says why) when the venv cannot be made, so the S3 tests fail loudly.
set -euo pipefail

# Exact pin: conditional-write behaviour differs between moto releases (see moto#10018, #10055).
MOTO_VERSION="5.2.5"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/../../.venv/moto"
PY="$VENV/bin/python"

installed() {
  [ -x "$VENV/bin/moto_server" ] &&
    [ "$("$PY" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" = "$MOTO_VERSION" ]
}

if installed; then exit 0; fi

if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV" || { echo "moto.sh: python3 -m venv $VENV failed" >&2; exit 1; }
fi
start=$(date +%s)
if ! "$PY" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2; then
  echo "moto.sh: could not install moto[server]==$MOTO_VERSION from PyPI; the S3 tests cannot run" >&2
  exit 1
fi
installed || { echo "moto.sh: moto $MOTO_VERSION is not in $VENV after pip install" >&2; exit 1; }
echo "moto.sh: installed moto[server]==$MOTO_VERSION in $(($(date +%s) - start))s" >&2
