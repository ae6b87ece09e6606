"""The HTML report's data and files: pairs joined to texts, families numbered as `clusters` does,
bad records skipped and counted, one file or a data folder, byte-identical reruns, the CLI."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import retold

from ..conftest import EXAMPLES, ROOT

SEED_A, SEED_B = "000_f6d4d808b074041e.txt", "001_9f416579a8fdbabf.txt"


@pytest.fixture(scope="module")
def examples_result():
    return retold.find([EXAMPLES])


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retold", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def test_cli_report_and_find_report_write_the_same_page(tmp_path):
    pairs, page = tmp_path / "pairs.jsonl", tmp_path / "find.html"
    r = run("find", str(EXAMPLES), "-o", str(pairs), "--report", str(page), "-q")
    assert r.returncode == 0, r.stderr
    assert re.search(r"report: .*find\.html, 3 pairs, 2 families", r.stderr)
    r = run("report", str(pairs), "--corpus", str(EXAMPLES), "-o", str(tmp_path / "report.html"), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stderr[r.stderr.index("{"):])
    assert summary["pairs"] == 3 and summary["families"] == 2 and summary["data_folder"] is None
    assert (tmp_path / "report.html").read_bytes() == page.read_bytes()


def test_cli_report_exit_codes(tmp_path):
    assert run("report", str(tmp_path / "none.jsonl"), "--corpus", str(EXAMPLES), "-o",
               str(tmp_path / "r.html")).returncode == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": "nope", "b": "never", "kind": "exact", "score": 1}\n')
    r = run("report", str(bad), "--corpus", str(EXAMPLES), "-o", str(tmp_path / "r.html"))
    assert r.returncode == 1 and "missing_document" in r.stderr
    assert run("report", str(bad), "--corpus", str(EXAMPLES), "-o", str(tmp_path / "r.txt")).returncode == 2
