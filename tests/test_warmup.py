"""The warm-up: its sample corpus runs every kind, and the first command says once, plainly,
that it prepares the kernels."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

import retold
from retold.jit import kernel_cache_dir, marker
from retold.warmup import NOTICE, NOTICE_BACKGROUND, ensure_ready, input_size, sample_corpus

from .conftest import EXAMPLES, ROOT


def test_the_sample_corpus_has_every_kind_of_reuse() -> None:
    res = retold.find(sample_corpus(), embedder="lexical")
    assert all(n > 0 for n in res.kind_counts().values()), res.kind_counts()
    assert res.stats.warnings == {"empty": 1} and res.corpus.boilerplate, "furniture and an empty text too"


def _cold_copy(tmp_path):
    """A copy of the compiled kernels without the mark of a finished warm-up: the warm-up runs
    again (loading rather than compiling, so the tests stay short)."""
    ensure_ready()
    cache = tmp_path / "numba"
    shutil.copytree(kernel_cache_dir(), cache, ignore=shutil.ignore_patterns("retold-ready-*", "retold-warm*"))
    return cache


def _wait_for_mark(cache, seconds: float = 600) -> None:
    t0 = time.monotonic()
    while not list(cache.glob("retold-ready-*")):
        assert time.monotonic() - t0 < seconds, (cache / "retold-warm-up.log").read_text()
        time.sleep(0.5)


def test_a_first_run_on_a_small_input_does_not_wait_for_the_kernels(tmp_path) -> None:
    cache = _cold_copy(tmp_path)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    env.pop("NUMBA_DISABLE_JIT", None)

    def run(out) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "retold", "find", str(EXAMPLES), "-q", "-o", str(out)],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)

    first = run(tmp_path / "first.jsonl")
    assert first.returncode == 0, first.stderr
    # said once, first, plainly; the uncompiled kernels' integer overflow (the hashes wrap
    # modulo 2**64, as compiled) is not reported as a warning
    assert first.stderr.count(NOTICE_BACKGROUND) == 1 and first.stderr.startswith(NOTICE_BACKGROUND)
    assert "Warning" not in first.stderr and "warning:" not in first.stderr and NOTICE not in first.stderr
    _wait_for_mark(cache)
    assert [p.name for p in cache.glob("retold-ready-*")] == [marker().name]
    assert "kernels ready" in (cache / "retold-warm-up.log").read_text()
    second = run(tmp_path / "second.jsonl")
    assert second.returncode == 0 and "preparing" not in second.stderr
    # the same records, uncompiled or compiled: the exact copy, the near-duplicate and the seed
    # pair's paraphrase, with the same passages and scores
    a = (tmp_path / "first.jsonl").read_bytes()
    assert a == (tmp_path / "second.jsonl").read_bytes()
    kinds = sorted(json.loads(line)["kind"] for line in a.splitlines())
    assert kinds == ["exact", "near_duplicate", "paraphrase"]


def test_a_run_while_the_warm_up_goes_on_says_nothing_and_does_not_wait(tmp_path, monkeypatch) -> None:
    import retold.warmup as w

    cache = _cold_copy(tmp_path)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(cache))
    held = w._lock(block=False)  # a warm-up is running (started by an earlier command)
    assert held is not None
    try:
        env = {**os.environ}
        env.pop("NUMBA_DISABLE_JIT", None)
        r = subprocess.run([sys.executable, "-m", "retold", "find", str(EXAMPLES), "-q", "-o",
                            str(tmp_path / "out.jsonl")], capture_output=True, text=True, cwd=ROOT, env=env,
                           timeout=300)
    finally:
        os.close(held)
    assert r.returncode == 0, r.stderr
    assert "preparing" not in r.stderr, "the run that started the warm-up said it"
    assert not (cache / "retold-warm-up.log").exists(), "no second warm-up started"
    assert sorted(json.loads(x)["kind"] for x in (tmp_path / "out.jsonl").read_text().splitlines()) == [
        "exact", "near_duplicate", "paraphrase"]


def test_a_first_run_on_a_large_input_compiles_first_saying_so(tmp_path, monkeypatch) -> None:
    import retold.warmup as w

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    ran: list[str] = []
    monkeypatch.setattr(w, "warm_up", lambda notice=None: (notice(NOTICE), ran.append("warm-up"), w._mark("x")))
    monkeypatch.setattr(w, "start_background", lambda: ran.append("background"))
    told: list[str] = []
    assert w.prepare(told.append, input_bytes=w.SMALL_INPUT_BYTES + 1) == "compiled"
    assert ran == ["warm-up"] and told == [NOTICE]
    assert w.prepare(told.append, input_bytes=10) == "ready" and told == [NOTICE]


def test_a_small_input_after_the_kernels_were_imported_compiles_them(tmp_path, monkeypatch) -> None:
    import retold.warmup as w

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "0")  # restored after the test, whatever happens
    monkeypatch.setattr(w, "warm_up", lambda notice=None: w._mark("x"))
    import retold.fingerprints  # noqa: F401 - a kernel module: DISABLE_JIT would come too late for it

    assert w.prepare(None, input_bytes=10) == "compiled"
    assert os.environ["NUMBA_DISABLE_JIT"] == "0"


def test_a_second_process_waits_for_the_running_warm_up(tmp_path, monkeypatch) -> None:
    import retold.warmup as w

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(w, "warm_up", lambda notice=None: pytest.fail("compiled twice"))
    held = w._lock(block=False)  # another warm-up runs (a separate open file: flock sees two owners)
    assert held is not None and w.warming()
    told: list[str] = []
    done = threading.Event()
    worker = threading.Thread(target=lambda: (w.ensure_ready(told.append), done.set()))
    worker.start()
    assert not done.wait(1.0), "it waits while the lock is held"
    w._mark("compiled by the other process")
    os.close(held)
    assert done.wait(30)
    worker.join()
    assert told == [NOTICE] and w.ready() and not w.warming()


def test_input_size_counts_files_and_folders(tmp_path) -> None:
    (tmp_path / "a.txt").write_text("x" * 10)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("y" * 5)
    assert input_size([str(tmp_path)]) == 15
    assert input_size([str(tmp_path / "a.txt")]) == 10
    assert input_size([str(tmp_path / "missing")]) is None and input_size(["-"]) is None
    assert input_size([str(tmp_path)], limit=4) > 4


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


def test_uncompiled_kernels_give_the_same_records(tmp_path) -> None:
    # what a first run on a small input runs (numba's DISABLE_JIT): the same bytes as compiled, the
    # seed pair's passages and scores included (float accumulators are float64 in both modes)
    seeds = [str(EXAMPLES / "000_f6d4d808b074041e.txt"), str(EXAMPLES / "001_9f416579a8fdbabf.txt")]
    out = {}
    for mode in ("0", "1"):
        env = {**os.environ, "NUMBA_DISABLE_JIT": mode}
        for name, args in (("find", ["find", str(EXAMPLES), "-q", "-o", str(tmp_path / f"find{mode}.jsonl")]),
                           ("align", ["align", *seeds, "--json"])):
            r = subprocess.run([sys.executable, "-m", "retold", *args], capture_output=True, text=True, cwd=ROOT,
                               env=env, timeout=600)
            assert r.returncode == 0, r.stderr
            out[name, mode] = r.stdout if name == "align" else (tmp_path / f"find{mode}.jsonl").read_text()
    assert out["find", "0"] == out["find", "1"]
    assert out["align", "0"] == out["align", "1"] and json.loads(out["align", "0"])["kind"] == "paraphrase"
