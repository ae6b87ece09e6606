from __future__ import annotations

import os
from pathlib import Path

import pytest

# the paraphrase tier in find() uses the fast lexical similarity in the suite; the MiniLM model is
# tested on its own (tests/test_paraphrase.py), where it is installed
os.environ.setdefault("RETOLD_EMBEDDER", "lexical")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RETOLD_SHARED", ROOT.parent / "shared"))
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def bbc_path() -> Path:
    p = SHARED / "data" / "bbc" / "bbc.jsonl"
    if not p.exists():
        pytest.skip(f"real BBC corpus not found at {p} (set RETOLD_SHARED to the shared/ folder)")
    return p
