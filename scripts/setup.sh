#!/usr/bin/env bash
# Set up .venv for the default run and the tests, once: retold with the sentence model (semantic),
# the Spark engine (spark) and the test tools (dev). pip runs only when pyproject.toml or this script changed since the last
# set-up; then the kernels are compiled once for this machine (python -m retold.warmup: silent when
# already done). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.retold-setup
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16) $(.venv/bin/python --version 2>&1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing retold and its dependencies into .venv (first run: a few minutes)" >&2
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  # torch==2.13.0 in the same command as the semantic extra: without the pin pip picks a multi-GB CUDA build;
  # the spark extra (pyspark) runs the Spark engine's tests in local mode (they need Java 17)
  .venv/bin/python -m pip install -q torch==2.13.0 -e '.[dev,semantic,spark]'
  echo "$want" > "$stamp"
fi
# byte-compile retold's own modules (an editable install does not), so start-up never compiles
# Python source even where PYTHONDONTWRITEBYTECODE is set
.venv/bin/python -m compileall -q src/retold >/dev/null
.venv/bin/python -m retold.warmup
