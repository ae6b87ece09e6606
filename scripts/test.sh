#!/usr/bin/env bash
# Set up (first run only), lint, and run the whole test suite (unit, property, real-data, CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks
.venv/bin/python -m pytest "$@"
