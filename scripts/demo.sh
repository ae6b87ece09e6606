#!/usr/bin/env bash
# Set up (first run only) and run `retold find` on the bundled example corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/retold find examples/ -o -
