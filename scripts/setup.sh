#!/usr/bin/env bash
# Create .venv (if missing) and install retold with its test tools. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# the spark extra (pyspark, ~820 MB) runs the Spark engine's tests in local mode (needs Java 17)
.venv/bin/python -m pip install -q -e '.[dev,spark]'
