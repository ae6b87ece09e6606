"""The warm-up: its sample corpus runs every kind, and the first command says once, plainly,
that it prepares the kernels."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import retold
from retold.jit import kernel_cache_dir, marker
from retold.warmup import NOTICE, ensure_ready, sample_corpus

from .conftest import EXAMPLES, ROOT


def test_the_sample_corpus_has_every_kind_of_reuse() -> None:
    res = retold.find(sample_corpus(), embedder="lexical")
    assert all(n > 0 for n in res.kind_counts().values()), res.kind_counts()
    assert res.stats.warnings == {"empty": 1} and res.corpus.boilerplate, "furniture and an empty text too"


def test_the_first_command_says_once_that_it_prepares_the_kernels(tmp_path) -> None:
    ensure_ready()
    cache = tmp_path / "numba"
    # a copy of the compiled kernels without the mark of a finished warm-up: the warm-up runs
    # again (loading rather than compiling, so the test stays short) and says so, once
    shutil.copytree(kernel_cache_dir(), cache, ignore=shutil.ignore_patterns("retold-ready-*"))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "retold", "find", str(EXAMPLES), "-q", "-o", os.devnull],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)

    first = run()
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(NOTICE) == 1 and first.stderr.startswith(NOTICE)
    assert "Warning" not in first.stderr and "warning:" not in first.stderr
    assert [p.name for p in cache.glob("retold-ready-*")] == [marker().name]
    second = run()
    assert second.returncode == 0 and "preparing" not in second.stderr


def test_nothing_is_done_where_the_cache_cannot_be_written(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "numba"))
    told: list[str] = []
    assert ensure_ready(told.append) is False and told == []


def test_a_failing_warm_up_never_stops_the_command(tmp_path, monkeypatch) -> None:
    import retold.warmup as w

    def broken(folder, embedder):
        raise RuntimeError("disk full")

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(w, "_workload", broken)
    told: list[str] = []
    assert w.ensure_ready(told.append) is True
    assert told[-1].startswith("retold: preparing the kernels failed (RuntimeError: disk full)")
    assert w.ready(), "marked, so that the next run does not try again"
    told.clear()
    assert w.ensure_ready(told.append) is False and told == []
