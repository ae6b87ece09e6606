"""The vocabulary: light to import (the command line's help needs no NumPy), and the read
options are checked where they are made."""

from __future__ import annotations

import subprocess
import sys

import pytest

from retold import model
from retold.vocabulary import ID_PREFIXES, KINDS, Fields, parse_kinds


def test_it_imports_nothing_heavy() -> None:
    code = "import sys, retold.vocabulary; print([m for m in ('numpy', 'numba', 'rich') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "[]"


def test_the_model_is_the_same_vocabulary() -> None:
    assert model.KINDS is KINDS and model.Fields is Fields and model.parse_kinds is parse_kinds


def test_fields_are_checked() -> None:
    assert Fields(id_prefix="file", encoding="cp1252").encoding == "cp1252"
    with pytest.raises(ValueError, match="unknown id prefix 'dir'; choose from none, file"):
        Fields(id_prefix="dir")
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        Fields(encoding="klingon")
    assert ID_PREFIXES == ("none", "file")
